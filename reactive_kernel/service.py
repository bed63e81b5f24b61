"""The reactive operations, shared by the comm protocol and execute requests.

:class:`ReactiveService` turns a validated request into notebook changes,
publishes the resulting events once, and runs cascades. The comm router at the
bottom is the whole of the request dispatch: one handler per request type.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from . import inspect_routes
from .core import protocol
from .core.cells import Status
from .core.markdown_cells import file_code, file_type, kernel_cell
from .core.nbformat_percent import NotebookCell, NotebookDoc
from .core.notebook import Change, Notebook, OpError
from .core.notebook_diagnostics import NotebookDiagnostics
from .core.quoting import quote, shorten
from .core.summary import cascade_summary
from .expensive import ExpensiveNotebook, clear_cache, configure_cell
from .runtime.cascade import CascadeResult, CascadeRunner, Forget, Publisher, Trigger
from .runtime.executor import Executor
from .runtime.notebook_file import NotebookFile, NotebookFileError
from .runtime.recording import OutputRouter
from .runtime.sql_lazy import LazySqlEngine, SqlError


class ReactiveService:
    """Cell operations over one notebook, one shell namespace and one publisher."""

    def __init__(
        self,
        notebook: Notebook,
        runner: CascadeRunner,
        executor: Executor,
        router: OutputRouter,
        publisher: Publisher,
        forget: Forget,
        engine: LazySqlEngine,
        max_code: int = protocol.DEFAULT_MAX_CODE,
    ) -> None:
        self.notebook = notebook
        self.runner = runner
        self.executor = executor
        self.router = router
        self.publisher = publisher
        self.forget = forget
        self.max_code = max_code
        self.engine = engine
        self.file: NotebookFile | None = None
        self.file_error: str | None = None
        self.file_metadata: dict[str, Any] = {}
        self.markdown_cells: set[str] = set()
        """Cells the file has as markdown: kept as comment cells, saved back as such."""
        self._cascade_lock = asyncio.Lock()
        self.summary = True
        """Append a cascade summary to a run cell's output (see core/summary.py)."""
        self.variables = inspect_routes.variables_feed(self)
        """The variables panel's feed (``variables`` op and events)."""
        self.diagnostics = NotebookDiagnostics(notebook)
        """Keeps each cell's ``diagnostics`` current; called after every cell change."""
        self.after_cascade: list[Callable[[CascadeResult], None]] = []
        """Called with every finished cascade (widget bindings, runtime/widgets.py)."""
        self.expensive = ExpensiveNotebook(self)
        """Lazy mode, disabled cells and the result cache (expensive.py)."""

    # -- the bound notebook file -----------------------------------------------

    @property
    def notebook_path(self) -> str | None:
        return str(self.file.path) if self.file is not None else None

    def bind_file(self, file: NotebookFile) -> None:
        """Load the notebook's cells from ``file``; later changes are saved to it.

        A file that cannot be read or parsed leaves the notebook empty and the
        file untouched; the reason is kept in :attr:`file_error` (snapshots
        show it) and every change then reports that it was not saved.
        """
        self.file = file
        try:
            doc = file.load()
        except NotebookFileError as exc:
            self.file_error = str(exc)
            return
        self.file_metadata = dict(doc.metadata)
        self.markdown_cells = {c.id for c in doc.cells if c.markdown}
        url = self.file_metadata.get("database")
        if isinstance(url, str) and url != self.engine.masked_url:
            try:
                self.engine.switch(url)
            except SqlError as exc:
                self.file_error = f"the notebook's database could not be opened: {exc}"
        for cell in doc.cells:
            cell_type, code = kernel_cell(cell)
            self.notebook.create(cell.id, cell_type, code, None, cell.name)
        self.diagnostics.reload()
        self.expensive.load(doc)

    def persist(self) -> None:
        """Save the cells to the bound file, atomically; :class:`OpError`
        ``save_failed`` if that is impossible (the change itself stands)."""
        if self.file is None:
            return
        doc = NotebookDoc(
            cells=tuple(
                NotebookCell(
                    id=c.id,
                    type=file_type(c.type),
                    code=file_code(c.type, c.code),
                    name=c.name,
                    markdown=c.type == "markdown",
                    disabled=c.disabled,
                    cache=c.cache,
                )
                for c in self.notebook.cells
            ),
            metadata=self.file_metadata,
        )
        try:
            self.file.save(doc)
        except NotebookFileError as exc:
            self.file_error = str(exc)
            raise OpError("save_failed", f"The change was made but not saved: {exc}") from exc

    # -- helpers ------------------------------------------------------------

    def _statuses(self, change: Change) -> list[dict[str, Any]]:
        cells = self.notebook.cells
        return [protocol.changed_entry(cells[c]) for c in change.changed]

    def _parents(self, change: Change) -> dict[str, list[str]]:
        nb = self.notebook
        return {c: nb.parents(c) for c in change.parents_changed if c in nb}

    def _apply(self, change: Change) -> None:
        if change.remove_names:
            self.forget(change.remove_names)

    @staticmethod
    def _check_name(cell_type: str, name: str | None) -> None:
        if cell_type == "sql" and name is not None and not name.isidentifier():
            raise OpError(
                "bad_request", f"An SQL cell's name must be a Python identifier, not {quote(name)}."
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
        self._check_name(cell_type, name)
        cell, index, change = self.notebook.create(cell_id, cell_type, code, after, name)
        self.diagnostics.after(change, cell_id, None)
        self._apply(change)
        self.expensive.refresh(change)
        self.publisher.event(
            protocol.cell_created(
                self.notebook.cell_dict(cell), index, self._statuses(change), self._parents(change)
            ),
            parent,
        )
        self.persist()
        return cell_id

    def register(
        self,
        parent: dict[str, Any],
        cell_id: str,
        code: str,
        name: str | None = None,
        cell_type: str | None = None,
    ) -> set[str]:
        """New code for a cell; returns the other cells a run of it must include
        (see :attr:`Change.rerun`)."""
        cell = self.notebook.cell(cell_id)
        self._check_name(cell_type or cell.type, name)
        same_type = cell_type is None or cell_type == cell.type
        if code == cell.code and (name is None or name == cell.name) and same_type:
            return set()
        before = cell.analysis
        change = self.notebook.register(cell_id, code, name=name, cell_type=cell_type)
        self.diagnostics.after(change, cell_id, before)
        self.executor.forget(cell_id)
        self._apply(change)
        change.rerun.update(self.expensive.refresh(change))
        self.publisher.event(
            protocol.cell_updated(
                self.notebook.cell_dict(cell), self._statuses(change), self._parents(change)
            ),
            parent,
        )
        self.persist()
        return change.rerun

    def delete(self, parent: dict[str, Any], cell_id: str) -> set[str]:
        """Delete a cell; returns its former descendants (to be re-run)."""
        before = self.notebook.cell(cell_id).analysis
        _, below, change = self.notebook.delete(cell_id)
        self.diagnostics.after(change, cell_id, before)
        self.executor.forget(cell_id)
        self.router.forget(cell_id)
        self._apply(change)
        below.update(self.expensive.refresh(change))
        self.publisher.event(
            protocol.cell_deleted(cell_id, self._statuses(change), self._parents(change)), parent
        )
        self.persist()
        return below

    def move(self, parent: dict[str, Any], cell_id: str, after: str | None) -> int:
        index = self.notebook.move(cell_id, after)
        self.publisher.event(protocol.cell_moved(cell_id, index), parent)
        self.persist()
        return index

    async def cascade(
        self, roots: Iterable[str], trigger: Trigger, include_roots: bool = True
    ) -> CascadeResult | None:
        async with self._cascade_lock:  # one cascade at a time, even from a task
            roots = [r for r in roots if r in self.notebook]
            plan = self.expensive.plan(roots, trigger, include_roots)
            if not plan.order and not plan.blocked:
                return None
            result = await self.runner.run(plan, trigger)
            for hook in self.after_cascade:
                hook(result)
            self.variables.changed(trigger.parent)
            return result

    async def run_all(self, parent: dict[str, Any]) -> CascadeResult | None:
        """One cascade over every idle or stale cell and what depends on them
        (the ``run_all`` op, and opening a notebook with run-on-open)."""
        roots = [c.id for c in self.notebook.cells if c.status in (Status.IDLE, Status.STALE)]
        return await self.cascade(roots, Trigger("run_all", None, parent))

    async def set_database(self, parent: dict[str, Any], url: str) -> CascadeResult | None:
        """Switch the SQL database; SQL cells and their descendants re-run.

        On failure the previous database stays and :class:`OpError`
        ``bad_database`` says why (with any password masked).
        """
        try:
            self.engine.switch(url)
        except SqlError as exc:
            detail = shorten(str(exc), 400).rstrip(" .?!")
            raise OpError(
                "bad_database", f"Could not switch the database, the previous one stays: {detail}."
            ) from None
        self.publisher.event(
            {
                "event": "database_changed",
                "url": self.engine.masked_url,
                "dialect": self.engine.dialect,
            },
            parent,
        )
        sql_cells = [c.id for c in self.notebook.cells if c.type == "sql"]
        rerun: set[str] = set()
        for cell_id in sql_cells:  # table names fold by dialect: read the SQL again
            cell = self.notebook.cell(cell_id)
            change = self.notebook.register(cell_id, cell.code, cell.name, reanalyze=True)
            self._apply(change)
            rerun |= change.rerun
        if self.engine.masked_url == url or "${" in url:  # never write a password to disk
            self.file_metadata["database"] = url
        else:
            self.file_metadata.pop("database", None)
        if self.file is not None:
            self.persist()
        if not sql_cells:
            return None
        roots = sql_cells + sorted(rerun - set(sql_cells))
        return await self.cascade(roots, Trigger("set_database", None, parent))

    def snapshot(self) -> dict[str, Any]:
        return {
            "cells": [self.notebook.cell_dict(c) for c in self.notebook.cells],
            "database": self.engine.masked_url,
            "notebook_path": self.notebook_path,
            "notebook_error": self.file_error,
            "protocol": protocol.PROTOCOL_VERSION,
            "mode": self.expensive.mode,
        }

    # -- execute requests ---------------------------------------------------

    async def execute_cell(
        self,
        parent: dict[str, Any],
        cell_id: str,
        code: str,
        deleted: Iterable[str] = (),
        cell_type: str = "python",
        name: str | None = None,
    ) -> CascadeResult | None:
        """JupyterLab-style: delete ``deleted``, upsert the cell, run it."""
        below: set[str] = set()
        unsaved: list[str] = []

        def keep_going(change: Callable[[], Any]) -> Any:
            try:
                return change()
            except OpError as exc:  # not saved: say so in the cell, run it anyway
                if exc.code != "save_failed":
                    raise
                unsaved.append(exc.message)
                return set()

        for gone in deleted:
            if gone in self.notebook and gone != cell_id:
                below |= keep_going(lambda gone=gone: self.delete(parent, gone))
        if cell_id in self.notebook:
            below |= keep_going(lambda: self.register(parent, cell_id, code, name, cell_type))
        else:
            keep_going(lambda: self.create(parent, cell_type, code, cell_id=cell_id, name=name))
        if unsaved:
            header = dict(parent.get("header") or {})
            self.publisher.iopub("stream", {"name": "stderr", "text": unsaved[-1] + "\n"}, header)
        trigger = Trigger("execute", cell_id, parent, own_cell=cell_id)
        result = await self.cascade({cell_id} | below, trigger)
        if result is not None and self.summary:
            cells = self.notebook.cells
            others = [cells[c] for c in result.order if c != cell_id and c in cells]
            content = cascade_summary(others, cells.get(cell_id), self.expensive.take_stale())
            if content is not None:
                header = {**(parent.get("header") or {}), "cellId": cell_id}
                self.publisher.iopub("display_data", content, header)
        return result

    async def after_scratch(
        self, parent: dict[str, Any], bound: Iterable[str]
    ) -> CascadeResult | None:
        """Console-style: re-run every cell that reads a name the input bound."""
        graph = self.notebook.graph
        readers = {c for name in bound for c in graph.readers(name)}
        if not readers:
            return None
        result = await self.cascade(readers, Trigger("execute", None, parent, inline=True))
        if result is not None and self.summary:  # which cells re-ran, for VS Code too
            cells = self.notebook.cells
            content = cascade_summary([cells[c] for c in result.order if c in cells])
            if content is not None:
                self.publisher.iopub("display_data", content, dict(parent.get("header") or {}))
        return result

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
    rerun = svc.register(parent, r.cell_id, r.code, r.name, r.cell_type)
    fields: dict[str, Any] = {"cell_id": r.cell_id}
    if r.run:
        roots = [r.cell_id, *sorted(rerun)]
        result = await svc.cascade(roots, Trigger("register", r.cell_id, parent))
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


async def _run_all(
    svc: ReactiveService, r: protocol.RunAll, parent: dict[str, Any]
) -> dict[str, Any]:
    result = await svc.run_all(parent)
    return {"cascade_id": result.cascade_id if result else None}


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
    result = await svc.set_database(parent, r.url)
    return {
        "database": svc.engine.masked_url,
        "dialect": svc.engine.dialect,
        "cascade_id": result.cascade_id if result else None,
    }


async def _configure(
    svc: ReactiveService, r: protocol.Configure, parent: dict[str, Any]
) -> dict[str, Any]:
    if r.summary is not None:
        svc.summary = r.summary
    if r.status_events is not None:
        svc.publisher.status_events = r.status_events
    fields = svc.expensive.configure(r)
    return {"summary": svc.summary, "status_events": svc.publisher.status_events, **fields}


async def _snapshot(
    svc: ReactiveService, r: protocol.Snapshot, parent: dict[str, Any]
) -> dict[str, Any]:
    return {"snapshot": svc.snapshot()}


async def _export(
    svc: ReactiveService, r: protocol.Export, parent: dict[str, Any]
) -> dict[str, Any]:
    from .core.export_html import notebook_html  # markdown-it and nh3: on the first export

    name = Path(svc.notebook_path).name if svc.notebook_path else "notebook.py"
    cells = [svc.notebook.cell_dict(c) for c in svc.notebook.cells]
    page = notebook_html(name, cells, "exported from the open notebook")
    return {"format": "html", "filename": f"{Path(name).stem}.html", "html": page}


_ROUTES: dict[type, Callable[[ReactiveService, Any, dict[str, Any]], Awaitable[dict[str, Any]]]] = {
    protocol.Create: _create,
    protocol.Register: _register,
    protocol.Run: _run,
    protocol.RunAll: _run_all,
    protocol.Delete: _delete,
    protocol.Move: _move,
    protocol.SetDatabase: _set_database,
    protocol.Snapshot: _snapshot,
    protocol.Configure: _configure,
    protocol.Export: _export,
    protocol.ConfigureCell: configure_cell,
    protocol.ClearCache: clear_cache,
}
_ROUTES.update(inspect_routes.ROUTES)
