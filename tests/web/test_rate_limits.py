"""Sign-in attempts count against the address, like API requests without a valid key."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents.domain.ratelimit import Rate
from incidents.settings import Settings
from tests.conftest import TickingClock
from tests.web.conftest import AccountMaker, ConsoleMaker, sign_in

PER_IP = 4


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_ip=Rate(PER_IP), _env_file=None)


async def test_guessing_passwords_across_usernames_meets_the_address_limit(
    clock: TickingClock, open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console()
    # Each username is tried once only, so only the address limit can stop the guesser.
    for guess in range(PER_IP):
        assert (await sign_in(http, f"user{guess}", "guess")).status_code == 400

    refused = await sign_in(http, "olga")
    assert refused.status_code == 429
    assert "Too many attempts from your address" in refused.text
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after == 15  # a minute shared by four attempts

    clock.advance(timedelta(seconds=retry_after))
    assert (await sign_in(http, "olga")).status_code == 303
    # Signed in, pages are not counted as sign-in attempts.
    for _ in range(PER_IP + 1):
        assert (await http.get("/")).status_code == 200
