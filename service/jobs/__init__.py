"""Background jobs run by `boussole serve` and `boussole worker`.

Each task is a coroutine function taking the pool and the settings and running until
cancelled. Domains add theirs to TASKS.
"""

from __future__ import annotations

from typing import Any

TASKS: list[Any] = []

from service.referrals.jobs import TASKS as REFERRAL_TASKS  # noqa: E402 - domains append below

TASKS.extend(REFERRAL_TASKS)

from service.mail.sender import run_mail_sender  # noqa: E402 - domains append below

TASKS.append(run_mail_sender)

from service.search.worker import run_search_outbox  # noqa: E402 - domains append below

TASKS.append(run_search_outbox)

from service.accounts.housekeeping import run_accounts_housekeeping  # noqa: E402

TASKS.append(run_accounts_housekeeping)
