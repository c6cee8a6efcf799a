"""A description can not reorder the console page around it."""

from __future__ import annotations

import re

import httpx

from tests.conftest import report
from tests.domain.test_bidi import TRICKS, still_open
from tests.web.conftest import AccountMaker, ConsoleMaker

DESCRIPTION = re.compile(r'<div class="description">(.*?)</div>', re.DOTALL)
SUMMARY = re.compile(r'<td data-label="[^"]*" class="summary"><a [^>]*>(.*?)</a>', re.DOTALL)


async def test_console_pages_isolate_bidirectional_controls(
    client: httpx.AsyncClient, open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("operator"))
    for text in TRICKS:
        created = await report(client, text)
        page = await http.get(f"/incidents/{created['id']}")
        [shown] = DESCRIPTION.findall(page.text)
        assert still_open(shown) == [], (text, shown)
        listing = await http.get("/")
        for summary in SUMMARY.findall(listing.text):
            assert still_open(summary) == [], summary
        # The rest of the page opens nothing that is left open either.
        assert still_open(page.text) == []
