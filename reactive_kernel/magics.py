"""``%reactive`` line magics: look at and drive the reactive notebook from code.

``%reactive run ID`` and ``%reactive delete ID`` are queued and carried out as
soon as the current input finishes, because a cascade must never start inside
another one (PROTOCOL.md: at most one cascade runs at a time).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from IPython.core.magic import Magics, cell_magic, line_cell_magic, magics_class
from IPython.display import display

from .core.render import mermaid
from .runtime.sql_cell import run_sql, show_error, sql_error_lines
from .runtime.sql_lazy import SqlError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .core.cells import Cell
    from .kernel import ReactiveKernel

USAGE = """Usage:
  %%reactive [ID]         (first line of an input) make the rest a reactive cell and run it
  %reactive add ID CODE   the same for one line of code (for one-line consoles)
  %reactive cells         list the cells with their status, reads and writes
  %reactive graph         show the dependency graph
  %reactive run ID        run a cell and its dependents
  %reactive delete ID     delete a cell (its dependents re-run)
  %reactive db [URL]      show or switch the SQL database (SQL cells re-run)
  %reactive mode [lazy|auto]    show or set the mode (lazy: changes mark cells stale)
  %reactive disable|enable ID   switch a cell (and what depends on it) off or on
  %reactive cache ID on|off     keep the cell's results in the cache across restarts
  %reactive clear-cache [ID]    drop cached results (all, or one cell's)
  %%sql [NAME]            run SQL on the kernel's database, result bound to NAME
"""


@magics_class
class ReactiveMagics(Magics):
    def __init__(self, shell: Any, kernel: ReactiveKernel) -> None:
        super().__init__(shell)
        self.kernel = kernel

    @line_cell_magic
    def reactive(self, line: str, cell: str | None = None) -> None:
        """Inspect or drive the reactive notebook; ``%reactive`` alone shows usage.

        As a cell magic (``%%reactive [ID]``) the body becomes a reactive cell,
        created or updated, and runs once the input finishes: this is how a
        console, which has no cells, defines them.
        """
        if cell is not None:
            self._upsert(line.strip(), cell)
            return
        words = line.split()
        command, args = (words[0], words[1:]) if words else ("", [])
        if command == "cells" and not args:
            self._cells()
        elif command == "graph" and not args:
            self._graph()
        elif command in ("run", "delete") and len(args) == 1:
            if args[0] not in self.kernel.notebook:
                print(f"%reactive {command}: there is no cell with id {args[0]!r}.")
                return
            self.kernel.pending_ops.append((command, args[0], ""))
            print(f"%reactive {command} {args[0]}: queued; it runs when this input finishes.")
        elif command == "add" and len(args) >= 2:
            self._upsert(args[0], line.split(None, 2)[2])
        elif command == "db" and len(args) == 1:
            self.kernel.pending_ops.append(("db", "", args[0]))
        elif command == "db" and not args:
            print(f"database: {self.kernel.sql_engine.masked_url}")
        elif _option_command(command, args) is not None:
            self._option(command, args)
        else:
            print(USAGE, end="")

    @cell_magic
    def sql(self, line: str, cell: str) -> None:
        """``%%sql [name]``: run SQL on the kernel's database (a scratch query).

        In JupyterLab the same first line makes the cell an SQL cell instead.
        """
        name = line.strip() or None
        if name is not None and not name.isidentifier():
            print(f"%%sql: the result name must be a Python identifier, not {name!r}.")
            return
        try:
            run_sql(self.shell, self.kernel.sql_engine, cell, name)
        except SqlError as exc:
            show_error(self.shell, exc, sql_error_lines(exc))

    def _option(self, command: str, args: list[str]) -> None:
        """Mode, disable/enable, cache, clear-cache: queued like ``run`` (they
        change statuses, and ``enable`` may start a cascade)."""
        if command == "mode" and not args:
            print(f"mode: {self.kernel.reactive.expensive.mode}")
            return
        cell_id, action = _option_command(command, args) or ("", "")
        if cell_id and cell_id not in self.kernel.notebook:
            print(f"%reactive {command}: there is no cell with id {cell_id!r}.")
            return
        self.kernel.pending_ops.append(("options", cell_id, action))

    def _upsert(self, cell_id: str, code: str) -> None:
        from .core.cells import is_valid_cell_id

        if cell_id and not is_valid_cell_id(cell_id):
            print(f"%%reactive: invalid cell id {cell_id!r} (1-64 of letters, digits, '_', '-').")
            return
        self.kernel.pending_ops.append(("upsert", cell_id, code))

    def _cells(self) -> None:
        rows = []
        for cell in self.kernel.notebook.cells:
            rows.append(
                (
                    cell.id,
                    cell.type,
                    _status_text(cell),
                    ", ".join(sorted(cell.reads)),
                    ", ".join(sorted(cell.writes)),
                )
            )
        head = ("id", "type", "status", "reads", "writes")
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
        text = "\n".join(
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            for row in [head, *rows]
        )
        table = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows
        )
        header = "".join(f"<th>{h}</th>" for h in head)
        notes = _notes(self.kernel.notebook.cells)
        if notes:
            text += "\n\n" + "\n".join(f"{cid}: {note}" for cid, note in notes)
        items = "".join(
            f"<li><code>{html.escape(cid)}</code>: {html.escape(note)}</li>" for cid, note in notes
        )
        display(
            {
                "text/plain": text,
                "text/html": f"<table><tr>{header}</tr>{table}</table>"
                + (f"<ul>{items}</ul>" if items else ""),
            },
            raw=True,
        )

    def _graph(self) -> None:
        chart = mermaid(self.kernel.notebook)
        display({"text/markdown": f"```mermaid\n{chart}\n```", "text/plain": chart}, raw=True)


def _notes(cells: Iterable[Cell]) -> list[tuple[str, str]]:
    """Below the table: why each blocked or failed cell is so (its error's first
    line), and each diagnostic (``⚠ message``), by cell id in notebook order."""
    notes: list[tuple[str, str]] = []
    for cell in cells:
        if cell.error is not None and cell.status.value in ("blocked", "error"):
            evalue = cell.error.evalue.splitlines()[0] if cell.error.evalue.strip() else ""
            notes.append((cell.id, f"{cell.error.ename}: {evalue}" if evalue else cell.error.ename))
        notes.extend((cell.id, f"⚠ {d.message}") for d in cell.diagnostics)
    return notes


def _option_command(command: str, args: list[str]) -> tuple[str, str] | None:
    """``(cell id, action)`` for an option command, None if it is not one."""
    if command == "mode" and (not args or args in (["lazy"], ["auto"])):
        return ("", f"mode-{args[0]}") if args else ("", "")
    if command in ("disable", "enable") and len(args) == 1:
        return args[0], command
    if command == "cache" and len(args) == 2 and args[1] in ("on", "off"):
        return args[0], f"cache-{args[1]}"
    if command == "clear-cache" and len(args) <= 1:
        return (args[0] if args else ""), "clear-cache"
    return None


def _status_text(cell: Cell) -> str:
    """The status column: ``disabled`` names the disabled ancestor; a result
    restored from the cache says so; cells with the cache option are marked."""
    text = cell.status.value
    if cell.disabled_by:
        text += f" (by {cell.disabled_by})"
    if cell.cached:
        text += " (cached)"
    elif cell.cache:
        text += " [cache]"
    return text
