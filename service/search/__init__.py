"""Search: the /api/v1/search controller, the engines wired to the app, the worker and CLI."""

from service.search.engines import SearchRuntime
from service.search.routes import CONTROLLERS

__all__ = ["CONTROLLERS", "SearchRuntime"]
