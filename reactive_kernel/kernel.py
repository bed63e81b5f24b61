"""``ReactiveKernel``: IPython's kernel, with cells forming a dataflow graph.

A thin adapter in the manner of ``IPythonKernel`` over ``Kernel``: it overrides
``do_execute`` and the comm handlers, and hands everything else to the
:class:`~reactive_kernel.service.ReactiveService`. All cell state lives in the
kernel process, so every client attached to it sees the same notebook.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

import comm
from ipykernel.ipkernel import IPythonKernel
from traitlets import Bool, Enum, Int, Type, Unicode, default

from . import __version__
from .core import protocol
from .core.analysis import Analysis, analyze_python
from .core.cells import Status, is_valid_cell_id
from .core.markdown import markdown_analysis
from .core.matching import SAME_WRITES, Match
from .core.notebook import Notebook, OpError, linked
from .core.outputs import DEFAULT_BUDGET
from .core.sql_magic import TABLE_PREFIX, split_sql_magic
from .input_match import InputMatcher
from .runtime import file_relay
from .runtime.cascade import CascadeRunner, Trigger, cell_header
from .runtime.cell_cache import CellCache
from .runtime.compiler import CellCompiler
from .runtime.executor import Executor, transform
from .runtime.futures import cancel_bound
from .runtime.notebook_file import NotebookFile
from .runtime.publish import IOPubPublisher
from .runtime.recording import OutputRouter, RecordingSession
from .runtime.sql_cell import SqlCellRunner
from .runtime.sql_lazy import LazySqlEngine, SqlError
from .runtime.table_page import install_formatter as install_table_formatter
from .runtime.widgets import WidgetInputs
from .service import ReactiveService

COMM_TYPES = ("comm_open", "comm_msg", "comm_close")
NOTEBOOK_ENV = "REACTIVE_NOTEBOOK"
"""Environment variable naming the notebook file a kernel binds to, so a gateway
or kernel manager can bind kernels without knowing their command line."""
RUN_ON_OPEN_ENV = "REACTIVE_RUN_ON_OPEN"


class ReactiveKernel(IPythonKernel):
    """A Python kernel in which running, editing or deleting a cell re-runs
    exactly the cells that depend on it."""

    implementation = "reactive_kernel"
    implementation_version = __version__
    banner = "Python 3 (reactive) - cells re-run when what they read changes"
    compiler_class = Type(  # names code so every traceback frame shows its own line
        CellCompiler, help="The shell's compiler; see reactive_kernel/runtime/compiler.py."
    )

    max_code_size = Int(
        protocol.DEFAULT_MAX_CODE,
        help="Longest cell code (characters) a comm request may carry; longer is rejected.",
    ).tag(config=True)
    output_limit = Int(
        DEFAULT_BUDGET,
        help="Bytes of output kept per cell for snapshots; past it, a note says what was cut.",
    ).tag(config=True)
    notebook_path = Unicode(
        "",
        help=(
            "A percent-format .py notebook to bind to: its cells are loaded at start and "
            f"the file is rewritten atomically after every change. Default: ${NOTEBOOK_ENV}."
        ),
    ).tag(config=True)
    status_events = Enum(
        protocol.STATUS_EVENTS,
        "batched",
        help=(
            "Form of a cascade's status events: 'batched' (cell_statuses, a few ms of "
            "changes per event) or 'per_cell' (one cell_status per change). Clients "
            "can change it with the comm op 'configure'."
        ),
    ).tag(config=True)
    run_on_open = Bool(
        False,
        help=f"Run every cell of the bound notebook at start. Default: ${RUN_ON_OPEN_ENV}=1.",
    ).tag(config=True)

    @default("notebook_path")
    def _default_notebook_path(self) -> str:
        return os.environ.get(NOTEBOOK_ENV, "")

    @default("run_on_open")
    def _default_run_on_open(self) -> bool:
        return os.environ.get(RUN_ON_OPEN_ENV, "") not in ("", "0", "false", "no")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output_router = OutputRouter()
        if isinstance(self.session, RecordingSession):
            self.session.router = self.output_router
        else:
            self.log.warning(
                "reactive: not started by ReactiveKernelApp; cell outputs are not kept"
            )
        self.sql_engine = LazySqlEngine()
        self.notebook = Notebook(analyzer=self._analyze)
        self.executor = Executor(self.shell)
        self.publisher = IOPubPublisher(
            self.session, self.iopub_socket, self.iopub_thread, self._topic
        )
        self.publisher.status_events = self.status_events
        if isinstance(self.session, RecordingSession):
            self.session.before_output = self.publisher.before_output
            self.publisher.outputs_hooked = True
        self.runner = CascadeRunner(
            self.notebook,
            self.shell,
            self.executor,
            self.output_router,
            self.publisher,
            forget=self._forget,
            sql=SqlCellRunner(self.shell, self.sql_engine, self.executor),
        )
        self.reactive = ReactiveService(
            self.notebook,
            self.runner,
            self.executor,
            self.output_router,
            self.publisher,
            forget=self._forget,
            engine=self.sql_engine,
            max_code=self.max_code_size,
        )
        self.notebook.output_budget = self.output_limit
        self.widget_inputs = WidgetInputs(
            self.reactive,
            self.shell.user_ns,
            lambda: self._main_asyncio_lock,
            lambda state, parent: self._publish_status(state, "shell", parent),
        )
        self.reactive.after_cascade.append(self.widget_inputs.after_cascade)
        self.result_cache = CellCache(
            self.notebook, self.shell.user_ns, lambda: self.sql_engine.masked_url
        )
        self.result_cache.notebook_path = self.notebook_path or None
        self.runner.cache = self.reactive.expensive.cache = self.result_cache
        self._reactive_comm = comm.create_comm(
            target_name=protocol.TARGET_NAME, comm_id=protocol.COMM_ID, primary=False
        )
        self.comm_manager.register_comm(self._reactive_comm)
        self.pending_ops: list[tuple[str, str, str]] = []
        self._comm_fallback = {t: self.shell_handlers[t] for t in COMM_TYPES}
        self.shell_handlers["comm_msg"] = self._comm_msg
        self.shell_handlers["comm_open"] = self._comm_open
        self.shell_handlers["comm_close"] = self._comm_close
        self.input_matcher = InputMatcher(  # no cellId (VS Code): maybe one of our cells
            self.notebook, self._analyze, lambda: self.reactive.markdown_cells
        )
        from .magics import ReactiveMagics

        self.shell.register_magics(ReactiveMagics(self.shell, kernel=self))
        install_table_formatter(self.shell)  # paginated DataFrames (runtime/table_page.py)
        file_relay.register(self)  # a notebook file the gateway keeps (a remote kernel)
        if self.notebook_path:
            self.reactive.bind_file(NotebookFile(self.notebook_path))
            if self.reactive.file_error:
                self.log.error("reactive: %s", self.reactive.file_error)
            for note in self.reactive.file.notes if self.reactive.file else ():
                self.log.warning("reactive: %s: %s", self.notebook_path, note)

    def start(self) -> None:
        super().start()
        self.widget_inputs.main_loop = self.io_loop.asyncio_loop  # type: ignore[attr-defined]
        if self.run_on_open and len(self.notebook.cells):
            self.io_loop.add_callback(self._run_on_open)

    async def _run_on_open(self) -> None:
        parent = {"header": self.session.msg_header("reactive_open")}
        await self.reactive.run_all(parent)

    # -- analysis -----------------------------------------------------------

    def _forget(self, names: Iterable[str]) -> None:
        """Remove names a cell bound: variables, and its tables in the embedded
        database (an external database's tables are the user's)."""
        ns = self.shell.user_ns
        tables = []
        dropped = []
        for name in names:
            if name.startswith(TABLE_PREFIX):
                tables.append(name)
            elif name in ns:
                dropped.append(ns.pop(name))
        if dropped:
            cancel_bound(dropped)  # the work behind futures the cell bound stops too
        if tables and self.sql_engine.is_embedded:
            try:
                self.sql_engine.drop_tables(tables)
            except SqlError as exc:
                self.log.warning("reactive: could not drop %s: %s", ", ".join(tables), exc)

    def _analyze(self, cell_type: str, code: str, name: str | None) -> Analysis:
        if cell_type == "markdown":
            return markdown_analysis(code)
        if cell_type == "sql":
            from .core.sql_analysis import analyze_sql  # sqlglot: on the first SQL cell

            return analyze_sql(code, name, self.sql_engine.dialect)
        analysis = analyze_python(code)
        if analysis.syntax_error is not None:
            source, _ = transform(self.shell, code)
            if source != code:
                analysis = analyze_python(source)
        return analysis

    # -- comm ---------------------------------------------------------------

    @staticmethod
    def _is_ours(msg: dict[str, Any]) -> bool:
        content = msg.get("content")
        return isinstance(content, dict) and content.get("comm_id") == protocol.COMM_ID

    async def _comm_msg(self, stream: Any, ident: Any, msg: dict[str, Any]) -> None:
        if not self._is_ours(msg):
            self._comm_fallback["comm_msg"](stream, ident, msg)
            self.widget_inputs.comm_msg(msg)  # a front end moved a widget: cascade
            return
        try:
            await self.reactive.handle(msg["content"].get("data"), msg)
        except Exception as exc:  # a bug must still answer the request
            self.log.exception("reactive: request failed")
            data = msg["content"].get("data")
            self.publisher.event(
                protocol.error_reply(
                    protocol.request_id(data), "internal", f"Internal error: {exc}."
                ),
                msg,
            )
        await self._drain_pending(msg)

    async def _drain_pending(self, parent: dict[str, Any]) -> None:
        """Carry out ``%reactive run|delete`` requested by the input that just ran."""
        while self.pending_ops:
            op, cell_id, code = self.pending_ops.pop(0)
            if op == "db":
                try:
                    await self.reactive.set_database(parent, code)
                    print(f"%reactive db: now using {self.sql_engine.masked_url}")
                except OpError as exc:
                    print(f"%reactive db: {exc.message}", file=sys.stderr)
                continue
            if op == "options":  # %reactive mode|disable|enable|cache|clear-cache
                print(await self.reactive.expensive.magic(parent, cell_id, code))
                continue
            rerun: set[str] = set()
            if op == "upsert":
                try:
                    cell_id, rerun = self._upsert(parent, cell_id, code)
                except OpError as exc:
                    print(f"%%reactive: {exc.message}", file=sys.stderr)
                    continue
                cell = self.notebook.cell(cell_id)
                if cell.status == Status.BLOCKED and cell.error is not None:  # say so at once
                    print(
                        f"%%reactive: cell {cell_id} is blocked: "
                        f"{cell.error.ename}: {cell.error.evalue}",
                        file=sys.stderr,
                    )
                op = "run"
            if cell_id not in self.notebook:
                continue
            trigger = Trigger(op, cell_id, parent, inline=True)
            if op == "run":
                await self.reactive.cascade([cell_id, *sorted(rerun)], trigger)
            else:
                await self.reactive.cascade(self.reactive.delete(parent, cell_id), trigger)

    def _upsert(self, parent: dict[str, Any], cell_id: str, code: str) -> tuple[str, set[str]]:
        """Create or register a console-defined cell; also returns the cells a
        run of it must include (see ``Change.rerun``)."""
        if cell_id in self.notebook:
            return cell_id, self.reactive.register(parent, cell_id, code)
        return self.reactive.create(parent, code=code, cell_id=cell_id or None), set()

    def _comm_open(self, stream: Any, ident: Any, msg: dict[str, Any]) -> None:
        if not self._is_ours(msg):  # the reactive comm is open from the start
            self._comm_fallback["comm_open"](stream, ident, msg)

    def _comm_close(self, stream: Any, ident: Any, msg: dict[str, Any]) -> None:
        if not self._is_ours(msg):  # and stays open for the kernel's lifetime
            self._comm_fallback["comm_close"](stream, ident, msg)

    # -- execute ------------------------------------------------------------

    @staticmethod
    def _execute_cell_id(parent: dict[str, Any]) -> str | None:
        """The cell an execute_request names, if it is to run as a cell."""
        content = parent.get("content") or {}
        meta = parent.get("metadata") or {}
        cell_id = meta.get("cellId") if isinstance(meta, dict) else None
        if content.get("silent") or not is_valid_cell_id(cell_id):
            return None
        return str(cell_id)

    def _publish_execute_input(
        self, code: str, parent: dict[str, Any], execution_count: int
    ) -> None:
        # Cells get theirs from the cascade, with the count they really run as.
        if self._execute_cell_id(parent) is None and self._matched(parent, code) is None:
            super()._publish_execute_input(code, parent, execution_count)

    def _matched(self, parent: dict[str, Any], code: str) -> Match | None:
        """The cell an input without ``cellId`` is (core/matching.py), or None."""
        if (parent.get("content") or {}).get("silent"):
            return None
        return self.input_matcher.match(parent, code)

    async def do_execute(  # type: ignore[override]
        self,
        code: str,
        silent: bool,
        store_history: bool = True,
        user_expressions: dict[str, Any] | None = None,
        allow_stdin: bool = False,
        *,
        cell_meta: dict[str, Any] | None = None,
        cell_id: str | None = None,
    ) -> dict[str, Any]:
        parent = self.get_parent("shell")
        target = self._execute_cell_id(parent)
        matched = self._matched(parent, code) if target is None else None
        if matched is not None:
            target = matched.cell_id
        if target is None:
            reply = await super().do_execute(
                code,
                silent,
                store_history,
                user_expressions,
                allow_stdin,
                cell_meta=cell_meta,
                cell_id=cell_id,
            )
            if not silent:
                sql = split_sql_magic(code) if code.lstrip().startswith("%%sql") else None
                analysis = (
                    self._analyze("sql", sql[0], sql[1])
                    if sql
                    else self._analyze("python", code, None)
                )
                await self.reactive.after_scratch(
                    parent, linked(analysis.writes | analysis.deletes)
                )
                await self._drain_pending(parent)
            return reply  # type: ignore[no-any-return]
        cell_type, name = "python", None
        if code.lstrip().startswith("%%sql"):
            try:
                sql = split_sql_magic(code.lstrip())
            except ValueError as exc:
                return self._error_reply("UsageError", str(exc))
            if sql is not None:
                code, name, cell_type = sql[0], sql[1], "sql"
        meta = cell_meta or {}
        if cell_type == "python" and meta.get("type") == "sql":  # JupyterLab sends the
            cell_type = "sql"  # cell's metadata: jupytext's type="sql" name="df" markers
            name = meta["name"] if isinstance(meta.get("name"), str) else None
        deleted = meta.get("deletedCells") or []
        deleted = [d for d in deleted if isinstance(d, str)] if isinstance(deleted, list) else []
        if matched is not None and matched.how == SAME_WRITES:  # say what the edit replaces
            note = f"↻ replaces cell {self.notebook.label(target)} (it defines the same names)\n"
            self.publisher.iopub("stream", {"name": "stdout", "text": note}, parent["header"])
        self._forward_input(allow_stdin)
        try:
            await self.reactive.execute_cell(parent, target, code, deleted, cell_type, name)
            reply = self._cell_reply(target, parent, user_expressions)
        except OpError as exc:
            return self._error_reply("ReactiveError", exc.message)
        except Exception as exc:  # a kernel fault still answers the request
            self.log.exception("reactive: execute failed")
            return self._error_reply("InternalError", f"reactive kernel error: {exc}")
        finally:
            self._restore_input()
        await self._drain_pending(parent)
        return reply

    def _cell_reply(
        self, cell_id: str, parent: dict[str, Any], user_expressions: dict[str, Any] | None
    ) -> dict[str, Any]:
        shell = self.shell
        cell = self.notebook.cell(cell_id)
        if cell.status == Status.BLOCKED and cell.error is not None:
            header = cell_header(parent["header"], cell_id, same_id=True)
            self.publisher.iopub(
                "execute_input",
                {"code": cell.code, "execution_count": shell.execution_count},
                header,
            )
            self.output_router.begin(cell_id, header["msg_id"], cell.outputs)
            self.publisher.iopub("error", self.runner.error_content(cell.error), header)
        count = cell.execution_count if cell.execution_count is not None else shell.execution_count
        payload = shell.payload_manager.read_payload()
        shell.payload_manager.clear_payload()
        if cell.status == Status.SUCCESS:
            return {
                "status": "ok",
                "execution_count": count,
                "user_expressions": shell.user_expressions(user_expressions or {}),
                "payload": payload,
            }
        if cell.error is not None:
            ename, evalue, tb = cell.error.ename, cell.error.evalue, list(cell.error.traceback)
        else:
            ename, evalue, tb = (
                "KeyboardInterrupt",
                "The cascade was interrupted before this cell ran.",
                [],
            )
        reply = self._error_reply(ename, evalue, tb or [f"{ename}: {evalue}"])
        reply.update(execution_count=count, payload=payload)
        return reply

    def _error_reply(
        self, ename: str, evalue: str, traceback: list[str] | None = None
    ) -> dict[str, Any]:
        return {
            "status": "error",
            "ename": ename,
            "evalue": evalue,
            "traceback": traceback or [f"{ename}: {evalue}"],
            "execution_count": self.shell.execution_count,
            "user_expressions": {},
            "payload": [],
        }
