"""Handlers of the panel requests (``variables``, ``table_page``) for the comm router
in :mod:`.service`; kept apart so the service stays about cell operations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .core import inspect_requests
from .runtime.table_page import Sort, table_page
from .runtime.variables import VariablesFeed

if TYPE_CHECKING:
    from .service import ReactiveService


def variables_feed(svc: ReactiveService) -> VariablesFeed:
    """The feed over the service's shell namespace and graph."""
    shell = svc.executor.shell
    return VariablesFeed(
        lambda: shell.user_ns,
        lambda: shell.user_ns_hidden,
        svc.notebook.graph.owner,
        svc.publisher.event,
    )


async def _variables(
    svc: ReactiveService, r: inspect_requests.Variables, parent: dict[str, Any]
) -> dict[str, Any]:
    if r.subscribe is not None:
        svc.variables.subscribed = r.subscribe
    return {"variables": svc.variables.current(), "subscribed": svc.variables.subscribed}


async def _table_page(
    svc: ReactiveService, r: inspect_requests.TablePage, parent: dict[str, Any]
) -> dict[str, Any]:
    sort = None if r.sort_column is None else Sort(r.sort_column, r.descending)
    return {"page": table_page(svc.executor.shell.user_ns, r.name, r.offset, r.limit, sort)}


ROUTES: dict[type, Callable[[Any, Any, dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    inspect_requests.Variables: _variables,
    inspect_requests.TablePage: _table_page,
}
