"""Pure rules of referrals: the status model, codes, small-count hiding, slips, signatures."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from itertools import product

import pytest

from schemas.referrals import Stats
from service.errors import Conflict, Forbidden
from service.hours import TZ
from service.mail import render_mail
from service.referrals import stats
from service.referrals.jobs import retry_delay, signature
from service.referrals.policy import Policy
from service.referrals.reference import ALPHABET, new_reference, normalise
from service.referrals.slip import choose_language, format_opening, map_url
from service.referrals.workflow import FINAL, OPEN, TRANSITIONS, is_final, transition
from service.settings import Settings

STATUSES = sorted(OPEN | FINAL)


def test_receiver_answers_sender_cancels() -> None:
    assert transition("accept", "sent", {"receiver"}).target == "accepted"
    assert transition("decline", "sent", {"receiver"}).target == "declined"
    assert transition("redirect", "accepted", {"receiver"}).target == "redirected"
    assert transition("close", "accepted", {"receiver"}).target == "closed"
    assert transition("cancel", "accepted", {"sender"}).target == "cancelled"
    assert transition("expire", "sent", {"system"}).target == "expired"
    # Someone in both organisations may take either side's actions.
    assert transition("cancel", "sent", {"sender", "receiver"}).target == "cancelled"


def test_wrong_side_is_403_before_the_status_is_looked_at() -> None:
    with pytest.raises(Forbidden, match="receiving organisation"):
        transition("accept", "closed", {"sender"})
    with pytest.raises(Forbidden, match="sending organisation"):
        transition("cancel", "sent", {"receiver"})
    with pytest.raises(Forbidden):
        transition("expire", "sent", {"sender", "receiver"})


def test_final_statuses_allow_nothing() -> None:
    for status, (action, rule) in product(FINAL, TRANSITIONS.items()):
        with pytest.raises(Conflict) as error:
            transition(action, status, {rule.side})
        assert status in str(error.value.detail)
    assert all(is_final(s) for s in FINAL) and not any(is_final(s) for s in OPEN)


def test_every_status_is_reachable_from_sent() -> None:
    reached = {"sent"}
    changed = True
    while changed:
        changed = False
        for rule in TRANSITIONS.values():
            if rule.sources & reached and rule.target not in reached:
                reached.add(rule.target)
                changed = True
    assert reached == set(STATUSES)


def test_reference_codes_are_readable() -> None:
    codes = {new_reference() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        head, tail = code.split("-")
        assert len(head) == 3 and len(tail) == 4
        assert set(head + tail) <= set(ALPHABET)
    assert not set("0O1IL2Z5S8B") & set(ALPHABET)
    assert normalise(" kx7 m4pq ") == "KX7-M4PQ"


def test_small_counts_and_the_rates_that_would_reveal_them_are_hidden() -> None:
    assert [stats.hide(n) for n in (0, 1, 4, 5, 99)] == [0, None, None, 5, 99]
    assert stats.rate(5, 10) == 0.5
    assert stats.rate(0, 10) == 0.0
    assert stats.rate(10, 10) == 1.0
    assert stats.rate(3, 10) is None  # 3 accepted
    assert stats.rate(8, 10) is None  # 2 not accepted
    assert stats.rate(2, 4) is None


def test_a_group_never_hides_one_count_alone_nor_counts_that_add_up_to_less_than_5() -> None:
    def hidden_after(total: int, parts: list[int]) -> list[int]:
        cells = [stats.Cell.of(n) for n in parts]
        stats.suppress([stats.Group(stats.Cell.of(total), cells)])
        return [c.count for c in cells if c.hidden]

    assert hidden_after(12, [5, 6, 1]) == [5, 1]  # the next smallest goes with the 1
    assert hidden_after(7, [6, 1]) == [6, 1]
    assert hidden_after(20, [10, 8, 1, 1]) == [8, 1, 1]  # 1 + 1 would be two ones
    assert hidden_after(13, [5, 0, 4, 4]) == [4, 4]  # 8 hidden: 1 to 7 each, unknown
    assert hidden_after(12, [6, 6, 0]) == []  # nothing hidden, nothing to protect
    assert hidden_after(3, [1, 2]) == [1, 2]  # the total itself is hidden
    ones = hidden_after(25, [20, 1, 1, 1, 1, 1])
    assert ones == [20, 1, 1, 1, 1, 1]  # five hidden ones adding up to 5 are all ones


def test_a_hidden_total_protects_its_parts_as_if_it_were_shown() -> None:
    declined = stats.Cell(6, hidden=True)  # hidden beside a smaller count elsewhere
    reasons = [stats.Cell.of(6)]
    stats.suppress([stats.Group(declined, reasons)])
    assert reasons[0].hidden  # 6 for capacity would give the 6 declined back
    # A rate that would give back a hidden count is hidden itself, not another count.
    closed_loop = stats.Cell(8)
    finals = [stats.Cell.of(6), stats.Cell.of(2)]
    stats.suppress([stats.Group(closed_loop, finals, rate=True)])
    assert closed_loop.hidden and [c.hidden for c in finals] == [False, True]


def test_csv_marks_hidden_counts() -> None:
    empty = Stats(
        from_date=None,
        to_date=None,
        organisation_id=None,
        total=None,
        per_month=[],
        per_theme=[],
        per_organisation=[],
        statuses=[stats.Count(key="sent", count=None), stats.Count(key="closed", count=7)],
        outcomes=[],
        decline_reasons=[],
        acceptance_rate=None,
        median_hours_to_answer=None,
        closed_loop_rate=None,
        unmet_needs=[],
    )
    text = stats.to_csv(empty)
    assert text.startswith("\ufeffsection,key,metric,value\r\n")  # the mark Excel needs
    assert "summary,,total,hidden" in text
    assert "status,sent,count,hidden" in text and "status,closed,count,7" in text
    assert "summary,,acceptance_rate,\r\n" in text


def test_csv_texts_that_a_spreadsheet_would_run_start_with_an_apostrophe() -> None:
    assert stats.text_cell('=HYPERLINK("https://evil.example/","x")').startswith("'=")
    for start in ("+", "-", "@", "\t", "\r"):
        assert stats.text_cell(start + "cmd|' /C calc'!A0") == "'" + start + "cmd|' /C calc'!A0"
    # Numbers, negative ones too, and ordinary texts are left as they are.
    assert [stats.text_cell(v) for v in (-3, 0.5, "-3", "+2.5", "CPAS", "2026-01", "<5")] == [
        -3,
        0.5,
        "-3",
        "+2.5",
        "CPAS",
        "2026-01",
        "<5",
    ]


def test_slip_helpers() -> None:
    assert map_url(50.4786, 4.1872, "x") == (
        "https://www.openstreetmap.org/?mlat=50.478600&mlon=4.187200#map=18/50.478600/4.187200"
    )
    assert map_url(None, None, "Rue Albert Ier 12, 7100 La Louvière").endswith(
        "query=Rue+Albert+Ier+12%2C+7100+La+Louvi%C3%A8re"
    )
    start = datetime(2026, 9, 28, 9, 0, tzinfo=TZ)
    assert format_opening(start, start + timedelta(hours=3), "fr") == "lundi 28/09 09:00–12:00"
    assert format_opening(start, start + timedelta(hours=3), "nl").startswith("maandag")
    assert choose_language(None, ["ar", "nl", "fr"]) == "nl"
    assert choose_language("en", ["nl"]) == "en"
    assert choose_language(None, ["ar"]) == "fr"


def test_webhook_signature_is_hmac_sha256_of_the_body() -> None:
    body = b'{"status":"accepted"}'
    expected = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert signature("secret", body) == f"sha256={expected}"
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_delay(20) == timedelta(hours=6)


def test_policy_from_environment() -> None:
    assert Policy.from_settings(Settings.from_env({})) == Policy()
    policy = Policy.from_settings(
        Settings.from_env(
            {
                "BOUSSOLE_REFERRAL_EXPIRY_DAYS": "14",
                "BOUSSOLE_REFERRAL_REMINDER_DAYS": "1, 3",
                "BOUSSOLE_REFERRAL_RETENTION_DAYS": "180",
            }
        )
    )
    assert policy.expiry == timedelta(days=14)
    assert policy.reminder_days == (3, 1)
    assert policy.retention == timedelta(days=180)


@pytest.mark.parametrize(
    ("template", "language"),
    list(
        product(
            [
                "referral_received",
                "referral_answered",
                "referral_cancelled",
                "referral_expired",
                "referral_reminder",
                "referral_message",
            ],
            ["fr", "nl", "en"],
        )
    ),
)
def test_every_mail_renders_in_every_language(template: str, language: str) -> None:
    context = {
        "reference": "KX7-M4PQ",
        "service_name": "Épicerie <sociale>",
        "from_organisation": "CPAS",
        "to_organisation": "Épicerie",
        "status": "redirected",
        "urgent": True,
        "referral_url": "https://b.example.org/referrals/1",
        "slip_url": "https://b.example.org/referrals/1/slip",
        "days_left": 2,
        "expires_on": "2026-12-01",
        "new_reference": "AAA-CCCC",
        "new_service_name": "Logement",
        "new_organisation": "Logetoît",
    }
    mail = render_mail(template, language, context)
    assert mail.language == language
    assert "KX7-M4PQ" in mail.subject + mail.text
    assert "https://b.example.org/referrals/1" in mail.text and "{{" not in mail.text
    assert "Épicerie &lt;sociale&gt;" in mail.html
    if template == "referral_answered":
        assert "AAA-CCCC" in mail.text
        del context["new_reference"]
        assert "AAA-CCCC" not in render_mail(template, language, context).text
