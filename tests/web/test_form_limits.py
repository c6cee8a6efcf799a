"""Forms the console will not read are told so truly: a 400 that says why, not "our fault"."""

from __future__ import annotations

import httpx

from tests.web.conftest import AccountMaker, ConsoleMaker, csrf_of

UNEXPECTED = "Something went wrong on our side"


def _told(page: httpx.Response, words: str) -> None:
    assert page.status_code == 400, page.text
    assert words in page.text, page.text
    assert UNEXPECTED not in page.text
    assert page.headers["Cache-Control"] == "no-store"


async def test_too_many_fields_and_uploads_are_told(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    anonymous = await open_console()
    signed_in = await open_console(await make_account("operator"))
    for http, action in ((anonymous, "/sign-in"), (signed_in, "/incidents")):
        token = csrf_of(await http.get("/sign-in" if http is anonymous else "/incidents/new"))
        many = {f"field{n}": "x" for n in range(40)} | {"csrf_token": token}
        _told(await http.post(action, data=many), "too many fields (at most 20)")
        upload = await http.post(
            action,
            data={"csrf_token": token, "description": "Scooter", "source": "operator"},
            files={"photo": ("scooter.jpg", b"\xff\xd8\xff", "image/jpeg")},
        )
        _told(upload, "takes no files")
        broken = await http.post(
            action,
            content=b"--b\r\nnot a part",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        _told(broken, "could not be read")
