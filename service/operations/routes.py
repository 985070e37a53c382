"""`GET /api/v1/operations`: whether the background work keeps up, for monitoring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar import Controller, get
from litestar.datastructures import State

from schemas.operations import OperationsStatus
from service.accounts.identity import require
from service.operations.status import operations_status
from service.web_common import Caller, Conn


class OperationsController(Controller):
    """The state of the queues and jobs; coordinators only (it says how busy the network is)."""

    path = "/api/v1/operations"
    tags = ["operations"]

    @get("/", operation_id="operationsStatus")
    async def status(self, state: State, conn: Conn, identity: Caller) -> OperationsStatus:
        """Search sync, mail and webhook queues, late expiry and erasure; `status` is
        `attention` with a sentence for each thing to look at."""
        require(identity).require_coordinator("see the state of the background work")
        retention = timedelta(days=state.settings.referral_retention_days)
        return await operations_status(
            conn, datetime.now(UTC), retention, mail_server=bool(state.settings.smtp_url)
        )


CONTROLLERS = [OperationsController]
