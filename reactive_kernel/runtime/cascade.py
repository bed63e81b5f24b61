"""Carrying out a cascade plan: statuses, parent headers, outputs, interrupts.

The plan says what runs; this module runs it, one cell at a time, and
publishes each state change once. Parent headers follow PROTOCOL.md section 4:
each cell's outputs go out under a header carrying ``cellId``; the cell named
by an ``execute_request`` keeps the request's ``msg_id`` so every Jupyter
client shows its output, other cells get ``<msg_id>:<cellId>`` unless the
request came from a client without cells (a console), which then sees the
whole cascade inline.
"""

from __future__ import annotations

import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from IPython.core.interactiveshell import InteractiveShell

from ..core import protocol
from ..core.cells import Cell, CellError, Status
from ..core.diagnostics import UNCACHEABLE
from ..core.notebook import Notebook
from ..core.plan import CascadePlan
from .cell_cache import CellCache, output_message
from .executor import HIDDEN_CODE, Executor
from .markdown_cell import MarkdownCellRunner
from .publish import light_parent
from .recording import OutputRouter


class Publisher(Protocol):
    """Where the runner sends what clients must see."""

    status_events: str
    """``batched`` or ``per_cell``: the form of status events clients get."""

    def event(self, data: dict[str, Any], parent: dict[str, Any]) -> None:
        """Publish a ``reactive`` comm event under ``parent``."""

    def iopub(self, msg_type: str, content: dict[str, Any], header: dict[str, Any]) -> None:
        """Publish an IOPub message whose parent header is ``header``."""

    def status(
        self, cell: Cell, cascade_id: str, index: int, total: int, parent: dict[str, Any]
    ) -> None:
        """Publish a status change of ``cell`` (batched or per cell, see publish.py)."""

    def checkpoint(self) -> None:
        """A cell is about to run: whatever its outputs must follow goes out."""

    def start_batch(self) -> None:
        """Collect messages until :meth:`flush` (order is kept)."""

    def flush(self) -> None:
        """Send what was collected."""

    def end_batch(self) -> None:
        """Flush and stop collecting."""


@dataclass(slots=True)
class Trigger:
    """What started a cascade and how its cells' headers are made."""

    op: str
    cell_id: str | None
    parent: dict[str, Any]
    """The request message (its header is the base of every cell header)."""
    inline: bool = False
    """Console-style: every cell keeps the request's ``msg_id``."""
    own_cell: str | None = None
    """The cell an execute_request named: it keeps the request's ``msg_id``."""
    name: str | None = None
    """For op ``widget``: the name bound to the widget that changed."""


@dataclass(slots=True)
class CascadeResult:
    cascade_id: str
    order: list[str] = field(default_factory=list)
    """Every cell the cascade handled (ran, or failed without running), in order."""
    ran: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    interrupted: bool = False


def cell_header(request_header: dict[str, Any], cell_id: str, same_id: bool) -> dict[str, Any]:
    header = dict(request_header)
    header["cellId"] = cell_id
    if not same_id:
        header["msg_id"] = f"{request_header.get('msg_id', '')}:{cell_id}"
    return header


Forget = Callable[[Iterable[str]], None]
"""Removes names a cell bound: Python names from the namespace, and tables
(``table:t``) from the embedded database."""


class CellRunner(Protocol):
    async def run(self, cell: Cell, execution_count: int) -> BaseException | None:
        """Run one cell of a given type; returns its exception, if any."""


class CascadeRunner:
    """Runs plans against one shell. At most one cascade runs at a time:
    the kernel handles one shell request at a time and awaits the cascade."""

    def __init__(
        self,
        notebook: Notebook,
        shell: InteractiveShell,
        executor: Executor,
        router: OutputRouter,
        publisher: Publisher,
        forget: Forget,
        sql: CellRunner | None = None,
    ) -> None:
        self.notebook = notebook
        self.shell = shell
        self.executor = executor
        self.router = router
        self.publisher = publisher
        self.forget = forget
        self.sql = sql
        self.markdown = MarkdownCellRunner(shell)
        self.interrupted = False
        self.cache: CellCache | None = None
        """The result cache (runtime/cell_cache.py); set by the kernel."""

    def _on_sigint(self, signum: int, frame: Any) -> None:
        self.interrupted = self.executor.interrupted = True
        if self.executor.interrupt():
            return
        if self.executor.interrupt_armed:
            raise KeyboardInterrupt

    async def run(self, plan: CascadePlan, trigger: Trigger) -> CascadeResult:
        """Run ``plan``; every cell ends ``success``, ``error`` or ``stale``."""
        cascade_id = uuid.uuid4().hex[:12]
        result = CascadeResult(cascade_id)
        parent = light_parent(trigger.parent)
        request_header = parent["header"]
        cells = self.notebook.cells
        order = list(plan.order)
        total = len(order)
        started = time.perf_counter()
        for cid in order:
            cells[cid].status = Status.QUEUED
        publish = self.publisher.event
        status = self.publisher.status
        publish(
            protocol.cascade_started(cascade_id, trigger.op, trigger.cell_id, order, trigger.name),
            parent,
        )
        self.interrupted = self.executor.interrupted = False
        previous = signal.signal(signal.SIGINT, self._on_sigint)
        self.publisher.start_batch()
        history = self.shell.history_manager
        cache_size = history.db_cache_size
        history.db_cache_size = 1 << 30  # one history write per cascade, not per cell
        skipped = len(plan.blocked)
        if self.cache is not None:
            self.cache.begin()
        try:
            for index, cid in enumerate(order):
                cell = cells[cid]
                if self.interrupted:
                    result.interrupted = True
                    for later in range(index, total):
                        rest = cells[order[later]]
                        rest.status = Status.STALE
                        status(rest, cascade_id, later, total, parent)
                    skipped += total - index
                    break
                same_id = trigger.inline or cid == trigger.own_cell
                header = cell_header(request_header, cid, same_id)
                result.order.append(cid)
                failure = self.notebook.upstream_failure(cid)
                if failure is not None:
                    self._fail_without_running(cell, failure, header)
                    result.failed.append(cid)
                    skipped += 1
                elif cell.cache and self.cache is not None and self._restore(cell, header):
                    result.ran.append(cid)
                else:
                    cell.status = Status.RUNNING
                    status(cell, cascade_id, index, total, parent)
                    await self._run_cell(cell, header)
                    result.ran.append(cid)
                    if cell.status == Status.ERROR:
                        result.failed.append(cid)
                status(cell, cascade_id, index, total, parent)
        except BaseException:
            # A fault of the kernel's own (not a cell's): leave no cell queued
            # or running, and still close the cascade for clients.
            for later, cid in enumerate(order):
                cell = cells[cid]
                if cell.status in (Status.QUEUED, Status.RUNNING):
                    cell.status = Status.STALE
                    status(cell, cascade_id, later, total, parent)
            raise
        finally:
            signal.signal(signal.SIGINT, previous)
            self.shell.set_parent(trigger.parent)  # type: ignore[attr-defined]
            history.db_cache_size = cache_size
            history.save_flag.set()
            duration = (time.perf_counter() - started) * 1000
            failed_runs = len([c for c in result.failed if c in result.ran])
            publish(
                protocol.cascade_finished(
                    cascade_id,
                    len(result.ran),
                    len(result.ran) - failed_runs,
                    len(result.failed),
                    skipped,
                    duration,
                ),
                parent,
            )
            self.publisher.end_batch()
        return result

    async def _run_cell(self, cell: Cell, header: dict[str, Any]) -> None:
        shell = self.shell
        self.forget(self.notebook.removable_names(cell))
        shell.set_parent(header)  # type: ignore[attr-defined]
        count = shell.execution_count
        markdown = cell.type == "markdown"  # rendered, never executed: no count, no input
        if not markdown:
            content = {"code": cell.code, "execution_count": count}
            self.publisher.iopub("execute_input", content, header)
        self.router.begin(cell.id, header["msg_id"], cell.outputs)
        self.publisher.checkpoint()  # status and input go out before the cell's outputs
        if markdown:
            error = self.markdown.run(cell)
        elif cell.type == "sql" and self.sql is not None:
            error = await self.sql.run(cell, count)
        else:
            error = await self.executor.run(cell.id, cell.code, count)
        if not markdown and shell.execution_count != count + 1:
            shell.execution_count = count + 1
        for stream in (sys.stdout, sys.stderr):
            if getattr(stream, "_flush_pending", True):
                stream.flush()
        cell.execution_count = None if markdown else count
        self.notebook.record_run(cell)
        cell.cached = False
        if error is None:
            cell.defined = cell.writes
            cell.status, cell.error = Status.SUCCESS, None
            if cell.cache and self.cache is not None:
                self.save_cached(cell)
        else:
            # A failed cell defines nothing, as its descendants do not run.
            cell.defined = frozenset()
            self.forget(self.notebook.removable_names(cell))
            traceback = tuple(getattr(shell, "_last_traceback", None) or ())
            cell.status = Status.ERROR
            cell.error = CellError(type(error).__name__, str(error), traceback)

    def _restore(self, cell: Cell, header: dict[str, Any]) -> bool:
        """A cache hit: bind the cell's names and show its outputs without
        running it (status ``success``, ``cached``). False on a miss."""
        assert self.cache is not None
        self.forget(self.notebook.removable_names(cell))
        outputs = self.cache.restore(cell)
        if outputs is None:
            return False
        self.router.begin(cell.id, header["msg_id"], cell.outputs)
        self.publisher.iopub("clear_output", {"wait": False}, header)
        for output in outputs:
            replay = output_message(output)
            if replay is not None:
                self.publisher.iopub(replay[0], replay[1], header)
        cell.defined = cell.writes
        self.notebook.record_run(cell)
        cell.status, cell.error, cell.cached = Status.SUCCESS, None, True
        return True

    def save_cached(self, cell: Cell) -> None:
        """Keep the run in the cache; an ``uncacheable`` diagnostic if impossible."""
        assert self.cache is not None
        diagnostic = self.cache.save(cell)
        kept = tuple(d for d in cell.diagnostics if d.code != UNCACHEABLE)
        new = kept + ((diagnostic,) if diagnostic is not None else ())
        if new != cell.diagnostics:
            cell.diagnostics = new
            self.publisher.event(
                protocol.cell_updated(self.notebook.cell_dict(cell), []), {"header": {}}
            )

    def _fail_without_running(self, cell: Cell, error: CellError, header: dict[str, Any]) -> None:
        """A cell that cannot run: its names go, and it shows why."""
        self.forget(self.notebook.removable_names(cell))
        cell.defined = frozenset()
        cell.status, cell.error = Status.ERROR, error
        self.router.begin(cell.id, header["msg_id"], cell.outputs)
        self.publisher.iopub("error", self.error_content(error), header)

    @staticmethod
    def error_content(error: CellError) -> dict[str, Any]:
        traceback = list(error.traceback) or [f"{error.ename}: {error.evalue}"]
        return {"ename": error.ename, "evalue": error.evalue, "traceback": traceback}


HIDDEN_CODE.add(CascadeRunner._on_sigint.__code__)
