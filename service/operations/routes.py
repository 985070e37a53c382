"""`GET /api/v1/operations`: whether the background work keeps up, for monitoring."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State

from schemas.operations import OperationsStatus
from service.accounts.identity import require
from service.operations.status import status_for
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
        return await status_for(conn, state.settings)


CONTROLLERS = [OperationsController]
