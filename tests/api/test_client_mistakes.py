"""Common client mistakes get a problem that says what to do instead."""

from __future__ import annotations

import httpx

from tests.conftest import report

URL = "/api/v1/incidents"


async def test_bad_json_names_line_column_and_problem(client: httpx.AsyncClient) -> None:
    body = b'{"description": "Scooter #42",\n "source": operator}'
    response = await client.post(URL, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert problem["errors"][0]["loc"] == ["body"]
    assert "line 2, column 12" in problem["errors"][0]["msg"]
    assert "Expecting value" in problem["detail"]


async def test_a_body_without_json_content_type_says_so(client: httpx.AsyncClient) -> None:
    body = b'{"description": "Scooter #42", "source": "operator"}'
    for headers in ({}, {"Content-Type": "text/plain"}):
        response = await client.post(URL, content=body, headers=headers)
        assert response.status_code == 422
        assert "Content-Type: application/json" in response.json()["detail"], headers


async def test_an_unquoted_if_match_says_the_tag_must_be_quoted(
    client: httpx.AsyncClient,
) -> None:
    incident = await report(client)
    response = await client.patch(
        f"{URL}/{incident['id']}", json={"status": "in_progress"}, headers={"If-Match": "2"}
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["header", "if-match"]
    assert 'If-Match: "2"' in error["msg"]
    assert "quoted" in response.json()["detail"]


async def test_query_errors_are_located_in_the_query(client: httpx.AsyncClient) -> None:
    words = " ".join(f"w{n}" for n in range(11))
    too_many = await client.get(URL, params={"q": words})
    assert too_many.status_code == 422
    assert too_many.json()["type"] == "/problems/invalid-input"
    assert too_many.json()["errors"][0]["loc"] == ["query", "q"]

    bad_limit = await client.get(URL, params={"limit": "0"})
    assert bad_limit.json()["errors"][0]["loc"] == ["query", "limit"]


async def test_a_blank_description_is_a_validation_error(client: httpx.AsyncClient) -> None:
    # As the README's error table says.
    response = await client.post(URL, json={"description": "   ", "source": "operator"})
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-error"


async def test_a_body_nested_too_deeply_is_422_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/integrations/alertmanager",
        content=b"[" * 200_000,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_unknown_query_parameter_is_named(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/incidents", params={"statuss": "new"})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["loc"] == ["query", "statuss"]
    assert "`status`" in error["msg"]


async def test_text_is_measured_as_sent(client: httpx.AsyncClient) -> None:
    padded = "\u00a0" + "x" * 10_000  # 10,001 characters sent, 10,000 once trimmed

    response = await client.post(
        "/api/v1/incidents", json={"description": padded, "source": "operator"}
    )

    assert response.status_code == 422, response.text


async def test_an_owner_in_the_wrong_form_is_named_in_words(client: httpx.AsyncClient) -> None:
    incident = await report(client)

    refused = await client.patch(f"/api/v1/incidents/{incident['id']}", json={"assignee": "olga"})

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "/problems/invalid-input"
    [error] = problem["errors"]
    assert error["loc"] == ["body", "assignee"]
    said = error["msg"]
    for form in ("`user:` followed by the username", "`key:` followed by the name", "`telegram:`"):
        assert form in said
    assert said in problem["detail"]
    # Words, not the regular expression that checks them.
    assert "^" not in problem["detail"]
    assert "\\S" not in problem["detail"]


async def test_a_status_not_known_lists_the_statuses_in_words(client: httpx.AsyncClient) -> None:
    incident = await report(client)

    refused = await client.patch(f"/api/v1/incidents/{incident['id']}", json={"status": "done"})

    assert refused.status_code == 422
    problem = refused.json()
    assert problem["errors"] == [
        {
            "loc": ["body", "status"],
            "msg": "status is one of: new, in_progress, resolved, closed.",
            "type": "enum",
        }
    ]
    assert "str-enum" not in problem["detail"]
    assert ".none" not in problem["detail"]
    assert "Status]" not in problem["detail"]


async def test_other_choices_are_listed_alike(client: httpx.AsyncClient) -> None:
    incident = await report(client)
    wrong_resolution = await client.patch(
        f"/api/v1/incidents/{incident['id']}", json={"status": "closed", "resolution": "meh"}
    )
    wrong_source = await client.post(
        "/api/v1/incidents", json={"description": "x", "source": "nobody"}
    )
    wrong_filter = await client.get("/api/v1/incidents?status=done")

    said = [
        response.json()["detail"] for response in (wrong_resolution, wrong_source, wrong_filter)
    ]
    assert "resolution is one of: fixed, false_alarm, duplicate." in said[0]
    assert "source is one of: operator, monitoring, partner." in said[1]
    assert "status is one of: new, in_progress, resolved, closed." in said[2]
    assert not any("enum" in detail or "Input should be" in detail for detail in said)
