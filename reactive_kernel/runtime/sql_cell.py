"""Running an SQL cell inside the kernel: the shell-facing half of SQL support.

:class:`~reactive_kernel.runtime.sql.SqlEngine` runs SQL; this module does what a
cell run needs around it, the same way :class:`Executor` does for Python: the
execution count and history, the result bound to the cell's name and displayed
as a table, the database's own message as the cell's error (not a Python
traceback through SQLAlchemy), and interrupts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult, InteractiveShell
from IPython.display import publish_display_data

from .executor import Executor
from .sql_lazy import SqlError
from .sql_table import display_data
from .table_page import TABLE_MIME, first_page


def with_pages(bundle: dict[str, Any], name: str | None, ns: dict[str, Any]) -> dict[str, Any]:
    """A named result is paginated: add the first page for the table view."""
    if name and ns.get(name) is not None:
        bundle = {**bundle, TABLE_MIME: first_page(name, ns[name])}
    return bundle

if TYPE_CHECKING:  # SQLAlchemy is loaded when a notebook first uses SQL
    from .sql import SqlEngine


class SqlCell(Protocol):
    id: str
    code: str
    name: str | None


def show_error(shell: InteractiveShell, exc: BaseException, lines: list[str]) -> None:
    """Publish ``exc`` as the cell's error with exactly ``lines`` as traceback."""
    shell._showtraceback(type(exc), exc, lines)  # type: ignore[attr-defined]


def sql_error_lines(exc: SqlError) -> list[str]:
    lines = [f"SqlError: {exc}"]
    if getattr(exc, "statement", None) is not None and getattr(exc, "sql", None):
        lines.append(f"in statement {exc.statement}: {exc.sql}")
    return lines


def run_sql(shell: InteractiveShell, engine: SqlEngine, code: str, name: str | None) -> None:
    """Run SQL, bind the result to ``name`` and display it (raises SqlError)."""
    result = engine.run(code, shell.user_ns)
    if name:
        shell.user_ns[name] = result.value() if result is not None else None
    if result is not None:
        publish_display_data(with_pages(display_data(result), name, shell.user_ns))


class SqlCellRunner:
    """Runs SQL cells with the executor's bookkeeping and interrupt wiring."""

    def __init__(self, shell: InteractiveShell, engine: SqlEngine, executor: Executor) -> None:
        self.shell = shell
        self.engine = engine
        self.executor = executor

    async def run(self, cell: SqlCell, execution_count: int) -> BaseException | None:
        shell, executor = self.shell, self.executor
        shell.execution_count = execution_count + executor.count_offset
        source = f"%%sql {cell.name or ''}".rstrip() + "\n" + cell.code
        info = ExecutionInfo(source, True, False, True, cell.id)
        shell.history_manager.store_inputs(execution_count, source, source)
        shell.events.trigger("pre_execute")
        shell.events.trigger("pre_run_cell", info)
        error: BaseException | None = None
        executor.cancel_hook = self.engine.cancel
        try:
            executor.interrupt_armed = True
            if executor.interrupted:
                raise KeyboardInterrupt
            result = self.engine.run(cell.code, shell.user_ns)
            executor.interrupt_armed = False
            if cell.name:
                shell.user_ns[cell.name] = result.value() if result is not None else None
            if result is not None:
                publish_display_data(with_pages(display_data(result), cell.name, shell.user_ns))
        except SqlError as exc:
            error = exc
            show_error(shell, exc, sql_error_lines(exc))
        except KeyboardInterrupt as exc:
            error = exc
            show_error(shell, exc, ["KeyboardInterrupt: the query was cancelled."])
        except Exception as exc:  # a fault below the database: keep its traceback
            error = exc
            shell.showtraceback()
        finally:
            executor.interrupt_armed = False
            executor.cancel_hook = None
        outcome = ExecutionResult(info)
        outcome.error_in_exec = error
        shell.events.trigger("post_execute")
        shell.events.trigger("post_run_cell", outcome)
        return error


__all__ = ["SqlCellRunner", "run_sql", "show_error", "sql_error_lines"]
