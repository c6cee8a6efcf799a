"""Key names are unique in any letter case, so the audit trail shows no look-alike actors."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from incidents.db.engine import create_engine
from incidents.db.migrate import upgrade_to_head
from incidents.domain.errors import NameTaken
from tests.conftest import ClientMaker, KeyMaker
from tests.test_migrations import _downgrade_to


async def test_a_key_name_is_taken_in_every_letter_case(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    async with client_for(await make_key("admin", name="root")) as admin:
        made = await admin.post("/api/v1/keys", json={"name": "Zabbix", "role": "reporter"})
        assert made.status_code == 201
        assert made.json()["name"] == "Zabbix"
        for look_alike in ("zabbix", "ZABBIX", "zAbBiX"):
            taken = await admin.post("/api/v1/keys", json={"name": look_alike, "role": "admin"})
            assert taken.status_code == 409, taken.text
            assert taken.json()["type"] == "/problems/name-taken"
        assert (await admin.delete("/api/v1/keys/ZABBIX")).status_code == 204
        keys = {key["name"]: key for key in (await admin.get("/api/v1/keys")).json()}
    assert set(keys) == {"root", "Zabbix"}
    assert keys["Zabbix"]["revoked_at"] is not None
    async with client_for(made.json()["secret"]) as revoked:
        assert (await revoked.get("/api/v1/incidents")).status_code == 401


async def test_the_use_case_refuses_a_look_alike_too(make_key: KeyMaker) -> None:
    await make_key("reporter", name="partner-acme")
    with pytest.raises(NameTaken, match="exists already"):  # as `incidents keys create` says
        await make_key("reporter", name="Partner-ACME")


async def test_the_upgrade_renames_look_alikes_and_keeps_them_working(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_downgrade_to("0007"))
            for n, name in enumerate(("Zabbix", "zabbix", "ZABBIX", "other"), start=1):
                await connection.execute(
                    sa.text(
                        "INSERT INTO api_keys (name, role, lookup, secret_hash, created_by, "
                        "created_at) VALUES (:name, 'reporter', :lookup, 'h', 'tests', :at)"
                    ),
                    {"name": name, "lookup": f"{n:012}", "at": datetime(2026, 11, 1)},
                )
            await connection.commit()
    finally:
        await engine.dispose()

    await upgrade_to_head(database_url)

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(sa.text("SELECT id, name FROM api_keys ORDER BY id"))
            names = [name for _, name in rows]
    finally:
        await engine.dispose()
    assert names == ["Zabbix", "zabbix-2", "ZABBIX-3", "other"]
