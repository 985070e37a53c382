"""The workspace pages over HTTP: sign-in redirects, CSRF, capacity, hours, referrals."""

from __future__ import annotations

import re
from html import unescape

import asyncpg
import httpx
import pytest

from tests.integration.web.conftest import Demo, add_user, csrf_of, posted_back, sign_in
from tests.integration.web.test_workspace_service_edit import add_coordinator

pytestmark = pytest.mark.asyncio


async def test_pages_need_a_sign_in(client: httpx.AsyncClient, demo: Demo) -> None:
    for path in (
        "/workspace/",
        "/workspace/referrals?box=inbox",
        f"/workspace/refer?service_id={demo.service_id}",
        f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours",
    ):
        answer = await client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/workspace/login?next=/workspace")
    refer = await client.get(f"/workspace/refer?service_id={demo.service_id}")
    assert refer.headers["location"].endswith(f"refer%3Fservice_id%3D{demo.service_id}")


async def test_posts_need_the_csrf_token(
    client: httpx.AsyncClient, base_url: str, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        refused = await browser.post(
            f"/workspace/services/{demo.service_id}/capacity",
            data={"capacity_status": "full", "version": "1"},
        )
        assert refused.status_code == 403


async def test_editor_sets_capacity_and_a_stale_version_is_refused(
    base_url: str, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        dashboard = await browser.get("/workspace/")
        assert dashboard.status_code == 200
        version = re.search(
            rf'action="/workspace/services/{demo.service_id}/capacity"[^>]*>\s*'
            r'<input type="hidden" name="csrf_token" value="[^"]+">\s*'
            r'<input type="hidden" name="version" value="(\d+)">',
            dashboard.text,
        )
        assert version is not None
        token = csrf_of(dashboard.text)
        path = f"/workspace/services/{demo.service_id}/capacity"
        data = {"capacity_status": "full", "version": version[1], "csrf_token": token}
        done = await browser.post(path, data=data)
        assert done.status_code == 303
        service = await browser.get(f"/api/v1/services/{demo.service_id}")
        assert service.json()["capacity_status"] == "full"
        stale = await browser.post(path, data={**data, "capacity_status": "limited"})
        assert stale.status_code == 409
        assert "Someone changed this meanwhile" in stale.text or "entre-temps" in stale.text


def capacity_buttons(dashboard: str, service_id: object) -> list[tuple[str, str, str]]:
    """A service's capacity buttons on the dashboard, in order: (value, aria-pressed, the
    words shown)."""
    card = dashboard[dashboard.index(f'id="service-{service_id}"') :]
    form = card[card.index("/capacity") : card.index("</form>")]
    found = re.findall(
        r'name="capacity_status" value="(\w+)"[^>]*aria-pressed="(\w+)">(.*?)</button>',
        form,
        re.S,
    )
    shown = [re.sub(r'<span class="visually-hidden">.*?</span>|<[^>]+>', "", t) for *_, t in found]
    return [
        (value, pressed, words) for (value, pressed, _), words in zip(found, shown, strict=True)
    ]


async def test_the_capacity_buttons_go_from_room_to_full_and_say_the_current_one(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        "UPDATE service SET capacity_status = 'limited' WHERE id = $1", demo.service_id
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        dashboard = (await browser.get("/workspace/", headers={"Accept-Language": "en"})).text
        buttons = capacity_buttons(dashboard, demo.service_id)
        assert [(value, pressed) for value, pressed, _ in buttons] == [
            ("available", "false"),
            ("limited", "true"),
            ("full", "false"),
        ]
        # The pressed one is filled and ticked; the others are outlined (they were the other
        # way round: the current state looked like the one not chosen).
        assert [words for *_, words in buttons] == [
            "Places available",
            "✓ Few places left",
            "Full",
        ]
        card = dashboard[dashboard.index(f'id="service-{demo.service_id}"') :]
        assert 'value="limited" aria-pressed="true">' in card
        assert 'value="full" class="secondary" aria-pressed="false">' in card
        # The buttons are a group named by the line that says the capacity.
        assert f'<span role="group" aria-labelledby="capacity-{demo.service_id}">' in card
        assert f'<p id="capacity-{demo.service_id}">Capacity: <strong>Few places left' in card

        done = await browser.post(
            f"/workspace/services/{demo.service_id}/capacity",
            data={**posted_back(card), "capacity_status": "full"},
        )
        assert done.status_code == 303
        after = (await browser.get("/workspace/", headers={"Accept-Language": "nl"})).text
        assert [pressed for _, pressed, _ in capacity_buttons(after, demo.service_id)] == [
            "false",
            "false",
            "true",
        ]
        assert "✓ Volzet" in [
            text.split(" — ")[0] for *_, text in capacity_buttons(after, demo.service_id)
        ]


async def test_member_cannot_edit_hours(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.receiver)
        page = await browser.get(
            f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
        )
        assert page.status_code == 403


async def test_hours_errors_are_shown_next_to_the_field(base_url: str, demo: Demo) -> None:
    path = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        form = await browser.get(path, headers={"Accept-Language": "en"})
        assert form.status_code == 200
        version = re.search(r'name="version" value="(\d+)"', form.text)
        assert version is not None
        base = {"csrf_token": csrf_of(form.text), "version": version[1], "hours_note": ""}
        blank = {
            f"ex-0-{name}": "" for name in ("starts_on", "ends_on", "opening_hours", "message")
        }
        bad = await browser.post(path, data={**base, **blank, "opening_hours": "Mo-Fr 9h-12h"})
        assert bad.status_code == 422
        assert 'id="opening_hours-error"' in bad.text
        assert 'aria-invalid="true"' in bad.text
        holidays = await browser.post(
            path, data={**base, **blank, "opening_hours": "Mo-Fr 09:00-17:00; SH off"}
        )
        assert holidays.status_code == 422 and 'id="opening_hours-error"' in holidays.text
        assert "vacances scolaires (SH)" in holidays.text
        closure = {
            "ex-0-starts_on": "2026-12-24",
            "ex-0-ends_on": "2026-12-23",
            "ex-0-opening_hours": "",
            "ex-0-message": "Fermeture de Noël",
        }
        wrong_dates = await browser.post(
            path, data={**base, **closure, "opening_hours": "Mo-Fr 09:00-12:00"}
        )
        assert wrong_dates.status_code == 422 and 'id="ex-0-ends_on-error"' in wrong_dates.text
        until_further_notice = await browser.post(
            path, data={**base, **closure, "ex-0-ends_on": "9999-12-31", "opening_hours": ""}
        )
        assert until_further_notice.status_code == 422
        assert "indiquez que le service est temporairement fermé" in until_further_notice.text
        good = await browser.post(
            path,
            data={
                **base,
                **closure,
                "ex-0-ends_on": "2026-12-26",
                "opening_hours": "Mo-Fr 09:00-12:00; PH off",
            },
        )
        assert good.status_code == 303, good.text
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        place = next(p for p in service["places"] if p["place_id"] == str(demo.place_id))
        assert place["opening_hours"] == "Mo-Fr 09:00-12:00; PH off"
        assert place["exceptions"][0]["message"] == "Fermeture de Noël"
        stale = await browser.post(path, data={**base, "opening_hours": "Mo 10:00-11:00"})
        assert stale.status_code == 409
        assert "Mo-Fr 09:00-12:00; PH off" in stale.text


async def test_refer_accept_and_see_it_in_both_boxes(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        service_page = await worker.get(f"/services/{demo.service_id}")
        assert f"/workspace/refer?service_id={demo.service_id}" in service_page.text
        form = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
        assert form.status_code == 200
        person = {
            "csrf_token": csrf_of(form.text),
            "service_id": str(demo.service_id),
            "place_id": str(demo.place_id),
            "reason": "Besoin d'un colis alimentaire cette semaine.",
            "first_name": "Fatima",
            "last_name": "El Amrani",
            "phone": "0470 12 34 56",
            "contact_preference": "phone",
            "languages": ["fr", "ar"],
        }
        without_consent = await worker.post("/workspace/refer", data=person)
        assert without_consent.status_code == 422
        assert 'id="consent-error"' in without_consent.text
        sent = await worker.post("/workspace/refer", data={**person, "consent": "1"})
        assert sent.status_code == 303, sent.text
        detail = await worker.get(sent.headers["location"])
        assert "El Amrani" in detail.text and "/slip" in detail.text
        outbox = await worker.get("/workspace/referrals?box=outbox")
        reference = re.search(r"<dd><strong>|([A-Z0-9]{3}-[A-Z0-9]{4})", detail.text)
        assert reference is not None
        referral_path = sent.headers["location"].split("?")[0]
        assert referral_path in outbox.text
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
        await sign_in(receiver, demo.receiver)
        inbox = await receiver.get("/workspace/referrals?box=inbox")
        assert referral_path in inbox.text
        page = await receiver.get(referral_path)
        assert "/accept" in page.text and "/cancel" not in page.text
        version = re.search(r'name="version" value="(\d+)"', page.text)
        assert version is not None
        accept = {"csrf_token": csrf_of(page.text), "version": version[1]}
        accepted = await receiver.post(f"{referral_path}/accept", data=accept)
        assert accepted.status_code == 303
        # Sent again at once (a double click): given once, shown given.
        again = await receiver.post(f"{referral_path}/accept", data=accept)
        assert again.status_code == 303
        assert again.headers["location"] == f"{referral_path}?done=accept"
        after = await receiver.get(referral_path)
        assert "/close" in after.text


def _submission_key(html: str) -> str:
    key = re.search(r'name="submission_key" value="([^"]+)"', html)
    assert key, "no submission key in the refer form"
    return key[1]


async def test_the_refer_form_sent_twice_makes_one_referral(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    english = {"Accept-Language": "en"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as worker:
        await sign_in(worker, demo.worker)
        form = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
        key = _submission_key(form.text)
        assert key != _submission_key((await worker.get(str(form.url))).text)  # one per form
        person = {
            "csrf_token": csrf_of(form.text),
            "submission_key": key,
            "service_id": str(demo.service_id),
            "place_id": str(demo.place_id),
            "reason": "Besoin d'un colis alimentaire cette semaine.",
            "first_name": "Fatima",
            "last_name": "El Amrani",
            "consent": "1",
        }
        sent = await worker.post("/workspace/refer", data=person)
        assert sent.status_code == 303, sent.text
        referral_path = sent.headers["location"].split("?")[0]
        # A double click, or the back button and the form sent again as it came back.
        again = await worker.post("/workspace/refer", data=person)
        assert again.status_code == 303, again.text
        assert again.headers["location"] == f"{referral_path}?sent=1&already=1"
        shown = await worker.get(again.headers["location"])
        assert "it was not sent a second time" in shown.text
        assert await pool.fetchval("SELECT count(*) FROM referral") == 1

        # Back, changed, sent again: the form says it was sent, keeps what was typed, and
        # sends it as another referral only when sent once more (with a new key).
        changed = {**person, "reason": "Un colis pour sa voisine aussi."}
        refused = await worker.post("/workspace/refer", data=changed)
        assert refused.status_code == 409, refused.text
        assert "This form was already sent" in refused.text
        assert f'href="{referral_path}"' in refused.text
        assert "Un colis pour sa voisine aussi." in unescape(refused.text)
        new_key = _submission_key(refused.text)
        assert new_key != key
        assert await pool.fetchval("SELECT count(*) FROM referral") == 1
        another = await worker.post("/workspace/refer", data={**changed, "submission_key": new_key})
        assert another.status_code == 303, another.text
        assert another.headers["location"].split("?")[0] != referral_path
        assert await pool.fetchval("SELECT count(*) FROM referral") == 2


async def test_anonymous_referral_and_unknown_ids(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        form = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
        sent = await worker.post(
            "/workspace/refer",
            data={
                "csrf_token": csrf_of(form.text),
                "service_id": str(demo.service_id),
                "reason": "Colis alimentaire",
                "anonymous": "1",
            },
        )
        assert sent.status_code == 303, sent.text
        missing = "00000000-0000-0000-0000-000000000000"
        assert (await worker.get(f"/workspace/referrals/{missing}")).status_code == 404
        assert (await worker.get(f"/workspace/refer?service_id={missing}")).status_code == 404


async def test_the_dashboard_offers_to_refer_again_to_the_usual_partners(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    heading = "The services your organisation refers people to most"
    english = {"Accept-Language": "en"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as worker:
        await sign_in(worker, demo.worker)
        assert heading not in (await worker.get("/workspace/")).text  # nobody referred yet
        other = await pool.fetchval(
            "SELECT id FROM service WHERE id <> $1 AND status = 'active' ORDER BY name LIMIT 1",
            demo.service_id,
        )
        for service_id in (demo.service_id, demo.service_id, other):
            form = await worker.get(f"/workspace/refer?service_id={service_id}")
            sent = await worker.post(
                "/workspace/refer",
                data={
                    "csrf_token": csrf_of(form.text),
                    "service_id": str(service_id),
                    "reason": "Colis alimentaire",
                    "anonymous": "1",
                },
            )
            assert sent.status_code == 303, sent.text
        dashboard = (await worker.get("/workspace/")).text
        assert heading in dashboard
        links = re.findall(r'href="/workspace/refer\?service_id=([0-9a-f-]{36})"', dashboard)
        assert links == [str(demo.service_id), str(other)]  # most referred to first
        # A service no longer offered is not proposed any more.
        await pool.execute("UPDATE service SET status = 'inactive' WHERE id = $1", other)
        dashboard = (await worker.get("/workspace/")).text
        assert re.findall(r'href="/workspace/refer\?service_id=([0-9a-f-]{36})"', dashboard) == [
            str(demo.service_id)
        ]
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as receiver:
        await sign_in(receiver, demo.receiver)  # another organisation: its own partners only
        assert heading not in (await receiver.get("/workspace/")).text


def _answers(dashboard: str) -> str:
    """The dashboard's block of answers to the referrals sent ('' when there is none)."""
    if 'id="answers-title"' not in dashboard:
        return ""
    block = dashboard[dashboard.index('id="answers-title"') :]
    return block[: block.index("</ul>")]


async def test_the_dashboard_says_when_referrals_sent_were_answered(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    colleague = await add_user(pool, demo.sender_org, "member")  # the sender's organisation
    outsider_org = await pool.fetchval(
        "SELECT id FROM organisation WHERE id <> ALL($1::uuid[]) ORDER BY name LIMIT 1",
        [demo.sender_org, demo.receiver_org],
    )
    outsider = await add_user(pool, outsider_org, "member")
    english = {"Accept-Language": "en"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as worker:
        await sign_in(worker, demo.worker)
        form = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
        body = {
            "csrf_token": csrf_of(form.text),
            "service_id": str(demo.service_id),
            "reason": "Colis alimentaire",
            "first_name": "Fatima",
            "last_name": "El Amrani",
            "phone": "0470 12 34 56",
            "contact_preference": "phone",
            "consent": "1",
        }
        paths = []
        for _ in range(3):
            sent = await worker.post("/workspace/refer", data=body)
            assert sent.status_code == 303, sent.text
            paths.append(sent.headers["location"].split("?")[0])
        accepted, declined, waiting = paths
        assert _answers((await worker.get("/workspace/")).text) == ""  # nothing answered yet
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as receiver:
        await sign_in(receiver, demo.receiver)
        page = await receiver.get(accepted)
        assert (
            await receiver.post(f"{accepted}/accept", data=posted_back(page.text))
        ).status_code == 303
        page = await receiver.get(declined)
        answer = {"csrf_token": csrf_of(page.text), "reason_code": "no_capacity"}
        assert (await receiver.post(f"{declined}/decline", data=answer)).status_code == 303
        # The receiving side answered them; they are not answers to its own referrals.
        assert _answers((await receiver.get("/workspace/")).text) == ""
    # The decline was given after the acceptance: it comes first.
    await pool.execute(
        "UPDATE referral_event SET at = at - interval '1 minute' WHERE action = 'accept'"
    )
    for email in (demo.worker, colleague):
        async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as member:
            await sign_in(member, email)
            dashboard = (await member.get("/workspace/")).text
            block = _answers(dashboard)
            links = re.findall(r'href="(/workspace/referrals/[0-9a-f-]{36})"', block)
            assert links == [declined, accepted]
            assert "<strong>Declined</strong>" in block and "<strong>Accepted</strong>" in block
            assert "Colis alimentaires, Les Restos du Cœur de La Louvière" in unescape(block)
            assert "El Amrani" not in dashboard and "Fatima" not in dashboard
            assert 'href="/workspace/referrals?box=outbox">All the referrals sent' in dashboard
            for language, heading, answer in (
                ("fr-BE", "Réponses à vos orientations", "Refusée"),
                ("nl-BE", "Antwoorden op uw doorverwijzingen", "Geweigerd"),
            ):
                said = (await member.get("/workspace/", headers={"Accept-Language": language})).text
                assert heading in said and f"<strong>{answer}</strong>" in _answers(said)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as member:
        await sign_in(member, outsider)  # another organisation: not its referrals
        dashboard = (await member.get("/workspace/")).text
        assert _answers(dashboard) == "" and accepted not in dashboard
    # An answer older than 14 days is no news any more.
    await pool.execute(
        "UPDATE referral_event SET at = at - interval '15 days' WHERE action = 'decline'"
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=english) as worker:
        await sign_in(worker, demo.worker)
        block = _answers((await worker.get("/workspace/")).text)
        assert declined not in block and accepted in block and waiting not in block


async def test_decline_needs_a_reason_and_the_sender_cancels(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        form = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
        body = {
            "csrf_token": csrf_of(form.text),
            "service_id": str(demo.service_id),
            "reason": "Colis alimentaire",
            "anonymous": "1",
        }
        first = (await worker.post("/workspace/refer", data=body)).headers["location"]
        second = (await worker.post("/workspace/refer", data=body)).headers["location"]
        first, second = first.split("?")[0], second.split("?")[0]
        page = await worker.get(second)
        assert "/accept" not in page.text and "/cancel" in page.text
        cancelled = await worker.post(f"{second}/cancel", data={"csrf_token": csrf_of(page.text)})
        assert cancelled.status_code == 303
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
        await sign_in(receiver, demo.receiver)
        page = await receiver.get(first, headers={"Accept-Language": "en"})
        token = csrf_of(page.text)
        missing = await receiver.post(f"{first}/decline", data={"csrf_token": token})
        assert missing.status_code == 422 and 'id="reason_code-error"' in missing.text
        declined = await receiver.post(
            f"{first}/decline",
            data={"csrf_token": token, "reason_code": "no_capacity", "note": "Plus de colis"},
        )
        assert declined.status_code == 303
        after = await receiver.get(first, headers={"Accept-Language": "en"})
        assert "No capacity" in after.text and "Plus de colis" in after.text
        unknown = await receiver.post(f"{first}/explode", data={"csrf_token": token})
        assert unknown.status_code == 404


async def test_the_refer_form_warns_when_the_service_is_full(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        form_path = f"/workspace/refer?service_id={demo.service_id}"
        for capacity, warning in (
            ("available", None),
            ("limited", "few places left"),
            ("full", "the referral may be declined"),
        ):
            await pool.execute(
                "UPDATE service SET capacity_status = $2 WHERE id = $1", demo.service_id, capacity
            )
            form = await worker.get(form_path, headers={"Accept-Language": "en"})
            assert form.status_code == 200
            if warning is None:
                assert 'class="banner"' not in form.text
            else:
                assert warning in form.text
        assert f'href="/services/{demo.service_id}#alternatives"' in form.text


async def test_hours_day_by_day(base_url: str, demo: Demo) -> None:
    path = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    english = {"Accept-Language": "en"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        form = await browser.get(path, headers=english)
        version = re.search(r'name="version" value="(\d+)"', form.text)
        assert version is not None
        base = {"csrf_token": csrf_of(form.text), "version": version[1], "hours_note": ""}
        week = {
            **{f"week-{day}-0-opens": "09:00" for day in ("mo", "tu", "we", "th", "fr")},
            **{f"week-{day}-0-closes": "12:00" for day in ("mo", "tu", "we", "th", "fr")},
            **{f"week-{day}-1-opens": "13:30" for day in ("mo", "tu", "we", "th", "fr")},
            **{f"week-{day}-1-closes": "16:00" for day in ("mo", "tu", "we", "th", "fr")},
            "week-sa-0-opens": "09:00:00",  # some browsers send seconds
            "week-sa-0-closes": "12:00",
            "week-holidays": "1",
            # Posted without the hours the page showed, the mode chosen decides: the week.
            "opening_hours": "Mo 10:00-11:00",
            # The demo's hours are monthly (Tu[1],Tu[3]): replaced knowingly.
            "week-replace": "1",
        }

        wrong = await browser.post(
            path,
            data={
                **base,
                **week,
                "editor": "week",
                "week-su-0-opens": "14:00",
                "week-su-0-closes": "14:00",
                "week-we-1-opens": "11:00",
                "week-tu-0-closes": "9h",
            },
            headers=english,
        )
        assert wrong.status_code == 422
        for field in ("week-su-0-closes", "week-we-1-opens", "week-tu-0-closes"):
            assert f'id="{field}-error"' in wrong.text
        assert "The closing time must differ from the opening time." in wrong.text
        # The summary at the top names each field: 28 of them on a phone.
        summary = wrong.text.split('role="alert"')[1].split("</div>")[0]
        assert (
            '<a href="#week-tu-0-closes">Tuesday — Closes: Enter a time such as 09:30.</a>'
            in summary
        )
        assert '<a href="#week-we-1-opens">Wednesday — Opens again: ' in summary
        dutch = await browser.post(
            path,
            data={**base, **week, "editor": "week", "week-tu-0-closes": "9h"},
            headers={"Accept-Language": "nl"},
        )
        assert "dinsdag — Sluit: " in dutch.text.split('role="alert"')[1].split("</div>")[0]
        # Nothing was saved, and the form keeps what was typed.
        assert 'value="14:00"' in wrong.text

        saved = await browser.post(path, data={**base, **week, "editor": "week"})
        assert saved.status_code == 303, saved.text
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        place = next(p for p in service["places"] if p["place_id"] == str(demo.place_id))
        assert place["opening_hours"] == ("Mo-Fr 09:00-12:00,13:30-16:00; Sa 09:00-12:00; PH off")

        again = await browser.get(path, headers=english)
        assert 'name="editor" value="week" checked' in again.text
        assert 'name="week-fr-1-closes" type="time" value="16:00"' in again.text
        assert 'name="week-holidays" value="1" checked' in again.text

        # Hours the week cannot show are offered as text, and saved as typed.
        version = re.search(r'name="version" value="(\d+)"', again.text)
        assert version is not None
        monthly = {
            **base,
            "version": version[1],
            "editor": "text",
            "opening_hours": "Mo[1] 09:00-12:00",
        }
        assert (await browser.post(path, data=monthly)).status_code == 303
        text = await browser.get(path, headers=english)
        assert 'name="editor" value="text" checked' in text.text
        assert "cannot show" in text.text

        # A night shelter's hours: closing before opening means the next morning.
        nights = {
            **base,
            **posted_back(text.text),
            "editor": "week",
            **{f"week-{day}-0-opens": "19:30" for day in ("mo", "tu", "we", "th", "fr", "sa")},
            **{f"week-{day}-0-closes": "08:30" for day in ("mo", "tu", "we", "th", "fr", "sa")},
            "week-su-0-opens": "10:00",
            "week-su-0-closes": "12:00",
            "week-su-1-opens": "19:30",
            "week-su-1-closes": "08:30",
        }
        # The monthly rule would go: said, and saved without it only once the box is ticked.
        refused = await browser.post(path, data=nights, headers=english)
        assert refused.status_code == 422 and 'id="week-replace-error"' in refused.text
        assert "<code>Mo[1] 09:00-12:00</code>" in refused.text
        nights["week-replace"] = "1"
        assert (await browser.post(path, data=nights)).status_code == 303
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        place = next(p for p in service["places"] if p["place_id"] == str(demo.place_id))
        assert place["opening_hours"] == "Mo-Sa 19:30-08:30, Su 10:00-12:00,19:30-08:30"
        shown = await browser.get(path, headers=english)
        assert 'name="editor" value="week" checked' in shown.text
        assert 'name="week-su-1-closes" type="time" value="08:30"' in shown.text


def browser_form(html: str) -> dict[str, str]:
    """What a browser posts from the page's inputs as shown: every text, time and hidden
    field, the checked radio buttons and boxes."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        checkable = attributes.get("type") in ("radio", "checkbox")
        if "name" in attributes and (not checkable or re.search(r"\schecked\b", tag)):
            fields[attributes["name"]] = unescape(attributes.get("value", ""))
    return fields


async def test_hours_closing_at_midnight_open_day_by_day_and_save_again(
    base_url: str, demo: Demo
) -> None:
    """24:00 cannot stand in a time field: it shows as 00:00, the end of the day, and the
    page posted back as shown saves the same hours (it came back with five empty closing
    times, each refused)."""
    path = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    english = {"Accept-Language": "en"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        form = browser_form((await browser.get(path, headers=english)).text)
        late = {**form, "editor": "text", "opening_hours": "Mo-Fr 18:00-24:00; PH off"}
        assert (await browser.post(path, data=late)).status_code == 303
        shown = await browser.get(path, headers=english)
        assert 'name="editor" value="week" checked' in shown.text
        assert 'name="week-mo-0-closes" type="time" value="00:00"' in shown.text
        again = await browser.post(path, data=browser_form(shown.text), headers=english)
        assert again.status_code == 303, again.text
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        place = next(p for p in service["places"] if p["place_id"] == str(demo.place_id))
        assert place["opening_hours"] == "Mo-Fr 18:00-24:00; PH off"


async def test_back_to_day_by_day_keeps_closed_on_public_holidays_and_names_the_rest(
    base_url: str, demo: Demo
) -> None:
    """Hours the day-by-day form cannot show whole ("Mo[1]": the first Monday of the month)
    opened it empty, "Closed on public holidays" unticked: switching to it and saving lost
    `PH off`, and the monthly rule, silently. Now it shows what it can (the holidays, the days
    set alone), names the rest, and drops that only once asked to."""
    path = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    english = {"Accept-Language": "en"}

    async def saved_hours() -> str:
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        place = next(p for p in service["places"] if p["place_id"] == str(demo.place_id))
        return str(place["opening_hours"])

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        form = browser_form((await browser.get(path, headers=english)).text)
        monthly = "Mo[1] 09:00-12:00; Tu-Th 10:00-12:00; PH off"
        text = {**form, "editor": "text", "opening_hours": monthly}
        assert (await browser.post(path, data=text)).status_code == 303
        shown = await browser.get(path, headers=english)
        assert 'name="editor" value="text" checked' in shown.text
        assert 'name="week-holidays" value="1" checked' in shown.text
        assert 'name="week-tu-0-opens" type="time" value="10:00"' in shown.text
        assert 'name="week-mo-0-opens" type="time" value=""' in shown.text
        assert "<code>Mo[1] 09:00-12:00</code>" in shown.text

        # Back to day by day, Friday added: the monthly rule is said, nothing saved.
        week = {
            **browser_form(shown.text),
            "editor": "week",
            "week-fr-0-opens": "13:00",
            "week-fr-0-closes": "16:00",
        }
        refused = await browser.post(path, data=week, headers=english)
        assert refused.status_code == 422
        assert 'id="week-replace-error"' in refused.text
        assert '<a href="#week-replace">Day by day: Saved day by day, the hours lose' in (
            refused.text
        )
        assert await saved_hours() == monthly
        # The text keeps the hours as saved, to change them that way instead.
        assert f'name="opening_hours" type="text" value="{monthly}"' in refused.text
        # Asked to, the week is saved without it, and closed on public holidays still.
        again = {**browser_form(refused.text), "week-replace": "1"}
        assert again["editor"] == "week" and again["week-fr-0-opens"] == "13:00"
        assert (await browser.post(path, data=again)).status_code == 303
        assert await saved_hours() == "Tu-Th 10:00-12:00; Fr 13:00-16:00; PH off"
        shown = await browser.get(path, headers=english)
        assert 'name="editor" value="week" checked' in shown.text
        assert 'name="week-replace"' not in shown.text

        # Kept as text, whatever the days show: the rule stays.
        form = browser_form(shown.text)
        kept = {**form, "editor": "text", "opening_hours": "We[-1] 14:00-16:00; PH off"}
        assert (await browser.post(path, data=kept)).status_code == 303
        assert await saved_hours() == "We[-1] 14:00-16:00; PH off"
        dutch = await browser.get(path, headers={"Accept-Language": "nl"})
        assert 'name="week-holidays" value="1" checked' in dutch.text
        assert "<code>We[-1] 14:00-16:00</code>" in dutch.text


async def test_hours_typed_as_text_in_day_by_day_mode_are_not_dropped(
    base_url: str, demo: Demo
) -> None:
    """The text changed and not the days: the text is saved, whichever mode is chosen; both
    changed: the mode chosen decides."""
    path = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    english = {"Accept-Language": "en"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        form = browser_form((await browser.get(path, headers=english)).text)
        week = {**form, "editor": "text", "opening_hours": "Mo-Fr 09:00-12:00"}
        assert (await browser.post(path, data=week)).status_code == 303
        shown = await browser.get(path, headers=english)
        assert 'name="editor" value="week" checked' in shown.text
        typed = {**browser_form(shown.text), "opening_hours": "Tu,Th 10:00-11:00"}
        assert typed["editor"] == "week"
        assert (await browser.post(path, data=typed)).status_code == 303
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        place = next(p for p in service["places"] if p["place_id"] == str(demo.place_id))
        assert place["opening_hours"] == "Tu,Th 10:00-11:00"

        # Both changed: the editor chosen is saved, as the person sees it chosen.
        both = {
            **browser_form((await browser.get(path, headers=english)).text),
            "editor": "week",
            "opening_hours": "Sa 10:00-12:00",
            "week-mo-0-opens": "08:00",
            "week-mo-0-closes": "09:00",
        }
        assert (await browser.post(path, data=both, headers=english)).status_code == 303
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        place = next(p for p in service["places"] if p["place_id"] == str(demo.place_id))
        assert place["opening_hours"].startswith("Mo 08:00-09:00")


async def test_a_coordinator_outside_any_organisation_is_told_where_referrals_show(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # A coordinator reads no referral (only the two organisations do): the dashboard does not
    # offer boxes that stay empty ("none waiting") but the network's figures.
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        dashboard = (await browser.get("/workspace/")).text
    section = dashboard[dashboard.index('id="referrals-title"') :]
    section = section[: section.index("</section>")]
    assert "none waiting for an answer" not in section
    assert "only the members of the two organisations involved" in section
    assert 'href="/workspace/statistics/"' in section


async def test_without_a_mail_server_the_coordinator_is_led_to_the_mails_kept(
    base_url: str, pool: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        dashboard = (await browser.get("/workspace/")).text
        assert "No mail server is configured" in dashboard
        assert '<a href="/dev/mails">' in dashboard
        assert (await browser.get("/dev/mails")).status_code == 200
