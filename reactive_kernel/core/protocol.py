"""The ``reactive`` comm protocol: request schemas and event builders.

Requests arrive as ``comm_msg`` data. :func:`parse_request` turns one into a
typed request or raises :class:`~reactive_kernel.core.notebook.OpError` with a
code and one clear sentence, so the kernel replies ``ok: false`` and changes
nothing. Events are plain dicts built here, so their shape is defined once.
See PROTOCOL.md section 3 (and docs/protocol.md in this repository).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import inspect_requests
from .cells import Cell
from .modes import MODES
from .notebook import OpError
from .quoting import quote

COMM_ID = "reactive"
TARGET_NAME = "reactive"
PROTOCOL_VERSION = 2
DEFAULT_MAX_CODE = 1 << 20
"""Longest code accepted in one request (characters); bigger is a ``bad_request``."""


@dataclass(frozen=True, slots=True)
class Create:
    req: Any
    cell_type: str
    after: str | None
    cell_id: str | None
    code: str
    name: str | None


@dataclass(frozen=True, slots=True)
class Register:
    req: Any
    cell_id: str
    code: str
    run: bool
    name: str | None
    cell_type: str | None = None
    """A new type for the cell (``python``, ``sql`` or ``markdown``)."""


@dataclass(frozen=True, slots=True)
class Run:
    req: Any
    cell_id: str


@dataclass(frozen=True, slots=True)
class Delete:
    req: Any
    cell_id: str


@dataclass(frozen=True, slots=True)
class Move:
    req: Any
    cell_id: str
    after: str | None


@dataclass(frozen=True, slots=True)
class SetDatabase:
    req: Any
    url: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    req: Any


@dataclass(frozen=True, slots=True)
class RunAll:
    req: Any


@dataclass(frozen=True, slots=True)
class Configure:
    """Client preferences for the kernel (e.g. a front end that shows cascades
    itself turns the text summary off)."""

    req: Any
    summary: bool | None
    status_events: str | None = None
    """``batched`` or ``per_cell``: the form of cascade status events."""
    mode: str | None = None
    """``auto`` or ``lazy`` (PROTOCOL.md section 8); saved in the file header."""
    cache_limit_mb: int | None = None
    """Size bound of the result cache, in MiB."""


@dataclass(frozen=True, slots=True)
class Export:
    """The notebook as one self-contained page (core/export_html.py)."""

    req: Any
    format: str = "html"



@dataclass(frozen=True, slots=True)
class ConfigureCell:
    """A cell's options (PROTOCOL.md section 8); ``None`` leaves one as it is."""

    req: Any
    cell_id: str
    disabled: bool | None
    cache: bool | None


@dataclass(frozen=True, slots=True)
class ClearCache:
    req: Any
    cell_id: str | None


Request = (
    Create
    | Register
    | Run
    | RunAll
    | Delete
    | Move
    | SetDatabase
    | Snapshot
    | Configure
    | ConfigureCell
    | ClearCache
    | Export
)


class _Args:
    """Typed access to a request's arguments, each failure a clear sentence."""

    def __init__(self, data: dict[str, Any], op: str, max_code: int) -> None:
        self.data, self.op, self.max_code = data, op, max_code

    def _bad(self, key: str, expected: str) -> OpError:
        got = type(self.data[key]).__name__
        return OpError("bad_request", f"'{self.op}': '{key}' must be {expected}, not {got}.")

    def text(self, key: str) -> str:
        if key not in self.data:
            raise OpError("bad_request", f"'{self.op}' needs the argument '{key}'.")
        value = self.data[key]
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def opt_text(self, key: str) -> str | None:
        if self.data.get(key) is None:
            return None
        return self.text(key)

    def code(self, key: str = "code", default: str | None = None) -> str:
        if default is not None and key not in self.data:
            return default
        value = self.text(key)
        if len(value) > self.max_code:
            raise OpError(
                "bad_request",
                f"'{self.op}': code of {len(value)} characters is over the limit "
                f"of {self.max_code}.",
            )
        return value

    def opt_flag(self, key: str) -> bool | None:
        return None if self.data.get(key) is None else self.flag(key)

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self._bad(key, "true or false")
        return value


def parse_request(data: object, max_code: int = DEFAULT_MAX_CODE) -> Request:
    """Validate ``comm_msg`` data into a request; :class:`OpError` if invalid."""
    if not isinstance(data, dict):
        raise OpError("bad_request", f"A request must be a JSON object, not {type(data).__name__}.")
    op = data.get("op")
    if op is None:
        raise OpError("bad_request", "The request has no 'op'.")
    if not isinstance(op, str):
        raise OpError("bad_request", f"'op' must be a string, not {type(op).__name__}.")
    req = data.get("req")
    if req is not None and not isinstance(req, (str, int, float)):
        raise OpError("bad_request", "'req' must be a string or a number.")
    a = _Args(data, op, max_code)
    if op == "create":
        return Create(
            req,
            cell_type=a.opt_text("cell_type") or "python",
            after=a.opt_text("after"),
            cell_id=a.opt_text("cell_id"),
            code=a.code(default=""),
            name=a.opt_text("name"),
        )
    if op == "register":
        return Register(
            req, a.text("cell_id"), a.code(), a.flag("run"), a.opt_text("name"),
            a.opt_text("cell_type"),
        )  # fmt: skip
    if op == "run":
        return Run(req, a.text("cell_id"))
    if op == "run_all":
        return RunAll(req)
    if op == "delete":
        return Delete(req, a.text("cell_id"))
    if op == "move":
        if "after" not in data:
            raise OpError(
                "bad_request", "'move' needs the argument 'after' (a cell id, '^' or null)."
            )
        return Move(req, a.text("cell_id"), a.opt_text("after"))
    if op == "set_database":
        return SetDatabase(req, a.text("url"))
    if op == "snapshot":
        return Snapshot(req)
    if op == "configure":
        summary = data.get("summary")
        if summary is not None and not isinstance(summary, bool):
            raise OpError("bad_request", "'configure': 'summary' must be true or false.")
        form = data.get("status_events")
        if form is not None and form not in STATUS_EVENTS:
            raise OpError(
                "bad_request",
                "'configure': 'status_events' must be \"batched\" or \"per_cell\".",
            )
        mode = data.get("mode")
        if mode is not None and mode not in MODES:
            raise OpError("bad_request", "'configure': 'mode' must be \"auto\" or \"lazy\".")
        limit = data.get("cache_limit_mb")
        if limit is not None and (type(limit) is not int or limit < 1):
            raise OpError(
                "bad_request", "'configure': 'cache_limit_mb' must be a whole number of MiB, >= 1."
            )
        return Configure(req, summary, form, mode, limit)
    if op == "configure_cell":
        return ConfigureCell(req, a.text("cell_id"), a.opt_flag("disabled"), a.opt_flag("cache"))
    if op == "clear_cache":
        return ClearCache(req, a.opt_text("cell_id"))
    if op == "export":
        if (a.opt_text("format") or "html") != "html":
            raise OpError("bad_request", "'export': the only format is \"html\".")
        return Export(req)
    if op in inspect_requests.OPS:
        return inspect_requests.parse(op, req, data)  # type: ignore[return-value]
    raise OpError(
        "unknown_op",
        f"Unknown op {quote(op)}: use create, register, run, run_all, delete, move, "
        "set_database, snapshot, configure, configure_cell, clear_cache, export, "
        "variables or table_page.",
    )


def request_id(data: object) -> Any:
    """The ``req`` of a request, best effort, for replying to an invalid one."""
    if isinstance(data, dict):
        req = data.get("req")
        if req is None or isinstance(req, (str, int, float)):
            return req
    return None


# -- events -------------------------------------------------------------------


def reply(req: Any, **fields: Any) -> dict[str, Any]:
    return {"event": "reply", "req": req, "ok": True, **fields}


def error_reply(req: Any, code: str, message: str) -> dict[str, Any]:
    return {"event": "reply", "req": req, "ok": False, "error": {"code": code, "message": message}}


def status_entry(cell: Cell) -> dict[str, Any]:
    """A cell's status, execution count and error, as cascades report them."""
    return {
        "cell_id": cell.id,
        "status": cell.status.value,
        "execution_count": cell.execution_count,
        "error": cell.error.to_dict() if cell.error else None,
    }


def changed_entry(cell: Cell) -> dict[str, Any]:
    """An entry of the ``statuses`` of ``cell_created``/``cell_updated``/``cell_deleted``:
    the status entry plus the cell's diagnostics and ``disabled_by``, which an
    operation on another cell can change (a cascade cannot, so ``cell_status``
    events do not carry them)."""
    return {
        **status_entry(cell),
        "diagnostics": [d.to_dict() for d in cell.diagnostics],
        "disabled_by": cell.disabled_by,
    }


def cell_created(
    cell: dict[str, Any],
    index: int,
    statuses: list[dict[str, Any]],
    parents: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """``cell`` is the cell's dict (with ``parents``); ``parents`` maps other
    cells whose parents changed to their new parents."""
    return {
        "event": "cell_created",
        "cell": cell,
        "index": index,
        "statuses": statuses,
        "parents": parents or {},
    }


def cell_updated(
    cell: dict[str, Any],
    statuses: list[dict[str, Any]],
    parents: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    return {"event": "cell_updated", "cell": cell, "statuses": statuses, "parents": parents or {}}


def cell_deleted(
    cell_id: str, statuses: list[dict[str, Any]], parents: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {
        "event": "cell_deleted",
        "cell_id": cell_id,
        "statuses": statuses,
        "parents": parents or {},
    }


def cell_moved(cell_id: str, index: int) -> dict[str, Any]:
    return {"event": "cell_moved", "cell_id": cell_id, "index": index}


def cascade_started(
    cascade_id: str, op: str, cell_id: str | None, plan: list[str], name: str | None = None
) -> dict[str, Any]:
    """Every cell in ``plan`` is ``queued`` from this event on. ``name`` is the
    input's name for a widget-triggered cascade (op ``widget``)."""
    trigger: dict[str, Any] = {"op": op, "cell_id": cell_id}
    if name is not None:
        trigger["name"] = name
    return {
        "event": "cascade_started",
        "cascade_id": cascade_id,
        "trigger": trigger,
        "plan": plan,
    }


StatusChange = tuple[str, str, "int | None", "dict[str, Any] | None", int, bool]
"""One status change in a cascade: cell id, status, execution count, error, plan
index, and whether the result came from the cache (PROTOCOL.md section 8)."""

STATUS_EVENTS = ("batched", "per_cell")
"""The forms of a cascade's status events: ``cell_statuses`` batches (the
default) or one ``cell_status`` per change; chosen by ``configure``."""


def status_change(cell: Cell, index: int) -> StatusChange:
    """A cell's current status as one change (cheap: a tuple, no dicts)."""
    error = cell.error
    return (
        cell.id,
        cell.status.value,
        cell.execution_count,
        None if error is None else error.to_dict(),
        index,
        cell.cached,
    )


def cell_status_event(change: StatusChange, cascade_id: str, total: int) -> dict[str, Any]:
    """The per-cell form: one change, one event."""
    cell_id, status, count, error, index, cached = change
    event = {
        "event": "cell_status",
        "cell_id": cell_id,
        "status": status,
        "execution_count": count,
        "error": error,
        "cascade_id": cascade_id,
        "index": index,
        "total": total,
    }
    if cached:
        event["cached"] = True
    return event


def cell_status(cell: Cell, cascade_id: str, index: int, total: int) -> dict[str, Any]:
    return cell_status_event(status_change(cell, index), cascade_id, total)


def cell_statuses(changes: list[StatusChange], cascade_id: str, total: int) -> dict[str, Any]:
    """The batched form: changes of one cascade, in the order they happened."""
    return {
        "event": "cell_statuses",
        "cascade_id": cascade_id,
        "total": total,
        "statuses": [
            (
                {"cell_id": c, "status": s, "execution_count": n, "error": e, "index": i}
                if not cached
                else {
                    **{"cell_id": c, "status": s, "execution_count": n, "error": e, "index": i},
                    "cached": True,
                }
            )
            for c, s, n, e, i, cached in changes
        ],
    }


def per_cell_statuses(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``cell_status`` events a status event stands for (either form);
    ``[]`` for any other event. For clients that handle one change at a time."""
    event = data.get("event")
    if event == "cell_status":
        return [data]
    if event != "cell_statuses":
        return []
    head = {
        "event": "cell_status",
        "cascade_id": data.get("cascade_id"),
        "total": data.get("total"),
    }
    return [{**head, **entry} for entry in data.get("statuses") or ()]


def cascade_finished(
    cascade_id: str, ran: int, succeeded: int, failed: int, skipped: int, duration_ms: float
) -> dict[str, Any]:
    return {
        "event": "cascade_finished",
        "cascade_id": cascade_id,
        "ran": ran,
        "succeeded": succeeded,
        "failed": failed,
        "skipped": skipped,
        "duration_ms": round(duration_ms, 3),
    }
