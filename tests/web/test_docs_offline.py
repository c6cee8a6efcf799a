"""Swagger UI and ReDoc on an isolated network: every script and style from this server."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from incidents.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import Server
from tests.web.test_browser import DESKTOP, browser

__all__ = ["browser"]  # the fixture, shared with the other browser tests


async def test_docs_pages_load_nothing_from_elsewhere(anonymous: httpx.AsyncClient) -> None:
    for path in ("/docs", "/redoc"):
        page = await anonymous.get(path)
        assert page.status_code == 200, path
        linked = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert linked, path
        for url in linked:
            assert url.startswith("/"), (path, url)
            asset = await anonymous.get(url)
            assert asset.status_code == 200, url
            # Nor do the scripts fetch anything from elsewhere (ReDoc's footer logo did).
            fetched = re.findall(r'src:\s*"(https?://[^"]+)"', asset.text)
            assert fetched == [], (url, fetched)
            assert "cdn.redoc.ly" not in asset.text, url
        assert "googleapis" not in page.text
        assert "cdn." not in page.text
    # The console keeps its own policy: no scripts at all.
    sign_in = await anonymous.get("/sign-in")
    assert sign_in.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.browser
async def test_swagger_ui_and_redoc_render_offline(browser: Any, served: Server) -> None:
    from playwright.async_api import expect

    context = await browser.new_context(viewport=DESKTOP)
    here = served.url

    elsewhere: list[str] = []

    async def only_this_server(route: Any) -> None:
        if route.request.url.startswith(here):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_this_server)
    page = await context.new_page()
    await page.goto(f"{here}/docs")
    await expect(page.get_by_text("Report an incident").first).to_be_visible(timeout=20_000)
    await page.goto(f"{here}/redoc")
    await expect(page.locator("h1").first).to_contain_text("incidents", timeout=20_000)
    await expect(page.get_by_role("heading", name="Report an incident")).to_be_visible()
    await expect(page.get_by_alt_text("redocly logo")).to_be_visible()
    await context.close()
    assert elsewhere == [], "the docs asked another host for something"
