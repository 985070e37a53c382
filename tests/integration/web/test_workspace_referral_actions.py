"""The referral page's heavier answers over HTTP: erasing the person's data after a
confirmation, and redirecting to a service picked with the directory's search."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from html import unescape

import asyncpg
import httpx
import pytest

from search.outbox import OutboxConsumer
from search.postgres import PostgresEngine
from service.catalogue.records import enqueue_search
from service.hours import TZ
from service.search.engines import document_builder
from tests.integration.web.conftest import Demo, add_user, csrf_of, posted_back, sign_in

pytestmark = pytest.mark.asyncio

PERSON = {
    "reason": "Besoin d'un colis alimentaire cette semaine.",
    "first_name": "Fatima",
    "last_name": "El Amrani",
    "phone": "0470 12 34 56",
    "contact_preference": "phone",
    "consent": "1",
}


async def _refer_with(worker: httpx.AsyncClient, demo: Demo, **changed: str) -> str:
    """The worker refers someone to the demo's food parcels, with some of the person's
    fields changed; the referral page's path."""
    form = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
    sent = await worker.post(
        "/workspace/refer",
        data={
            "csrf_token": csrf_of(form.text),
            "service_id": str(demo.service_id),
            "place_id": str(demo.place_id),
            **PERSON,
            **changed,
        },
    )
    assert sent.status_code == 303, sent.text
    path: str = sent.headers["location"].split("?")[0]
    return path


async def _refer(worker: httpx.AsyncClient, demo: Demo) -> str:
    """The worker refers someone to the demo's food parcels; the referral page's path."""
    return await _refer_with(worker, demo)


async def _accept(receiver: httpx.AsyncClient, path: str) -> None:
    """The receiving side accepts the referral at `path` from its page."""
    page = await receiver.get(path)
    accepted = await receiver.post(f"{path}/accept", data=posted_back(page.text))
    assert accepted.status_code == 303


async def test_the_worker_erases_the_person_after_confirming(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
        await sign_in(receiver, demo.receiver)
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
            await sign_in(worker, demo.worker)
            path = await _refer(worker, demo)

            # A member of the receiving side may read the person, not erase them.
            theirs = await receiver.get(path)
            assert "El Amrani" in theirs.text and f"{path}/erase" not in theirs.text
            refused = await receiver.post(
                f"{path}/erase", data={"csrf_token": csrf_of(theirs.text)}
            )
            assert refused.status_code == 403
            assert (await receiver.get(f"{path}/erase")).status_code == 403

            page = await worker.get(path, headers={"Accept-Language": "en"})
            assert f'action="{path}/erase"' in page.text
            assert "Erase the person" in page.text
            confirm = await worker.get(f"{path}/erase", headers={"Accept-Language": "en"})
            assert confirm.status_code == 200
            assert "cannot be undone" in confirm.text and 'method="post"' in confirm.text
            # Still there until confirmed, and never without the CSRF token.
            assert (await worker.post(f"{path}/erase", data={})).status_code == 403
            assert "El Amrani" in (await worker.get(path)).text

            erased = await worker.post(f"{path}/erase", data={"csrf_token": csrf_of(confirm.text)})
            assert erased.status_code == 303
            assert erased.headers["location"] == f"{path}?done=erase"
            after = await worker.get(path, headers={"Accept-Language": "en"})
            assert "El Amrani" not in after.text
            assert "The personal data has been erased." in after.text
            assert "Personal data erased" in after.text  # the timeline
            assert f"{path}/erase" not in after.text
            # Its confirmation, opened again (an old tab), offers nothing more to erase.
            again = await worker.get(f"{path}/erase")
            assert again.status_code == 303 and again.headers["location"] == path
        seen = await receiver.get(path)
        assert "El Amrani" not in seen.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral_person") == 0
        assert await conn.fetchval("SELECT count(*) FROM referral") == 1


async def test_an_admin_of_the_receiving_side_may_erase(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    admin = await add_user(pool, demo.receiver_org, "admin")
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        path = await _refer(worker, demo)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, admin)
        page = await browser.get(path)
        assert f'action="{path}/erase"' in page.text
        confirm = await browser.get(f"{path}/erase")
        done = await browser.post(f"{path}/erase", data={"csrf_token": csrf_of(confirm.text)})
        assert done.status_code == 303
        assert "El Amrani" not in (await browser.get(path)).text


async def test_the_receiver_redirects_to_a_service_found_by_search(
    base_url: str, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        path = await _refer(worker, demo)
        mine = await worker.get(path)
        # Redirecting is the receiving side's answer.
        assert f'action="{path}/redirect"' not in mine.text
        assert (await worker.get(f"{path}/redirect?q=logement")).status_code == 403

        async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
            await sign_in(receiver, demo.receiver)
            page = await receiver.get(path, headers={"Accept-Language": "en"})
            assert f'action="{path}/redirect"' in page.text
            assert "Redirect to another service" in page.text
            picker = await receiver.get(f"{path}/redirect", params={"q": "logement"})
            assert picker.status_code == 200
            targets = re.findall(r'name="target" value="([0-9a-f-]{36}):([0-9a-f-]*)"', picker.text)
            assert targets, "the search found no housing service in the demo"
            assert all(service != str(demo.service_id) for service, _ in targets)
            token = csrf_of(picker.text)
            version = re.search(r'name="version" value="(\d+)"', picker.text)
            assert version is not None

            nothing = await receiver.post(
                f"{path}/redirect",
                data={"csrf_token": token, "version": version[1], "q": "logement"},
            )
            assert nothing.status_code == 422 and 'id="target-error"' in nothing.text
            assert (
                await receiver.post(f"{path}/redirect", data={"target": ":".join(targets[0])})
            ).status_code == 403

            service_id, place_id = targets[0]
            redirected = await receiver.post(
                f"{path}/redirect",
                data={
                    "csrf_token": token,
                    "version": version[1],
                    "target": f"{service_id}:{place_id}",
                    "note": "Plutôt un logement d'urgence",
                },
            )
            assert redirected.status_code == 303, redirected.text
            assert redirected.headers["location"] == f"{path}?done=redirect"
            after = await receiver.get(path, headers={"Accept-Language": "en"})
            assert "Redirected to" in after.text
            api = (await receiver.get(f"/api/v1{path.removeprefix('/workspace')}")).json()
            assert api["status"] == "redirected"
            new_id = api["redirected_to_id"]
            assert new_id and f"/workspace/referrals/{new_id}" not in after.text

        # The sender follows the person: the new referral, with the person, is theirs to open.
        followed = await worker.get(path)
        assert f"/workspace/referrals/{new_id}" in followed.text
        new = await worker.get(f"/workspace/referrals/{new_id}")
        assert new.status_code == 200 and "El Amrani" in new.text
        new_api = (await worker.get(f"/api/v1/referrals/{new_id}")).json()
        assert new_api["service_id"] == service_id and new_api["status"] == "sent"
        assert new_api["redirected_from_id"] == api["id"]


async def test_the_two_sides_exchange_messages_on_the_referral_page(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        worker.cookies.set("boussole_lang", "en")
        path = await _refer(worker, demo)
        page = await worker.get(path)
        assert "No message yet." in page.text
        empty = await worker.post(
            f"{path}/messages", data={"csrf_token": csrf_of(page.text), "text": "  "}
        )
        assert empty.status_code == 422 and 'id="text-error"' in empty.text
        # A NUL character is the text's fault, said next to it, the text kept (it was a
        # 409 saying the person's data was erased).
        nul = await worker.post(
            f"{path}/messages", data={"csrf_token": csrf_of(page.text), "text": "hello\x00world"}
        )
        assert nul.status_code == 422 and 'id="text-error"' in nul.text
        assert "cannot be kept (NUL" in nul.text and "no more messages" not in nul.text
        assert ">hello\ufffdworld</textarea>" in nul.text
        # A zero-width space alone shows nothing: it is no message.
        invisible = await worker.post(
            f"{path}/messages", data={"csrf_token": csrf_of(page.text), "text": "\u200b"}
        )
        assert invisible.status_code == 422 and 'id="text-error"' in invisible.text
        # Too long: the limit and the length said, the text kept whole to be shortened.
        long = "Elle arrive vers 10 h. " * 100
        refused = await worker.post(
            f"{path}/messages", data={"csrf_token": csrf_of(page.text), "text": long}
        )
        assert refused.status_code == 422
        assert 'id="text-error">Keep it to 2,000 characters; this text has 2,299.<' in refused.text
        assert f">{long.strip()}</textarea>" in refused.text
        sent = await worker.post(
            f"{path}/messages",
            data={"csrf_token": csrf_of(page.text), "text": "Elle arrive vers 10 h."},
        )
        assert sent.status_code == 303 and sent.headers["location"].endswith("#messages")
        after = await worker.get(sent.headers["location"])
        assert "The message is sent." in after.text and "Elle arrive vers 10 h." in after.text

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
        await sign_in(receiver, demo.receiver)
        theirs = await receiver.get(path)
        messages = theirs.text[theirs.text.index('id="messages"') :]
        assert "Elle arrive vers 10 h." in messages[: messages.index("</section>")]
        assert "CPAS de La Louvière" in messages[: messages.index("</section>")]
        answered = await receiver.post(
            f"{path}/messages", data={"csrf_token": csrf_of(theirs.text), "text": "Bien noté."}
        )
        assert answered.status_code == 303
        inbox = await receiver.get("/workspace/referrals?box=inbox")
        assert f'{path}#messages">2<' in inbox.text

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as outsider:
        async with pool.acquire() as conn:
            elsewhere = await conn.fetchval(
                "SELECT id FROM organisation WHERE id <> ALL($1::uuid[]) LIMIT 1",
                [demo.sender_org, demo.receiver_org],
            )
        await sign_in(outsider, await add_user(pool, elsewhere, "admin"))
        token = csrf_of((await outsider.get("/workspace/logout")).text)
        refused = await outsider.post(f"{path}/messages", data={"csrf_token": token, "text": "?"})
        assert refused.status_code == 404


async def test_the_lists_page_through_referrals_and_show_one_status(
    base_url: str, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.web import workspace_referrals

    monkeypatch.setattr(workspace_referrals, "LIST_SIZE", 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        paths = [await _refer(worker, demo) for _ in range(3)]
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
            await sign_in(receiver, demo.receiver)
            await _accept(receiver, paths[0])

        first = await worker.get("/workspace/referrals?box=outbox")
        assert "Page 1 of 2" in first.text or "Page 1 sur 2" in first.text
        # Newest first: the last two on the first page, the oldest on the second.
        assert paths[2] in first.text and paths[1] in first.text and paths[0] not in first.text
        following = re.search(r'href="(/workspace/referrals\?[^"]*)" rel="next"', first.text)
        assert following is not None
        second = await worker.get(following[1].replace("&amp;", "&"))
        assert paths[0] in second.text and paths[2] not in second.text
        assert 'rel="prev"' in second.text

        accepted_only = await worker.get("/workspace/referrals?box=outbox&status=accepted")
        assert paths[0] in accepted_only.text and paths[1] not in accepted_only.text
        assert 'aria-current="page">' in accepted_only.text
        assert 'rel="next"' not in accepted_only.text
        none = await worker.get("/workspace/referrals?box=outbox&status=expired")
        assert paths[0] not in none.text and "/workspace/referrals/" not in none.text
        # A status or a page that makes no sense shows the whole first page.
        odd = await worker.get("/workspace/referrals?box=outbox&status=nope&page=zz")
        assert odd.status_code == 200 and paths[2] in odd.text
        beyond = await worker.get("/workspace/referrals?box=outbox&page=7")
        assert beyond.status_code == 303
        assert beyond.headers["location"] == "/workspace/referrals?box=outbox&page=2"


async def test_a_reference_read_out_on_the_phone_finds_the_referral(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        path = await _refer(worker, demo)
        page = await worker.get(path)
        code = re.search(
            r"\b([ACDEFGHJKMNPQRTUVWXY34679]{3}-[ACDEFGHJKMNPQRTUVWXY34679]{4})\b", page.text
        )
        assert code is not None
        spoken = code[1].replace("-", " ").lower()  # "kx7 m4pq", as typed while listening
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
            await sign_in(receiver, demo.receiver)
            found = await receiver.get("/workspace/referrals", params={"reference": spoken})
            assert found.status_code == 303 and found.headers["location"] == path
            api = (await receiver.get("/api/v1/referrals", params={"reference": spoken})).json()
            assert [item["reference"] for item in api["items"]] == [code[1]]
            missing = await receiver.get(
                "/workspace/referrals",
                params={"reference": "AAA-AAAA"},
                headers={"Accept-Language": "en"},
            )
            assert missing.status_code == 200
            assert "No referral of your organisations has the reference AAA-AAAA." in missing.text
        # Someone outside the two organisations does not find it.
        other = await pool.fetchval(
            "SELECT id FROM organisation WHERE id <> ALL($1::uuid[]) LIMIT 1",
            [demo.sender_org, demo.receiver_org],
        )
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as outsider:
            await sign_in(outsider, await add_user(pool, other, "member"))
            elsewhere = await outsider.get("/workspace/referrals", params={"reference": code[1]})
            assert elsewhere.status_code == 200 and path not in elsewhere.text


@asynccontextmanager
async def _both_sides(
    base_url: str, demo: Demo
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """The referring worker and a member of the receiving organisation, each signed in."""
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as worker,
        httpx.AsyncClient(base_url=base_url, timeout=30) as receiver,
    ):
        await sign_in(worker, demo.worker)
        await sign_in(receiver, demo.receiver)
        yield worker, receiver


async def test_the_dashboard_counts_the_referrals_waiting_for_an_answer(
    base_url: str, demo: Demo
) -> None:
    async with _both_sides(base_url, demo) as (worker, receiver):
        paths = [await _refer(worker, demo) for _ in range(2)]
        receiver.cookies.set("boussole_lang", "nl")
        waiting = '<a href="/workspace/referrals?box=inbox&amp;status=sent">'
        said = []
        for path in [*paths, None]:
            dashboard = await receiver.get("/workspace/")
            said.append(re.sub(r"\s+", " ", dashboard.text))
            if path is not None:
                await _accept(receiver, path)
        assert f"{waiting}2 wachten op een antwoord</a>" in said[0]
        assert f"{waiting}1 wacht op een antwoord</a>" in said[1]
        assert "geen wacht op een antwoord" in said[2] and waiting not in said[2]
        # Accepted, the loop is still to close with the outcome: said too, until it is.
        to_close = '<a href="/workspace/referrals?box=inbox&amp;status=accepted">'
        assert to_close not in said[0]
        assert f"{to_close}1 aanvaard, af te sluiten met het resultaat</a>" in said[1]
        assert f"{to_close}2 aanvaard, af te sluiten met het resultaat</a>" in said[2]
        page = await receiver.get(paths[0])
        closed = await receiver.post(
            f"{paths[0]}/close", data={**posted_back(page.text), "outcome": "served"}
        )
        assert closed.status_code == 303
        dashboard = re.sub(r"\s+", " ", (await receiver.get("/workspace/")).text)
        assert f"{to_close}1 aanvaard, af te sluiten met het resultaat</a>" in dashboard


async def test_the_referral_page_says_when_the_person_will_be_erased(
    base_url: str, demo: Demo
) -> None:
    async with _both_sides(base_url, demo) as (worker, receiver):
        worker.cookies.set("boussole_lang", "en")
        path = await _refer(worker, demo)
        waiting = await worker.get(path)
        assert "Will be erased on" not in waiting.text  # not while it waits for an answer
        await _accept(receiver, path)
        accepted = await worker.get(path)
        due = (datetime.now(TZ) + timedelta(days=365)).strftime("%d/%m/%Y")
        assert f"<dt>Will be erased on</dt><dd>{due}</dd>" in accepted.text


async def test_a_nul_character_in_a_note_is_said_next_to_it_and_the_text_kept(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    english = {"Accept-Language": "en"}
    nul, shown = "Plus de colis\x00cette semaine", "Plus de colis\ufffdcette semaine"
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as worker:
        await sign_in(worker, demo.worker)
        # The refer form: the reason and the availability (it was a JSON problem on `body`).
        form = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
        typed = {
            "csrf_token": csrf_of(form.text),
            "service_id": str(demo.service_id),
            "place_id": str(demo.place_id),
            **PERSON,
            "reason": nul,
            "availability": "Le matin\x00",
        }
        refused = await worker.post("/workspace/refer", data=typed)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("text/html")
        assert 'id="reason-error"' in refused.text and 'id="availability-error"' in refused.text
        assert "cannot be kept (NUL" in refused.text
        assert f">{shown}</textarea>" in refused.text
        assert 'value="Le matin\ufffd"' in refused.text
        assert await pool.fetchval("SELECT count(*) FROM referral") == 0
        path = await _refer(worker, demo)
        page = await worker.get(path)
        cancel = await worker.post(f"{path}/cancel", data={**posted_back(page.text), "note": nul})
        assert cancel.status_code == 422, cancel.text
        assert 'id="cancel-note-error"' in cancel.text and "cannot be kept (NUL" in cancel.text
        assert f'id="cancel-note" name="note" type="text" maxlength="1000" value="{shown}"' in (
            cancel.text
        )

    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as receiver:
        await sign_in(receiver, demo.receiver)
        page = await receiver.get(path)
        declined = await receiver.post(
            f"{path}/decline",
            data={**posted_back(page.text), "reason_code": "no_capacity", "note": nul},
        )
        assert declined.status_code == 422, declined.text
        assert 'id="decline-note-error"' in declined.text
        assert f'value="{shown}"' in declined.text

        picker = await receiver.get(f"{path}/redirect", params={"q": "logement"})
        target = re.search(r'name="target" value="([0-9a-f-]{36}:[0-9a-f-]*)"', picker.text)
        assert target is not None
        redirected = await receiver.post(
            f"{path}/redirect",
            data={**posted_back(picker.text), "q": "logement", "target": target[1], "note": nul},
        )
        assert redirected.status_code == 422, redirected.text
        assert 'id="redirect-note-error"' in redirected.text
        assert f'value="{shown}"' in redirected.text

        accepted = await receiver.post(f"{path}/accept", data=posted_back(page.text))
        assert accepted.status_code == 303
        page = await receiver.get(path)
        closed = await receiver.post(
            f"{path}/close", data={**posted_back(page.text), "outcome": "served", "note": nul}
        )
        assert closed.status_code == 422, closed.text
        assert 'id="close-note-error"' in closed.text and f'value="{shown}"' in closed.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM referral") == "accepted"


async def test_a_closed_referral_reads_as_closed_not_as_a_shut_door(
    base_url: str, demo: Demo
) -> None:
    # "Closed" of opening hours is "Fermé" / "Gesloten"; a referral followed up and closed
    # is "Clôturée" / "Afgesloten", as its mails say.
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        path = await _refer(worker, demo)
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
            await sign_in(receiver, demo.receiver)
            await _accept(receiver, path)
            page = await receiver.get(path)
            closed = await receiver.post(
                f"{path}/close", data={**posted_back(page.text), "outcome": "served"}
            )
            assert closed.status_code == 303
        for language, word, wrong in (
            ("fr", "Clôturée", "Fermé"),
            ("nl", "Afgesloten", "Gesloten"),
        ):
            worker.cookies.set("boussole_lang", language)
            shown = (await worker.get(path)).text
            assert f"<strong>{word}</strong>" in shown and f"<strong>{wrong}</strong>" not in shown
            assert f"— {word} (" in shown  # the timeline's step
            listed = (await worker.get("/workspace/referrals", params={"box": "outbox"})).text
            assert f'"{_status_label(language)}">{word} <span class="meta">(' in listed
            assert f'status=closed">{word}</a>' in listed


def _status_label(language: str) -> str:
    """The name of the lists' status column before a value, as a phone shows it."""
    return {"fr": "Statut\u202f:", "nl": "Status:"}[language]


async def test_the_receiver_reads_how_to_contact_the_person(base_url: str, demo: Demo) -> None:
    """The sender's "do not contact: the person will come" is on the page that shows the
    phone number: the receiving side must not call someone who asked not to be called."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        receiver.cookies.set("boussole_lang", "nl")
        path = await _refer_with(worker, demo, contact_preference="through_referrer")
        page = re.sub(r"\s+", " ", (await receiver.get(path)).text)
        assert "<dt>Hoe de persoon te contacteren</dt><dd>Via de doorverwijzer</dd>" in page
        assert "Via mij" not in page  # the sender's words on the refer form, not the reader's

        path = await _refer_with(worker, demo, contact_preference="do_not_contact")
        page = re.sub(r"\s+", " ", (await receiver.get(path)).text)
        expected = "<dd><strong>Niet contacteren: de persoon komt zelf</strong></dd>"
        assert expected in page


async def test_once_the_person_is_erased_the_answers_have_no_note(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """The forms of an erased referral ask for no note; one typed on a page shown before
    the erasure is refused with the reason, and nothing is written."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        receiver.cookies.set("boussole_lang", "fr")
        path = await _refer(worker, demo)
        await _accept(receiver, path)
        before = await receiver.get(path)
        assert 'id="close-note"' in before.text
        confirm = await worker.get(f"{path}/erase")
        erased = await worker.post(f"{path}/erase", data={"csrf_token": csrf_of(confirm.text)})
        assert erased.status_code == 303

        after = await receiver.get(path)
        assert f'action="{path}/close"' in after.text and 'id="close-note"' not in after.text
        stale = await receiver.post(
            f"{path}/close",
            data={**posted_back(before.text), "outcome": "served", "note": "Fatima est venue"},
        )
        assert stale.status_code == 422, stale.text
        assert "effacées entre-temps" in stale.text
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT status FROM referral") == "accepted"
        closed = await receiver.post(
            f"{path}/close", data={**posted_back(after.text), "outcome": "served"}
        )
        assert closed.status_code == 303
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM referral_event WHERE note IS NOT NULL") == 0
        )


async def test_an_answer_without_its_reason_keeps_the_note_typed(base_url: str, demo: Demo) -> None:
    """Declining without choosing the reason (or closing without the outcome) says so next
    to the list, and the message typed for the sender is still in its field."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        path = await _refer(worker, demo)
        page = await receiver.get(path)
        typed = "Nous n'avons plus de place avant janvier, rappelez-nous"
        declined = await receiver.post(
            f"{path}/decline", data={**posted_back(page.text), "reason_code": "", "note": typed}
        )
        assert declined.status_code == 422
        assert 'id="reason_code-error"' in declined.text
        assert re.search(
            r'id="decline-note"[^>]*value="Nous n&#39;avons plus de place', declined.text
        )

        await _accept(receiver, path)
        page = await receiver.get(path)
        closed = await receiver.post(
            f"{path}/close", data={**posted_back(page.text), "note": "Venue le 3, colis remis"}
        )
        assert closed.status_code == 422 and 'id="outcome-error"' in closed.text
        assert re.search(r'id="close-note"[^>]*value="Venue le 3, colis remis"', closed.text)


async def test_the_redirect_picker_says_which_services_are_full_or_closed(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """Sending the person on to a service that says it is full (or is closed for now) is
    sending them to a refusal: the picker says it next to the service, as the refer form does."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        path = await _refer(worker, demo)
        receiver.cookies.set("boussole_lang", "nl")
        picker = await receiver.get(f"{path}/redirect", params={"q": "logement"})
        targets = re.findall(r'name="target" value="([0-9a-f-]{36}):', picker.text)
        assert len(targets) >= 2
        full, closed = uuid.UUID(targets[0]), uuid.UUID(targets[1])
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("UPDATE service SET capacity_status = 'full' WHERE id = $1", full)
            await conn.execute(
                "UPDATE service SET status = 'temporarily_closed' WHERE id = $1", closed
            )
            await enqueue_search(conn, [full, closed])
        await OutboxConsumer(pool, [PostgresEngine(pool)], document_builder()).drain()

        picker = await receiver.get(f"{path}/redirect", params={"q": "logement"})
        labels = dict(
            re.findall(r'value="([0-9a-f-]{36}):[^"]*">\s*<label[^>]*>(.*?)</label>', picker.text)
        )
        assert 'class="badge full">Volzet</span>' in labels[str(full)]
        assert "Tijdelijk gesloten" in labels[str(closed)]
        available = await pool.fetch(
            "SELECT id::text FROM service WHERE id = ANY($1::uuid[])"
            " AND capacity_status = 'available' AND status = 'active'",
            list(labels),
        )
        assert available and not any("badge" in labels[row["id"]] for row in available)


async def test_an_answer_sent_twice_is_given_once_and_says_so(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """A double click on "Accept" (or "Decline"): the second copy finds the referral
    answered by the same person a moment ago, the same way, and shows it answered; it said
    "Someone changed this meanwhile" about the worker's own answer."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        path = await _refer(worker, demo)
        page = await receiver.get(path)
        twice = [
            await receiver.post(f"{path}/accept", data=posted_back(page.text)) for _ in range(2)
        ]
        assert [r.status_code for r in twice] == [303, 303]
        assert twice[1].headers["location"] == f"{path}?done=accept"

        other = await _refer(worker, demo)
        page = await receiver.get(other)
        form = {**posted_back(page.text), "reason_code": "no_capacity", "note": "Complet"}
        twice = [await receiver.post(f"{other}/decline", data=form) for _ in range(2)]
        assert [r.status_code for r in twice] == [303, 303]
        # Another answer on the page shown before: not the same, so it is said to be too late.
        changed = await receiver.post(f"{other}/decline", data={**form, "note": "Plus de place"})
        assert changed.status_code == 409
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as colleague:
            await sign_in(colleague, await add_user(pool, demo.receiver_org, "member"))
            theirs = await colleague.get(other)
            late = await colleague.post(
                f"{other}/decline", data={**form, "csrf_token": csrf_of(theirs.text)}
            )
            assert late.status_code == 409  # the same answer, by someone else: too late
    async with pool.acquire() as conn:
        answers = await conn.fetch(
            "SELECT action FROM referral_event WHERE action IN ('accept', 'decline')"
        )
    assert sorted(r["action"] for r in answers) == ["accept", "decline"]


async def test_a_note_too_long_is_refused_not_cut(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """A note past 1000 characters (the field's limit, which a browser may not apply to a
    pasted text, or a script posting the form) is said too long, kept whole in its field,
    and nothing is answered; it was cut at 1000 and the answer given."""
    long = "Nous n'avons plus de place. " * 40
    async with _both_sides(base_url, demo) as (worker, receiver):
        receiver.cookies.set("boussole_lang", "nl")
        path = await _refer(worker, demo)
        page = await receiver.get(path)
        declined = await receiver.post(
            f"{path}/decline",
            data={**posted_back(page.text), "reason_code": "no_capacity", "note": long},
        )
        assert declined.status_code == 422, declined.text
        assert 'id="decline-note-error"' in declined.text
        assert "Gebruik hoogstens 1.000 tekens; deze tekst telt er 1.119." in declined.text
        assert long.strip().replace("'", "&#39;") in declined.text

        picker = await receiver.get(f"{path}/redirect", params={"q": "logement"})
        target = re.search(r'name="target" value="([0-9a-f-]{36}:[0-9a-f-]*)"', picker.text)
        assert target is not None
        redirected = await receiver.post(
            f"{path}/redirect",
            data={**posted_back(picker.text), "q": "logement", "target": target[1], "note": long},
        )
        assert redirected.status_code == 422 and 'id="redirect-note-error"' in redirected.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM referral") == "sent"
        assert await conn.fetchval("SELECT count(*) FROM referral") == 1


async def test_a_referral_closed_with_another_outcome_says_so_in_the_timeline(
    base_url: str, demo: Demo
) -> None:
    """ "other" is a reason for declining and an outcome: a close's is the outcome."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        receiver.cookies.set("boussole_lang", "en")
        path = await _refer(worker, demo)
        await _accept(receiver, path)
        page = await receiver.get(path)
        closed = await receiver.post(
            f"{path}/close", data={**posted_back(page.text), "outcome": "other"}
        )
        assert closed.status_code == 303
        timeline = re.sub(r"\s+", " ", (await receiver.get(path)).text)
        assert "— Closed with an outcome (Other outcome)" in timeline
        assert "Other reason" not in timeline


async def test_the_service_a_person_is_redirected_to_sees_who_sent_them_on(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """The new referral a redirect makes is from the original sender; its receiver reads
    which service sent the person on (and its reference), not only a step by an address."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        path = await _refer(worker, demo)
        first = (await receiver.get(f"/api/v1{path.removeprefix('/workspace')}")).json()
        picker = await receiver.get(f"{path}/redirect", params={"q": "logement"})
        target = re.search(r'name="target" value="([0-9a-f-]{36}:[0-9a-f-]*)"', picker.text)
        assert target is not None
        redirected = await receiver.post(
            f"{path}/redirect", data={**posted_back(picker.text), "target": target[1]}
        )
        assert redirected.status_code == 303
        new_id = (await receiver.get(f"/api/v1{path.removeprefix('/workspace')}")).json()[
            "redirected_to_id"
        ]
        new = (await worker.get(f"/api/v1/referrals/{new_id}")).json()
        by = (
            f"<dt>Doorverwezen door</dt><dd>{first['to_organisation']['name']} — "
            f"{{}} · referentie {first['reference']}</dd>"
        )
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as third:
            await sign_in(third, await add_user(pool, new["to_organisation"]["id"], "member"))
            third.cookies.set("boussole_lang", "nl")
            page = re.sub(r"\s+", " ", (await third.get(f"/workspace/referrals/{new_id}")).text)
            assert by.format(first["service_name"]).replace("'", "&#39;") in page
        worker.cookies.set("boussole_lang", "nl")
        page = re.sub(r"\s+", " ", (await worker.get(f"/workspace/referrals/{new_id}")).text)
        link = f'<a href="{path}">{first["service_name"]}</a>'
        assert by.format(link).replace("'", "&#39;") in page


async def test_the_inbox_says_when_each_waiting_referral_expires(base_url: str, demo: Demo) -> None:
    """Which to answer first: a referral waiting for an answer says in the list when it
    expires; an answered one does not."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        waiting, answered = [await _refer(worker, demo) for _ in range(2)]
        await _accept(receiver, answered)
        receiver.cookies.set("boussole_lang", "nl")
        inbox = re.sub(r"\s+", " ", (await receiver.get("/workspace/referrals?box=inbox")).text)
        due = (datetime.now(TZ) + timedelta(days=30)).strftime("%d/%m/%Y")
        rows = {p: inbox.split(f'href="{p}"')[1].split("</tr>")[0] for p in (waiting, answered)}
        assert f'Wacht op antwoord <span class="meta">(verloopt op {due})</span>' in rows[waiting]
        assert "verloopt op" not in rows[answered]


async def test_the_inbox_puts_first_what_waits_for_an_answer(
    base_url: str, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Urgent referrals waiting for an answer first, then the others waiting, the one closest
    to its expiry first; the answered after them, the last changed first (with its date); in
    pages, and by status too. The outbox stays newest first."""
    from service.web import workspace_referrals

    monkeypatch.setattr(workspace_referrals, "LIST_SIZE", 4)
    async with _both_sides(base_url, demo) as (worker, receiver):
        declined, urgent, accepted, waiting, urgent_later, newest = [
            await _refer_with(worker, demo, urgency=urgency)
            for urgency in ("normal", "urgent", "normal", "normal", "urgent", "normal")
        ]
        await _accept(receiver, accepted)
        page = await receiver.get(declined)
        refused = await receiver.post(
            f"{declined}/decline", data={**posted_back(page.text), "reason_code": "no_capacity"}
        )
        assert refused.status_code == 303, refused.text

        def order(html: str) -> list[str]:
            return re.findall(r'<td><a href="(/workspace/referrals/[0-9a-f-]{36})">', html)

        receiver.cookies.set("boussole_lang", "en")
        first = (await receiver.get("/workspace/referrals?box=inbox")).text
        assert "First those waiting for your answer: the urgent ones" in first
        assert order(first) == [urgent, urgent_later, waiting, newest]
        following = re.search(r'href="(/workspace/referrals\?[^"]*)" rel="next"', first)
        assert following is not None
        second = (await receiver.get(following[1].replace("&amp;", "&"))).text
        assert order(second) == [declined, accepted]
        today = datetime.now(TZ).strftime("%d/%m/%Y")
        row = re.sub(r"\s+", " ", second.split(f'href="{declined}"')[1].split("</tr>")[0])
        assert f'Declined <span class="meta">(on {today})</span>' in row

        waiting_only = (await receiver.get("/workspace/referrals?box=inbox&status=sent")).text
        assert order(waiting_only) == [urgent, urgent_later, waiting, newest]
        outbox = (await worker.get("/workspace/referrals?box=outbox")).text
        assert "First those waiting for your answer" not in outbox
        assert order(outbox) == [newest, urgent_later, waiting, accepted]


async def test_the_refer_form_says_whose_service_it_is_and_where(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """Two partners each offer an "Épicerie sociale": the form names the organisation and the
    place the person is sent to, not the service's name alone."""
    async with pool.acquire() as conn:
        alike = await conn.fetch(
            """SELECT s.id, o.id AS organisation_id, o.name AS organisation, p.name AS place,
                      p.street
               FROM service s JOIN organisation o ON o.id = s.organisation_id
               JOIN service_place sp ON sp.service_id = s.id JOIN place p ON p.id = sp.place_id
               WHERE s.name = 'Épicerie sociale' ORDER BY o.name"""
        )
    assert len(alike) == 2 and alike[0]["organisation"] != alike[1]["organisation"]
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        worker.cookies.set("boussole_lang", "nl")
        for service in alike:
            form = re.sub(
                r"\s+", " ", (await worker.get(f"/workspace/refer?service_id={service['id']}")).text
            )
            assert (
                f'<dt>Organisatie</dt><dd><a href="/organisations/{service["organisation_id"]}"'
                f' lang="fr">{service["organisation"]}</a></dd>'
            ).replace("'", "&#39;") in form
            place = re.search(r"<dt>Plaats</dt><dd>([^<]*)</dd>", form)
            assert place is not None
            assert service["place"] in unescape(place[1]) and service["street"] in place[1]


async def test_a_redirect_sent_twice_is_made_once_and_says_so(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """ "Redirect" clicked twice: one new referral, and the second copy shows the first's
    done; another service chosen on the same page is too late (409)."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        path = await _refer(worker, demo)
        picker = await receiver.get(f"{path}/redirect", params={"q": "logement"})
        targets = re.findall(r'name="target" value="([0-9a-f-]{36}:[0-9a-f-]*)"', picker.text)
        assert len(targets) >= 2
        form = {**posted_back(picker.text), "q": "logement", "target": targets[0]}
        twice = [await receiver.post(f"{path}/redirect", data=form) for _ in range(2)]
        assert [r.status_code for r in twice] == [303, 303]
        assert twice[1].headers["location"] == f"{path}?done=redirect"
        other = await receiver.post(f"{path}/redirect", data={**form, "target": targets[1]})
        assert other.status_code == 409
    assert await pool.fetchval("SELECT count(*) FROM referral") == 2


async def test_accepting_takes_a_note_for_the_sender_as_the_other_answers_do(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """The accept form has its note ("come on Tuesday at 10 with your identity card"), as
    the API's accept has: too long or with a NUL character, it is refused next to its field
    and kept, nothing answered; given, the sender reads it in the timeline."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        receiver.cookies.set("boussole_lang", "en")
        path = await _refer(worker, demo)
        page = await receiver.get(path)
        assert re.search(
            r'<label for="accept-note">Message to the sender <span class="hint">Optional</span>',
            page.text,
        )
        form = page.text[page.text.index(f'action="{path}/accept"') :]
        assert 'name="note"' in form[: form.index("</form>")]

        long = "Venez mardi à 10 h avec votre carte d'identité. " * 25
        refused = await receiver.post(
            f"{path}/accept", data={**posted_back(page.text), "note": long}
        )
        assert refused.status_code == 422, refused.text
        assert 'id="accept-note-error"' in refused.text
        assert "Keep it to 1,000 characters; this text has 1,199." in refused.text
        assert long.strip().replace("'", "&#39;") in refused.text
        nul = await receiver.post(
            f"{path}/accept", data={**posted_back(page.text), "note": "Mardi\x00 10 h"}
        )
        assert nul.status_code == 422 and 'id="accept-note-error"' in nul.text
        assert re.search(r'id="accept-note"[^>]*value="Mardi\ufffd 10 h"', nul.text)
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT status FROM referral") == "sent"

        note = "Venez mardi à 10 h avec votre carte d'identité."
        accepted = await receiver.post(
            f"{path}/accept", data={**posted_back(page.text), "note": note}
        )
        assert accepted.status_code == 303, accepted.text
        assert note.replace("'", "&#39;") in (await worker.get(path)).text
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT note FROM referral_event WHERE action = 'accept'") == note
        )


async def test_the_other_side_reads_the_answer_s_note_by_the_status(
    base_url: str, demo: Demo
) -> None:
    """The sender opening an answered referral reads the receiver's note with the status,
    not only at the bottom of the timeline under "No message yet"; the receiver reads the
    sender's reason to cancel the same way. An answer without a note shows none."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        accepted, declined, cancelled = [await _refer(worker, demo) for _ in range(3)]
        come = "Venez mardi à 10 h avec votre carte d'identité."
        page = await receiver.get(accepted)
        answer = await receiver.post(
            f"{accepted}/accept", data={**posted_back(page.text), "note": come}
        )
        assert answer.status_code == 303
        page = await receiver.get(declined)
        answer = await receiver.post(
            f"{declined}/decline",
            data={**posted_back(page.text), "reason_code": "no_capacity", "note": "Plus de colis"},
        )
        assert answer.status_code == 303
        page = await worker.get(cancelled)
        answer = await worker.post(
            f"{cancelled}/cancel", data={**posted_back(page.text), "note": "Elle a trouvé"}
        )
        assert answer.status_code == 303

        worker.cookies.set("boussole_lang", "en")
        shown = (await worker.get(accepted)).text
        note = f'<dt>Message with the answer</dt><dd id="answer-note">{come}</dd>'
        assert note.replace("'", "&#39;") in shown
        assert shown.index('id="answer-note"') < shown.index('id="messages"')
        worker.cookies.set("boussole_lang", "nl")
        shown = (await worker.get(declined)).text
        assert '<dt>Bericht bij het antwoord</dt><dd id="answer-note">Plus de colis</dd>' in shown
        receiver.cookies.set("boussole_lang", "fr")
        shown = (await receiver.get(cancelled)).text
        assert '<dt>Message joint à l\'annulation</dt><dd id="answer-note">Elle a trouvé' in (shown)

        # Closed afterwards without a note: the accept's note is the timeline's, not the
        # closing's.
        page = await receiver.get(accepted)
        closed = await receiver.post(
            f"{accepted}/close", data={**posted_back(page.text), "outcome": "served"}
        )
        assert closed.status_code == 303
        assert 'id="answer-note"' not in (await worker.get(accepted)).text


async def test_an_erased_referral_is_accepted_without_a_note(base_url: str, demo: Demo) -> None:
    async with _both_sides(base_url, demo) as (worker, receiver):
        path = await _refer(worker, demo)
        confirm = await worker.get(f"{path}/erase")
        erased = await worker.post(f"{path}/erase", data={"csrf_token": csrf_of(confirm.text)})
        assert erased.status_code == 303
        page = await receiver.get(path)
        assert f'action="{path}/accept"' in page.text and 'id="accept-note"' not in page.text
        await _accept(receiver, path)


async def test_an_urgent_referral_waits_days_not_weeks_and_the_form_says_so(
    base_url: str, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        form = await worker.get(
            f"/workspace/refer?service_id={demo.service_id}", headers={"Accept-Language": "en"}
        )
        assert "Unanswered after 3 days, it expires and you are told" in form.text
        english = {"Accept-Language": "en"}
        urgent = await worker.get(
            await _refer_with(worker, demo, urgency="urgent"), headers=english
        )
        normal = await worker.get(await _refer(worker, demo), headers=english)
    in_days = {
        name: re.search(r"<dt>Expires on</dt><dd>(\d\d/\d\d/\d{4})</dd>", page.text)
        for name, page in (("urgent", urgent), ("normal", normal))
    }
    today = datetime.now(TZ).date()
    assert in_days["urgent"] and in_days["normal"]
    urgent_on = datetime.strptime(in_days["urgent"][1], "%d/%m/%Y").date()
    normal_on = datetime.strptime(in_days["normal"][1], "%d/%m/%Y").date()
    assert (urgent_on - today).days in (3, 4) and (normal_on - today).days in (30, 31)


async def test_the_refer_form_warns_when_nobody_at_the_receiver_would_be_told(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        # A partner with an active service, no address of its own and nobody in its team.
        service_id = await conn.fetchval(
            """SELECT s.id FROM service s JOIN organisation o ON o.id = s.organisation_id
               WHERE s.status = 'active' AND o.id <> ALL($1::uuid[])
                 AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.organisation_id = o.id)
               ORDER BY s.name LIMIT 1""",
            [demo.sender_org, demo.receiver_org],
        )
        await conn.execute(
            "UPDATE organisation SET email = NULL WHERE id = "
            "(SELECT organisation_id FROM service WHERE id = $1)",
            service_id,
        )
    english = {"Accept-Language": "en"}
    warning = "Nobody at this organisation is told of referrals by e-mail"
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as worker:
        await sign_in(worker, demo.worker)
        lonely = await worker.get(f"/workspace/refer?service_id={service_id}")
        assert lonely.status_code == 200 and warning in lonely.text
        told = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
        assert told.status_code == 200 and warning not in told.text


async def test_the_page_says_what_an_action_did_and_the_sender_follows_up(
    base_url: str, demo: Demo
) -> None:
    """After an answer, what it did and who sees it, not "Saved." ("Enregistré."); the
    sender, who cannot answer, finds its action (cancel) under "Follow-up", not "Answer"."""
    async with _both_sides(base_url, demo) as (worker, receiver):
        path = await _refer(worker, demo)
        mine = await worker.get(path)
        # Both sides read French.
        assert "<h2>Suivi</h2>" in mine.text and "<h2>Répondre</h2>" not in mine.text
        page = await receiver.get(path)
        assert "<h2>Répondre</h2>" in page.text
        accepted = await receiver.post(
            f"{path}/accept", data=posted_back(page.text), follow_redirects=True
        )
        said = unescape(accepted.text)
        assert "Acceptée : l'organisation qui l'a envoyée voit votre réponse." in said
        assert "Enregistré." not in accepted.text
        other = await _refer(worker, demo)
        page = await worker.get(other)
        cancelled = await worker.post(
            f"{other}/cancel", data=posted_back(page.text), follow_redirects=True
        )
        said = unescape(cancelled.text)
        assert "Annulée : l'organisation destinataire voit qu'elle n'est plus nécessaire." in said
