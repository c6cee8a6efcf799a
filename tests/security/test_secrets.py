"""Secrets never reach a log line or an answer, except the one answer that hands them out.

A server logging at debug, as text and as JSON, issues keys, authenticates with them, revokes
one, makes console accounts and signs them in; then no key secret, key hash, password or
argon2 hash may appear in its log, the command line's own output or any answer but the key's
creation. The first admin key and password are written once where no log collector reads
(here, without a terminal: a file only the owner may read), never to the log.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx

from tests.conftest import serving

FIRST_KEY = re.compile(r"^\s*(inc_\S+)\s*$", re.MULTILINE)
FIRST_PASSWORD = re.compile(r"Console at /: username (\S+), password (\S+)")
PASSWORDS = ["correct horse battery staple", "Tr0ub4dor&3 new one"]


def _check_records(log: str, log_format: str) -> None:
    """Everything in the log went through the log handler: no banner beside it."""
    if log_format == "json":
        for line in filter(None, log.splitlines()):
            json.loads(line)


def test_no_secret_reaches_a_log_or_an_answer(database_url: str, tmp_path: Path) -> None:
    # One format a database keeps the test quick; the formatters are the same on both.
    log_format = "text" if database_url.startswith("sqlite") else "json"
    env = {"INCIDENTS_LOG_LEVEL": "debug", "INCIDENTS_LOG_FORMAT": log_format}
    with serving(database_url, tmp_path, env=env) as server:
        announcement = server.banner()
        [first_key] = FIRST_KEY.findall(announcement)
        first_password = FIRST_PASSWORD.search(announcement)
        assert first_password is not None, server.log()
        secrets = [first_key]
        passwords = [first_password.group(2), *PASSWORDS]
        answers: list[str] = []

        with httpx.Client(base_url=server.url) as http:
            admin = {"Authorization": f"Bearer {first_key}"}
            for name in ("zabbix", "partner-acme"):
                made = http.post(
                    "/api/v1/keys", json={"name": name, "role": "operator"}, headers=admin
                )
                assert made.status_code == 201, made.text
                secrets.append(made.json()["secret"])
            for secret in secrets:
                used = http.get("/api/v1/incidents", headers={"Authorization": f"Bearer {secret}"})
                assert used.status_code == 200
                answers.append(used.text)
            forged = secrets[1][:-4] + "AAAA"
            refused = http.get("/api/v1/incidents", headers={"Authorization": f"Bearer {forged}"})
            assert refused.status_code == 401
            answers.append(refused.text)
            assert http.delete("/api/v1/keys/zabbix", headers=admin).status_code == 204
            revoked = http.get("/api/v1/keys", headers={"Authorization": f"Bearer {secrets[1]}"})
            assert revoked.status_code == 401
            answers += [revoked.text, http.get("/api/v1/keys", headers=admin).text]

        created = server.cli(
            "users", "create", "--username", "olga", "--role", "operator", "--password-stdin",
            stdin=f"{PASSWORDS[0]}\n",
        )  # fmt: skip
        changed = server.cli(
            "users", "set-password", "olga", "--password-stdin", stdin=PASSWORDS[1]
        )
        listed = server.cli("users", "list")
        key_made = server.cli("keys", "create", "--name", "cli-made", "--role", "reporter")
        for run in (created, changed, listed, key_made):
            assert run.returncode == 0, run.stderr
        secrets.append(key_made.stdout.splitlines()[-1])
        command_output = created.stdout + created.stderr + changed.stdout + changed.stderr
        command_output += listed.stdout + listed.stderr + key_made.stderr

        assert server.sign_in("admin", first_password.group(2)).status_code == 303
        assert server.sign_in("olga", PASSWORDS[1]).status_code == 303
        wrong = server.sign_in("olga", PASSWORDS[0])
        assert wrong.status_code == 400
        answers.append(wrong.text)
        log = server.log()

    records = log
    _check_records(log, log_format)
    hashes = [hashlib.sha256(secret.encode()).hexdigest() for secret in secrets]
    for text, where in (
        (records, "log"),
        (command_output, "command line"),
        *((answer, "answer") for answer in answers),
    ):
        assert "$argon2" not in text, where
        for value in (*secrets, *passwords, *hashes):
            assert value not in text, (where, value)
    assert "/api/v1/keys" in records  # the requests were logged, without their secrets
    print(
        f"secrets ({log_format}): {len(secrets)} keys, {len(passwords)} passwords, "
        f"{len(records.splitlines())} log lines, {len(answers)} answers: none leaked"
    )
