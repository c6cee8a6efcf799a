"""The README and docs/ stay true: the two setup commands, the examples and the settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from incidents.settings import Settings
from tests.conftest import Server
from tests.serving import at_a_terminal
from tests.web.conftest import csrf_of, version_of

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
# The README, then the topic pages it links to, in the order a reader follows them: the
# examples run in this order, each on the state the ones before it left.
TOPICS = ("API.md", "MONITORING.md", "CONSOLE.md", "TELEGRAM.md", "OPERATIONS.md")
PAGES = [README, *((ROOT / "docs" / name).read_text() for name in TOPICS)]
FENCED = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)


def _commands(block: str) -> list[str]:
    """Shell commands of a block, continuation lines joined."""
    return [c.strip() for c in block.replace("\\\n", " ").splitlines() if c.strip()]


def test_first_block_is_the_two_setup_commands() -> None:
    first = FENCED.search(README)
    assert first is not None
    assert _commands(first.group(2)) == ["make run", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _shell_examples() -> list[str]:
    return [
        command
        for page in PAGES
        for kind, block in FENCED.findall(page)
        if kind == "sh"
        for command in _commands(block)
    ]


def _bash(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _all_commands() -> list[str]:
    return [
        command
        for page in PAGES
        for _kind, block in FENCED.findall(page)
        for command in _commands(block)
    ]


def test_every_command_names_the_installed_executable() -> None:
    bare = [c for c in _all_commands() if re.match(r"(\w+=\S+ )*incidents\b", c)]
    assert bare == [], "write .venv/bin/incidents: a fresh shell has no `incidents`"


def _fresh_shell(served: Server) -> dict[str, str]:
    """A new shell's environment: no virtualenv on PATH, no USER (as in a container)."""
    venv = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv)
    env = {k: v for k, v in served.env.items() if k not in ("USER", "VIRTUAL_ENV")}
    return {**env, "PATH": path}


PASSWORD = "correct horse battery"


def test_command_line_examples_run_as_printed(served: Server, tmp_path: Path) -> None:
    env = _fresh_shell(served)
    # In a folder of their own (what they write, such as backups, stays out of the checkout),
    # with the checkout's .venv, after the pages' `mkdir -p backups`.
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    (tmp_path / "backups").mkdir()
    examples = [
        c
        for c in _all_commands()
        if c.startswith(".venv/bin/incidents ") and " serve" not in c and "TOKEN" not in c
    ]
    assert len(examples) >= 8
    for command in examples:
        if "users create" in command or "users set-password" in command:
            # Asked twice at a hidden prompt: typed at a terminal, as a person would.
            status, shown = at_a_terminal(
                ["bash", "-c", command],
                env=env,
                cwd=tmp_path,
                answers=["correct horse battery"] * 2,
            )
            assert status == 0, (command, shown)
            assert shown.startswith("database: "), (command, shown)
            continue
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            input=f"{PASSWORD}\n{PASSWORD}\n",
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, (command, result.stderr)
        assert result.stderr.startswith("database: "), (command, result.stderr)


def _take_the_tour(served: Server) -> None:
    """The five-minute tour as a person takes it: sign in to the console as `admin` with the
    printed password, report a problem, take it."""
    shown = re.search(r"username admin, password (\S+)", served.banner())
    assert shown, served.banner()
    with httpx.Client(base_url=served.url, follow_redirects=True) as browser:
        form = browser.get("/sign-in")
        signed_in = browser.post(
            "/sign-in",
            data={"username": "admin", "password": shown.group(1), "csrf_token": csrf_of(form)},
        )
        assert signed_in.status_code == 200, signed_in.text
        new = browser.get("/incidents/new")
        page = browser.post(
            "/incidents",
            data={
                "description": "Scooter #42 is offline",
                "source": "operator",
                "csrf_token": csrf_of(new),
            },
        )
        assert page.status_code == 200, page.text
        taken = browser.post(
            f"{page.url.path}/status",
            data={
                "status": "in_progress",
                "version": version_of(page),
                "csrf_token": csrf_of(page),
            },
        )
        assert taken.status_code == 200, taken.text


# Where one example's output ends and the next begins, in the one shell that runs them all.
MARK = "@@@ example done, status"
ASSIGNMENT = re.compile(r"^[A-Z_]+=\$\(curl ")


def test_curl_examples_answer_as_shown(served: Server) -> None:
    make_token = next(c for c in _shell_examples() if c.startswith("export TOKEN=$("))
    env = _fresh_shell(served)
    token = _bash(f'{make_token} && printf %s "$TOKEN"', env)
    assert token.returncode == 0, token.stderr
    env["TOKEN"] = token.stdout
    _take_the_tour(served)

    # In order, in one shell: later examples use the ids earlier answers gave.
    examples = [c for c in _shell_examples() if c.startswith("curl ") or ASSIGNMENT.match(c)]
    assert len(examples) >= 12
    ending = f'printf "\\n{MARK} %s\\n" "$?"\n'
    script = "".join(
        f"{command.replace('http://127.0.0.1:8000', served.url)}\n{ending}" for command in examples
    )
    ran = _bash(script, env)
    outputs = re.split(rf"\n{re.escape(MARK)} (\d+)\n", ran.stdout)
    answered = list(zip(outputs[:-1:2], outputs[1::2], strict=True))
    assert len(answered) == len(examples), ran.stdout + ran.stderr
    statuses = []
    for command, (output, code) in zip(examples, answered, strict=True):
        assert code == "0", (command, output, ran.stderr)
        if ASSIGNMENT.match(command):
            continue
        assert output.strip(), command
        if " -i " in command:
            statuses.append(int(output.split()[1]))
        assert "HTTP/1.1 5" not in output, (command, output)
    # As the pages' text says: create, read, list, next page by cursor, search, take,
    # refused move, trail, hand over, list by owner, dismiss, fold a duplicate, list by
    # resolution, keys; then monitoring: trigger, resolve, check in, heartbeats.
    assert statuses == [
        *(201, 200, 200, 200, 200, 200, 409, 200),
        *(200, 200, 200, 200, 200),
        *(201, 200, 204),
        *(201, 200, 200, 200),
    ]
    # The relative dates count what the examples (and the tour) reported today.
    stats = next(
        output
        for command, (output, _) in zip(examples, answered, strict=True)
        if "/stats" in command
    )
    assert json.loads(stats)["reported"] >= 4, stats


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^(INCIDENTS_\w+)=", (ROOT / ".env.example").read_text(), re.M))
    settings = {f"INCIDENTS_{name.upper()}" for name in Settings.model_fields}
    assert documented == settings
    table = (ROOT / "docs" / "OPERATIONS.md").read_text()
    for name in settings:
        assert f"`{name}`" in table, f"{name} is missing from docs/OPERATIONS.md's table"


def test_readme_is_a_door() -> None:
    assert len(README.splitlines()) <= 250


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_between_pages_lead_somewhere() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for target, anchor in re.findall(r"\]\(([\w./-]*?)(?:#([\w-]+))?\)", page.read_text()):
            path = (page.parent / target).resolve() if target else page
            assert path.exists(), (page.name, target)
            if anchor and path.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", path.read_text(), re.M)
                assert anchor in {_anchor(h) for h in headings}, (page.name, target, anchor)
