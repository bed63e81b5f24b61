"""Requests that read kernel state for a front end's panels: ``variables`` and
``table_page`` (docs/protocol.md, "Variables and table pages").

Parsed here, pure, like the other requests in :mod:`.protocol`; the kernel side
is in ``runtime/variables.py`` and ``runtime/table_page.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .notebook import OpError


@dataclass(frozen=True, slots=True)
class Variables:
    req: Any
    subscribe: bool | None
    """True: publish a ``variables`` event after every cascade; False: stop; None: as is."""


@dataclass(frozen=True, slots=True)
class TablePage:
    req: Any
    name: str
    offset: int
    limit: int
    sort_column: str | None
    descending: bool


OPS = ("variables", "table_page")


def _int(data: dict[str, Any], key: str, default: int, op: str) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OpError("bad_request", f"'{op}': '{key}' must be a whole number of at least 0.")
    return value


def parse(op: str, req: Any, data: dict[str, Any]) -> Variables | TablePage:
    """One of :data:`OPS` as a typed request; :class:`OpError` if invalid."""
    if op == "variables":
        subscribe = data.get("subscribe")
        if subscribe is not None and not isinstance(subscribe, bool):
            raise OpError("bad_request", "'variables': 'subscribe' must be true or false.")
        return Variables(req, subscribe)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise OpError("bad_request", "'table_page' needs 'name', the variable holding the table.")
    sort = data.get("sort")
    column: str | None = None
    descending = False
    if sort is not None:
        if not isinstance(sort, dict) or not isinstance(sort.get("column"), str):
            raise OpError(
                "bad_request",
                "'table_page': 'sort' must be {\"column\": NAME, \"descending\": true|false}.",
            )
        column = sort["column"]
        descending = sort.get("descending", False) is True
    return TablePage(
        req,
        name,
        _int(data, "offset", 0, "table_page"),
        max(1, _int(data, "limit", 50, "table_page")),
        column,
        descending,
    )
