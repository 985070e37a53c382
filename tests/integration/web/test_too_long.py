"""A text too long is told how long it may be and how long it is, on every page that refuses
one, in the page's language; the API's problem for the same text names its field."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import TokenFactory, bearer
from tests.integration.web.conftest import Demo, csrf_of, sign_in
from tests.integration.web.test_form_errors_language import summary
from tests.integration.web.test_workspace_service_edit import edit_path, form_fields

pytestmark = pytest.mark.asyncio

ENGLISH = {"Accept-Language": "en"}


async def test_the_service_page_says_the_limit_and_the_length(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as editor:
        await sign_in(editor, demo.editor)
        page = await editor.get(edit_path(demo), headers=ENGLISH)
        form = form_fields(page.text, "/edit")
        long = {
            **form,
            "description": "d" * 10_612,
            "price": "p" * 301,
            "documents": "Carte d'identité\n" + "x" * 345,
        }
        refused = await editor.post(edit_path(demo), data=long, headers=ENGLISH)
        assert refused.status_code == 422
        assert (
            'id="description-error">Keep it to 10,000 characters; this text has 10,612.<'
            in refused.text
        )
        assert 'id="price-error">Keep it to 300 characters; this text has 301.<' in refused.text
        assert (
            'id="documents-error">Keep each line to 300 characters; one has 345.<' in refused.text
        )
        assert "Description: Keep it to 10,000 characters; this text has 10,612." in summary(
            refused.text
        )
        # Each language writes its numbers its own way.
        dutch = await editor.post(edit_path(demo), data=long, headers={"Accept-Language": "nl"})
        assert "Gebruik hoogstens 10.000 tekens; deze tekst telt er 10.612." in dutch.text
        french = await editor.post(edit_path(demo), data=long, headers={"Accept-Language": "fr"})
        said = "Ne dépassez pas 10\u202f000 caractères ; ce texte en compte 10\u202f612."
        assert said in french.text
        assert "This text is too long" not in refused.text + dutch.text + french.text


async def test_the_public_report_form_says_the_limit_and_the_length(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    path = f"/services/{demo.service_id}/report/"
    form = await client.get(path, headers=ENGLISH)
    sent = {"csrf_token": csrf_of(form.text), "kind": "hours", "details": "Fermé. " * 150}
    refused = await client.post(path, data=sent, headers={"Accept-Language": "fr"})
    assert refused.status_code == 422
    # What is counted is what was kept of the text: its ends trimmed.
    assert (
        'id="details-error">Ne dépassez pas 1\u202f000 caractères ; ce texte en compte 1\u202f049.<'
        in refused.text
    )


async def test_the_api_names_the_field_too_long(
    client: httpx.AsyncClient, demo: Demo, make_token: TokenFactory
) -> None:
    token = await make_token(organisation_id=demo.receiver_org, role="editor")
    place = {
        "organisation_id": str(demo.receiver_org),
        "name": "N" * 301,
        "street": "Rue Sylvain Guyaux 40",
        "postal_code": "7100",
        "commune": "La Louvière",
    }
    refused = await client.post("/api/v1/places", json=place, headers=bearer(token))
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "name" and "300" in error["message"]

    report = await client.post(
        f"/api/v1/services/{demo.service_id}/reports",
        json={"kind": "hours", "details": "x" * 1001},
    )
    assert report.status_code == 422
    assert [e["field"] for e in report.json()["errors"]] == ["details"]
