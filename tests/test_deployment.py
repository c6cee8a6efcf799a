"""The container files, checked with the tools that run here (no Docker engine does)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from incidents.settings import Settings

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]


def test_dockerfile_passes_hadolint() -> None:
    result = _run(str(BIN / "hadolint"), "--failure-threshold", "info", str(ROOT / "Dockerfile"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_keeps_its_promises() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert len(stages) == 2
    assert all(image.endswith("-slim") for image in stages)
    assert "RUN sh deploy/install.sh /opt/incidents /src" in dockerfile
    assert "COPY pyproject.toml uv.lock" in dockerfile, "the image installs from the lock"
    assert re.search(r"^USER 10001$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert "/health" in dockerfile
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :]
    assert "INCIDENTS_PORT" in healthcheck.split("\nCMD ")[0], "probe the port actually served"


def test_compose_file_is_valid_and_wired() -> None:
    result = _run(
        str(BIN / "check-jsonschema"),
        "--builtin-schema",
        "vendor.compose-spec",
        str(ROOT / "compose.yaml"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "api", "bot"}
    assert "healthcheck" in services["postgres"]
    assert "pgdata" in compose["volumes"]
    assert services["migrate"]["command"] == ["incidents", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "bot"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
    assert "--no-migrate" in services["api"]["command"]
    known = {f"INCIDENTS_{field.upper()}" for field in Settings.model_fields}
    for name in ("migrate", "api", "bot"):
        for variable in services[name]["environment"]:
            assert variable in known, f"{name} sets unknown {variable}"


# Slow (a download-free install still makes two venvs); CI also runs it inside the image build.
@pytest.mark.slow
def test_the_image_install_step_works_here(tmp_path: Path) -> None:
    """Run the Dockerfile's install script as the build stage does, then use the result."""
    venv = tmp_path / "opt-incidents"
    installed = _run(
        "sh",
        str(ROOT / "deploy" / "install.sh"),
        str(venv),
        str(ROOT),
        env={**os.environ, "INCIDENTS_INSTALL_CACHE": "1"},
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    packages = _run(str(venv / "bin" / "pip"), "list", "--format=freeze").stdout
    for dev_only in ("pytest", "mypy", "ruff"):
        assert dev_only not in packages.lower(), f"{dev_only} is in the runtime image"
    database = f"sqlite+aiosqlite:///{tmp_path}/data/incidents.db"
    migrated = _run(
        str(venv / "bin" / "incidents"),
        "migrate",
        env={**os.environ, "INCIDENTS_DATABASE_URL": database},
        cwd=tmp_path,
    )
    assert migrated.returncode == 0, migrated.stderr


def test_ci_proves_the_image_and_runs_the_slow_scenarios() -> None:
    """CI builds and runs the image and the compose stack, then every test."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert "deploy/prove-image.sh" in ci
    assert ci.index("deploy/prove-image.sh") < ci.index("make test")
    assert "make test-slow" in ci
    proof = (ROOT / "deploy" / "prove-image.sh").read_text()
    for step in ("incidents migrate", "keys create", "docker stop", "up --wait", "down"):
        assert step in proof, f"the image proof lacks {step!r}"
