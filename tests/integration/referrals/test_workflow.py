"""The referral workflow through real HTTP: send, read, answer, redirect, close, refusals."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from service.accounts import users
from tests.conftest import TokenFactory, bearer
from tests.integration.referrals.conftest import (
    BENEFICIARY,
    Network,
    queued_mails,
    referral_body,
)

pytestmark = pytest.mark.asyncio


async def _send(client: httpx.AsyncClient, network: Network, **extra: object) -> dict:
    response = await client.post(
        "/api/v1/referrals", json=referral_body(network, **extra), headers=network.worker.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_send_accept_close_with_timeline_and_mails(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral = await _send(client, network, urgency="urgent")
    assert referral["status"] == "sent"
    assert referral["anonymous"] is False
    assert referral["person"]["beneficiary"]["last_name"] == "Quackenbush"
    assert referral["consent_version"] and referral["consent_at"]
    assert referral["themes"] == ["food.social-grocery"]
    assert referral["from_organisation"]["id"] == str(network.sender_org)
    assert referral["to_organisation"]["id"] == str(network.receiver_org)
    assert len(referral["reference"]) == 8
    url = f"/api/v1/referrals/{referral['id']}"

    # The receiving organisation has no address of its own: its admins and editors get it.
    mails = await queued_mails(pool)
    assert {m["recipient"] for m in mails} == {network.receiver.email, network.receiver_admin.email}
    assert all(m["template"] == "referral_received" for m in mails)
    assert referral["reference"] in mails[0]["subject"] and "[Urgent]" in mails[0]["subject"]

    inbox = (
        await client.get("/api/v1/referrals?box=inbox", headers=network.receiver.headers)
    ).json()
    assert inbox["total"] == 1 and inbox["items"][0]["id"] == referral["id"]
    assert "person" not in inbox["items"][0]
    outbox = await client.get("/api/v1/referrals?box=outbox", headers=network.receiver.headers)
    assert outbox.json()["total"] == 0
    sent = await client.get(
        "/api/v1/referrals",
        params={"box": "outbox", "status": "sent"},
        headers=network.worker.headers,
    )
    assert sent.json()["total"] == 1 and sent.json()["limit"] == 50

    read = await client.get(url, headers=network.receiver.headers)
    assert read.status_code == 200 and read.headers["etag"] == '"1"'

    accepted = await client.post(
        f"{url}/accept", json={"note": "Rendez-vous mardi"}, headers=network.receiver.headers
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["version"] == 2

    stale = await client.post(
        f"{url}/close",
        json={"outcome": "served"},
        headers={**network.receiver.headers, "If-Match": '"1"'},
    )
    assert stale.status_code == 412

    closed = await client.post(
        f"{url}/close",
        json={"outcome": "served"},
        headers={**network.receiver.headers, "If-Match": '"2"'},
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed" and body["outcome"] == "served"
    assert body["final_at"] is not None and body["answered_at"] is not None
    assert [(e["action"], e["status"]) for e in body["events"]] == [
        ("send", "sent"),
        ("accept", "accepted"),
        ("close", "closed"),
    ]
    assert body["events"][0]["actor"] == network.worker.email
    assert body["events"][1]["note"] == "Rendez-vous mardi"
    assert body["events"][1]["organisation_id"] == str(network.receiver_org)

    # The worker who sent it and the CPAS's own address are told of each answer.
    answers = [m for m in await queued_mails(pool) if m["template"] == "referral_answered"]
    assert len(answers) == 4
    assert {m["recipient"] for m in answers} == {network.worker.email, "social@cpas.example.org"}


async def test_refusals_say_why(client: httpx.AsyncClient, network: Network) -> None:
    referral = await _send(client, network)
    url = f"/api/v1/referrals/{referral['id']}"

    wrong_side = await client.post(f"{url}/accept", headers=network.worker.headers)
    assert wrong_side.status_code == 403
    assert "receiving organisation" in wrong_side.json()["detail"]
    cannot_cancel = await client.post(f"{url}/cancel", headers=network.receiver.headers)
    assert cannot_cancel.status_code == 403
    not_yet = await client.post(
        f"{url}/close", json={"outcome": "served"}, headers=network.receiver.headers
    )
    assert not_yet.status_code == 409
    assert "sent" in not_yet.json()["detail"] and "accepted" in not_yet.json()["detail"]

    declined = await client.post(
        f"{url}/decline",
        json={"reason_code": "no_capacity", "message": "Plus de place avant mars"},
        headers=network.receiver.headers,
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["decline_reason"] == "no_capacity"
    again = await client.post(f"{url}/accept", headers=network.receiver.headers)
    assert again.status_code == 409
    too_late = await client.post(f"{url}/cancel", headers=network.worker.headers)
    assert too_late.status_code == 409
    assert "declined" in too_late.json()["detail"]

    bad_code = await client.post(
        f"{url}/decline", json={"reason_code": "bored"}, headers=network.receiver.headers
    )
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"][0]["field"] == "reason_code"
    no_code = await client.post(f"{url}/decline", json={}, headers=network.receiver.headers)
    assert no_code.status_code == 422
    assert [e["field"] for e in no_code.json()["errors"]] == ["reason_code"]

    # The decline's note is its `message`; `note`, as every other answer names it, is taken
    # too (it was a 422 "unknown field"), once.
    third = await _send(client, network)
    third_url = f"/api/v1/referrals/{third['id']}"
    both = await client.post(
        f"{third_url}/decline",
        json={"reason_code": "no_capacity", "message": "Complet", "note": "Complet"},
        headers=network.receiver.headers,
    )
    assert both.status_code == 422
    assert [e["field"] for e in both.json()["errors"]] == ["note"]
    as_note = await client.post(
        f"{third_url}/decline",
        json={"reason_code": "no_capacity", "note": "Complet jusqu'à lundi"},
        headers=network.receiver.headers,
    )
    assert as_note.status_code == 200, as_note.text
    assert (
        "Complet jusqu'à lundi"
        in (await client.get(third_url, headers=network.worker.headers)).text
    )

    # A second referral, cancelled by its sender while still open.
    other = await _send(client, network)
    cancelled = await client.post(
        f"/api/v1/referrals/{other['id']}/cancel",
        json={"note": "Situation résolue"},
        headers=network.worker.headers,
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


async def test_redirect_creates_a_linked_referral(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral = await _send(client, network)
    url = f"/api/v1/referrals/{referral['id']}"
    itself = await client.post(
        f"{url}/redirect",
        json={"service_id": str(network.service_id)},
        headers=network.receiver.headers,
    )
    assert itself.status_code == 422, itself.text
    assert itself.json()["errors"][0]["field"] == "service_id"
    redirected = await client.post(
        f"{url}/redirect",
        json={"service_id": str(network.housing_service_id), "note": "C'est un besoin de logement"},
        headers=network.receiver.headers,
    )
    assert redirected.status_code == 200, redirected.text
    original = redirected.json()
    assert original["status"] == "redirected"
    new_id = original["redirected_to_id"]
    assert new_id

    # The new referral goes from the same sender to the housing service, with the person.
    new = await client.get(f"/api/v1/referrals/{new_id}", headers=network.housing.headers)
    assert new.status_code == 200, new.text
    assert new.json()["redirected_from_id"] == referral["id"]
    assert new.json()["from_organisation"]["id"] == str(network.sender_org)
    assert new.json()["person"]["beneficiary"]["first_name"] == "Zéphirine"
    assert new.json()["events"][0]["code"] == "redirected"
    # The worker follows both; the organisation that redirected no longer sees the person.
    assert (
        await client.get(f"/api/v1/referrals/{new_id}", headers=network.worker.headers)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/referrals/{new_id}", headers=network.receiver.headers)
    ).status_code == 404

    mails = await queued_mails(pool)
    assert any(
        m["recipient"] == "contact@logetoit.example.org" and m["template"] == "referral_received"
        for m in mails
    )
    answer = next(m for m in mails if m["template"] == "referral_answered")
    assert new.json()["reference"] in answer["body_text"]


async def test_who_sees_what(
    client: httpx.AsyncClient, network: Network, make_token: TokenFactory
) -> None:
    referral = await _send(client, network)
    url = f"/api/v1/referrals/{referral['id']}"

    assert (await client.get(url)).status_code == 401
    assert (await client.get("/api/v1/referrals")).status_code == 401
    assert (await client.post(f"{url}/accept")).status_code == 401

    outsider = await client.get(url, headers=network.outsider.headers)
    assert outsider.status_code == 404
    assert referral["reference"] not in outsider.text
    assert (await client.post(f"{url}/accept", headers=network.outsider.headers)).status_code == 404
    assert (
        await client.get(f"/referrals/{referral['id']}/slip", headers=network.outsider.headers)
    ).status_code == 404
    listing = await client.get("/api/v1/referrals", headers=network.outsider.headers)
    assert listing.json()["total"] == 0

    # Network coordinators read statistics, not people.
    coordinator = bearer(await make_token(coordinator=True))
    assert (await client.get(url, headers=coordinator)).status_code == 404

    for member in (network.worker, network.sender_admin, network.receiver):
        assert (await client.get(url, headers=member.headers)).status_code == 200

    # Every read of the person's data is logged; admins of either organisation read the log.
    log = await client.get(
        f"/api/v1/organisations/{network.receiver_org}/referral-access-log",
        headers=network.receiver_admin.headers,
    )
    assert log.status_code == 200, log.text
    readers = [entry["user_email"] for entry in log.json()["items"]]
    assert network.receiver.email in readers and network.worker.email in readers
    assert all(entry["reference"] == referral["reference"] for entry in log.json()["items"])
    not_admin = await client.get(
        f"/api/v1/organisations/{network.receiver_org}/referral-access-log",
        headers=network.receiver.headers,
    )
    assert not_admin.status_code == 403
    other_admin = await client.get(
        f"/api/v1/organisations/{network.receiver_org}/referral-access-log",
        headers=network.outsider.headers,
    )
    assert other_admin.status_code == 403


async def test_consent_and_input_checks(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    no_consent = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, consent=False),
        headers=network.worker.headers,
    )
    assert no_consent.status_code == 422
    assert no_consent.json()["errors"][0]["field"] == "consent"

    missing_consent = referral_body(network)
    del missing_consent["consent"]
    response = await client.post(
        "/api/v1/referrals", json=missing_consent, headers=network.worker.headers
    )
    assert response.status_code == 422 and "consent" in response.text

    too_long = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, reason="x" * 1001),
        headers=network.worker.headers,
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "reason"

    spaces = {"first_name": " ", "last_name": "Quackenbush", "phone": "+32470123456"}
    blank = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, reason="   ", beneficiary=spaces),
        headers=network.worker.headers,
    )
    assert blank.status_code == 422
    errors = {e["field"]: e["message"] for e in blank.json()["errors"]}
    assert errors == {"reason": "must not be blank", "beneficiary.first_name": "must not be blank"}
    # A zero-width space shows nothing either (it passed as a first name).
    invisible = {**spaces, "first_name": "\u200b"}
    unseen = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, reason="\u200b\ufeff", beneficiary=invisible),
        headers=network.worker.headers,
    )
    assert unseen.status_code == 422
    errors = {e["field"]: e["message"] for e in unseen.json()["errors"]}
    assert errors == {"reason": "must not be blank", "beneficiary.first_name": "must not be blank"}

    # A missing field is named by its whole path (was "data", or the object that lacks it).
    only_service = await client.post(
        "/api/v1/referrals",
        json={"service_id": str(network.service_id)},
        headers=network.worker.headers,
    )
    assert only_service.status_code == 422
    assert [e["field"] for e in only_service.json()["errors"]] == ["reason"]
    no_last_name = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, beneficiary={"first_name": "Zéphirine"}),
        headers=network.worker.headers,
    )
    assert no_last_name.status_code == 422
    assert [e["field"] for e in no_last_name.json()["errors"]] == ["beneficiary.last_name"]
    nul_reference = await client.get(
        "/api/v1/referrals", params={"reference": "KX7\x00"}, headers=network.worker.headers
    )
    assert nul_reference.status_code == 422
    assert [e["field"] for e in nul_reference.json()["errors"]] == ["reference"]

    # E.164 in form, but no Belgian number has a 0 after +32 (a trunk 0 typed in).
    trunk_zero = {**BENEFICIARY, "phone": "+320470112233"}
    wrong_phone = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, beneficiary=trunk_zero),
        headers=network.worker.headers,
    )
    assert wrong_phone.status_code == 422
    assert [e["field"] for e in wrong_phone.json()["errors"]] == ["beneficiary.phone"]

    unknown_service = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, service_id="00000000-0000-0000-0000-000000000000"),
        headers=network.worker.headers,
    )
    assert unknown_service.status_code == 422
    assert unknown_service.json()["errors"][0]["field"] == "service_id"

    wrong_place = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, service_id=str(network.housing_service_id)),
        headers=network.worker.headers,
    )
    assert wrong_place.status_code == 422
    assert wrong_place.json()["errors"][0]["field"] == "place_id"

    not_mine = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, from_organisation_id=str(network.other_org)),
        headers=network.worker.headers,
    )
    assert not_mine.status_code == 403

    # Someone in two organisations says which one sends.
    async with pool.acquire() as conn:
        await users.create_or_update(
            conn, email=network.worker.email, organisation_id=network.other_org, role="member"
        )
    ambiguous = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert ambiguous.status_code == 422
    assert ambiguous.json()["errors"][0]["field"] == "from_organisation_id"
    chosen = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, from_organisation_id=str(network.other_org)),
        headers=network.worker.headers,
    )
    assert chosen.status_code == 201
    assert chosen.json()["from_organisation"]["id"] == str(network.other_org)

    # Anonymous: no person, only a reference to bring; no consent needed.
    anonymous = await client.post(
        "/api/v1/referrals",
        json={
            "service_id": str(network.service_id),
            "from_organisation_id": str(network.sender_org),
            "reason": "Colis alimentaire",
            "contact_preference": "through_referrer",
        },
        headers=network.worker.headers,
    )
    assert anonymous.status_code == 201, anonymous.text
    assert anonymous.json()["anonymous"] is True
    assert anonymous.json()["person"]["beneficiary"] is None
    assert anonymous.json()["consent_at"] is None
    # Consent said for nobody's data records none (it was recorded, never given).
    said_anyway = await client.post(
        "/api/v1/referrals",
        json={
            "service_id": str(network.service_id),
            "from_organisation_id": str(network.sender_org),
            "reason": "Colis alimentaire",
            "consent": True,
        },
        headers=network.worker.headers,
    )
    assert said_anyway.status_code == 201, said_anyway.text
    assert said_anyway.json()["anonymous"] is True
    assert said_anyway.json()["consent_at"] is None
    assert said_anyway.json()["consent_version"] is None

    phone_without_number = await client.post(
        "/api/v1/referrals",
        json={
            "service_id": str(network.service_id),
            "from_organisation_id": str(network.sender_org),
            "reason": "x",
            "contact_preference": "phone",
        },
        headers=network.worker.headers,
    )
    assert phone_without_number.status_code == 422
    assert phone_without_number.json()["errors"][0]["field"] == "beneficiary.phone"


async def test_api_docs_warn_about_health_details(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/referrals/{referral_id}/decline" in schema["paths"]
    assert (
        "health details"
        in schema["components"]["schemas"]["ReferralIn"]["properties"]["reason"]["description"]
    )


async def test_two_answers_at_once_one_wins(client: httpx.AsyncClient, network: Network) -> None:
    referral = await _send(client, network)
    url = f"/api/v1/referrals/{referral['id']}"
    accept, decline = await asyncio.gather(
        client.post(f"{url}/accept", headers=network.receiver.headers),
        client.post(
            f"{url}/decline",
            json={"reason_code": "duplicate"},
            headers=network.receiver_admin.headers,
        ),
    )
    assert sorted([accept.status_code, decline.status_code]) == [200, 409]
    final = (await client.get(url, headers=network.worker.headers)).json()
    assert len(final["events"]) == 2 and final["version"] == 2


async def test_a_malformed_if_match_is_a_400(client: httpx.AsyncClient, network: Network) -> None:
    referral = await _send(client, network)
    answer = await client.post(
        f"/api/v1/referrals/{referral['id']}/accept",
        json={"note": ""},
        headers={**network.receiver.headers, "If-Match": "{}"},
    )
    assert answer.status_code == 400
    assert "If-Match" in answer.json()["detail"]


async def test_a_worker_who_left_is_told_no_more_their_admins_are(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral = await _send(client, network)
    await pool.execute(
        "DELETE FROM membership WHERE user_id = $1 AND organisation_id = $2",
        network.worker.user_id,
        network.sender_org,
    )
    declined = await client.post(
        f"/api/v1/referrals/{referral['id']}/decline",
        json={"reason_code": "no_capacity"},
        headers=network.receiver.headers,
    )
    assert declined.status_code == 200, declined.text
    answered = {
        m["recipient"] for m in await queued_mails(pool) if m["template"] == "referral_answered"
    }
    assert answered == {network.sender_admin.email, "social@cpas.example.org"}


async def test_a_nul_character_in_a_text_is_named_and_nothing_is_stored(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """PostgreSQL text cannot hold NUL: each free text of a referral that holds one is named
    (it was `body`, after the database refused the request)."""
    nul = "Rendez-vous\x00mardi"
    for fields, field in (
        ({"reason": nul}, "reason"),
        ({"availability": nul}, "availability"),
        ({"eligibility_checked": ["ris_beneficiary", nul]}, "eligibility_checked[1]"),
        ({"beneficiary": {**BENEFICIARY, "first_name": nul}}, "beneficiary.first_name"),
        ({"beneficiary": {**BENEFICIARY, "last_name": nul}}, "beneficiary.last_name"),
        ({"beneficiary": {**BENEFICIARY, "email": "a\x00b@example.org"}}, "beneficiary.email"),
    ):
        refused = await client.post(
            "/api/v1/referrals",
            json=referral_body(network, **fields),
            headers=network.worker.headers,
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert await pool.fetchval("SELECT count(*) FROM referral") == 0

    sent = await _send(client, network)
    url = f"/api/v1/referrals/{sent['id']}"
    receiver, worker = network.receiver.headers, network.worker.headers
    for action, body, headers, field in (
        ("accept", {"note": nul}, receiver, "note"),
        ("decline", {"reason_code": "no_capacity", "message": nul}, receiver, "message"),
        (
            "redirect",
            {"service_id": str(network.housing_service_id), "note": nul},
            receiver,
            "note",
        ),
        ("cancel", {"note": nul}, worker, "note"),
        ("messages", {"text": nul}, worker, "text"),
    ):
        refused = await client.post(f"{url}/{action}", json=body, headers=headers)
        assert refused.status_code == 422, (action, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == [field], action
    accepted = await client.post(f"{url}/accept", headers=receiver)
    assert accepted.status_code == 200
    closed = await client.post(
        f"{url}/close", json={"outcome": "served", "note": nul}, headers=receiver
    )
    assert closed.status_code == 422
    assert [e["field"] for e in closed.json()["errors"]] == ["note"]
    read = (await client.get(url, headers=worker)).json()
    assert read["status"] == "accepted" and read["version"] == 2
