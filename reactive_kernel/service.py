"""The reactive operations, shared by the comm protocol and execute requests.

:class:`ReactiveService` turns a validated request into notebook changes,
publishes the resulting events once, and runs cascades. The comm router at the
bottom is the whole of the request dispatch: one handler per request type.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from .core import protocol
from .core.cells import Status
from .core.notebook import Change, Notebook, OpError
from .runtime.cascade import CascadeResult, CascadeRunner, Publisher, Trigger, remove_names
from .runtime.executor import Executor
from .runtime.recording import OutputRouter


class ReactiveService:
    """Cell operations over one notebook, one shell namespace and one publisher."""

    def __init__(
        self,
        notebook: Notebook,
        runner: CascadeRunner,
        executor: Executor,
        router: OutputRouter,
        publisher: Publisher,
        namespace: Callable[[], dict[str, Any]],
        max_code: int = protocol.DEFAULT_MAX_CODE,
    ) -> None:
        self.notebook = notebook
        self.runner = runner
        self.executor = executor
        self.router = router
        self.publisher = publisher
        self.namespace = namespace
        self.max_code = max_code
        self.database: str | None = None
        self.notebook_path: str | None = None

    # -- helpers ------------------------------------------------------------

    def _statuses(self, change: Change) -> list[dict[str, Any]]:
        cells = self.notebook.cells
        return [protocol.status_entry(cells[c]) for c in change.changed]

    def _apply(self, change: Change) -> None:
        if change.remove_names:
            remove_names(self.namespace(), change.remove_names)

    def _check_type(self, cell_type: str) -> None:
        if cell_type == "sql":
            raise OpError(
                "bad_cell_type", "SQL cells are not supported by this kernel version yet."
            )

    # -- operations ---------------------------------------------------------

    def create(
        self,
        parent: dict[str, Any],
        cell_type: str = "python",
        code: str = "",
        after: str | None = None,
        cell_id: str | None = None,
        name: str | None = None,
    ) -> str:
        cell_id = cell_id if cell_id is not None else uuid.uuid4().hex[:16]
        self.notebook.validate_new(cell_id, cell_type, after)
        self._check_type(cell_type)
        cell, index, change = self.notebook.create(cell_id, cell_type, code, after, name)
        self._apply(change)
        self.publisher.event(protocol.cell_created(cell, index, self._statuses(change)), parent)
        return cell_id

    def register(
        self, parent: dict[str, Any], cell_id: str, code: str, name: str | None = None
    ) -> None:
        cell = self.notebook.cell(cell_id)
        if code == cell.code and (name is None or name == cell.name):
            return
        change = self.notebook.register(cell_id, code, name=name)
        self.executor.forget(cell_id)
        self._apply(change)
        self.publisher.event(protocol.cell_updated(cell, self._statuses(change)), parent)

    def delete(self, parent: dict[str, Any], cell_id: str) -> set[str]:
        """Delete a cell; returns its former descendants (to be re-run)."""
        _, below, change = self.notebook.delete(cell_id)
        self.executor.forget(cell_id)
        self.router.forget(cell_id)
        self._apply(change)
        self.publisher.event(protocol.cell_deleted(cell_id, self._statuses(change)), parent)
        return below

    def move(self, parent: dict[str, Any], cell_id: str, after: str | None) -> int:
        index = self.notebook.move(cell_id, after)
        self.publisher.event(protocol.cell_moved(cell_id, index), parent)
        return index

    async def cascade(
        self, roots: Iterable[str], trigger: Trigger, include_roots: bool = True
    ) -> CascadeResult | None:
        roots = [r for r in roots if r in self.notebook]
        plan = self.notebook.plan(roots, include_roots=include_roots)
        if not plan.order and not plan.blocked:
            return None
        return await self.runner.run(plan, trigger)

    def snapshot(self) -> dict[str, Any]:
        return {
            "cells": [c.to_dict() for c in self.notebook.cells],
            "database": self.database,
            "notebook_path": self.notebook_path,
            "protocol": protocol.PROTOCOL_VERSION,
        }

    # -- execute requests ---------------------------------------------------

    async def execute_cell(
        self, parent: dict[str, Any], cell_id: str, code: str, deleted: Iterable[str] = ()
    ) -> CascadeResult | None:
        """JupyterLab-style: delete ``deleted``, upsert the cell, run it."""
        below: set[str] = set()
        for gone in deleted:
            if gone in self.notebook and gone != cell_id:
                below |= self.delete(parent, gone)
        if cell_id in self.notebook:
            self.register(parent, cell_id, code)
        else:
            self.create(parent, code=code, cell_id=cell_id)
        trigger = Trigger("execute", cell_id, parent, own_cell=cell_id)
        return await self.cascade({cell_id} | below, trigger)

    async def after_scratch(
        self, parent: dict[str, Any], bound: Iterable[str]
    ) -> CascadeResult | None:
        """Console-style: re-run every cell that reads a name the input bound."""
        graph = self.notebook.graph
        readers = {c for name in bound for c in graph.readers(name)}
        if not readers:
            return None
        return await self.cascade(readers, Trigger("execute", None, parent, inline=True))

    # -- the comm router ----------------------------------------------------

    async def handle(self, data: object, parent: dict[str, Any]) -> None:
        """Handle one comm request; exactly one ``reply`` event results."""
        try:
            request = protocol.parse_request(data, self.max_code)
            handler = _ROUTES[type(request)]
            fields = await handler(self, request, parent)
        except OpError as exc:
            self.publisher.event(
                protocol.error_reply(protocol.request_id(data), exc.code, exc.message), parent
            )
            return
        self.publisher.event(protocol.reply(request.req, **fields), parent)


async def _create(
    svc: ReactiveService, r: protocol.Create, parent: dict[str, Any]
) -> dict[str, Any]:
    return {"cell_id": svc.create(parent, r.cell_type, r.code, r.after, r.cell_id, r.name)}


async def _register(
    svc: ReactiveService, r: protocol.Register, parent: dict[str, Any]
) -> dict[str, Any]:
    svc.register(parent, r.cell_id, r.code, r.name)
    fields: dict[str, Any] = {"cell_id": r.cell_id}
    if r.run:
        result = await svc.cascade([r.cell_id], Trigger("register", r.cell_id, parent))
        fields["cascade_id"] = result.cascade_id if result else None
    return fields


async def _run(svc: ReactiveService, r: protocol.Run, parent: dict[str, Any]) -> dict[str, Any]:
    cell = svc.notebook.cell(r.cell_id)
    result = await svc.cascade([r.cell_id], Trigger("run", r.cell_id, parent))
    return {
        "cell_id": r.cell_id,
        "status": cell.status.value,
        "cascade_id": result.cascade_id if result else None,
    }


async def _delete(
    svc: ReactiveService, r: protocol.Delete, parent: dict[str, Any]
) -> dict[str, Any]:
    below = svc.delete(parent, r.cell_id)
    result = await svc.cascade(below, Trigger("delete", r.cell_id, parent))
    return {"cell_id": r.cell_id, "cascade_id": result.cascade_id if result else None}


async def _move(svc: ReactiveService, r: protocol.Move, parent: dict[str, Any]) -> dict[str, Any]:
    return {"cell_id": r.cell_id, "index": svc.move(parent, r.cell_id, r.after)}


async def _set_database(
    svc: ReactiveService, r: protocol.SetDatabase, parent: dict[str, Any]
) -> dict[str, Any]:
    raise OpError("unsupported", "set_database needs SQL support, which this kernel version lacks.")


async def _snapshot(
    svc: ReactiveService, r: protocol.Snapshot, parent: dict[str, Any]
) -> dict[str, Any]:
    return {"snapshot": svc.snapshot()}


_ROUTES: dict[type, Callable[[ReactiveService, Any, dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    protocol.Create: _create,
    protocol.Register: _register,
    protocol.Run: _run,
    protocol.Delete: _delete,
    protocol.Move: _move,
    protocol.SetDatabase: _set_database,
    protocol.Snapshot: _snapshot,
}

__all__ = ["ReactiveService", "Status"]
