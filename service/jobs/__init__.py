"""Background jobs run by `boussole serve` and `boussole worker`.

Each task is a coroutine function taking the pool and the settings and running until
cancelled: search indexing, mail sending, referral expiry/reminders/erasure and webhooks,
account housekeeping, old reports. A domain adds its tasks here.
"""

from __future__ import annotations

from typing import Any

from service.accounts.housekeeping import run_accounts_housekeeping
from service.catalogue.reports import run_report_purge
from service.mail.sender import run_mail_sender
from service.referrals.jobs import TASKS as REFERRAL_TASKS
from service.search.worker import run_search_outbox

TASKS: list[Any] = [
    run_search_outbox,
    run_mail_sender,
    *REFERRAL_TASKS,
    run_accounts_housekeeping,
    run_report_purge,
]
