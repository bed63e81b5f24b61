"""Execute requests without a cell id that are one of the kernel's cells.

The glue between :class:`~reactive_kernel.kernel.ReactiveKernel` and the pure
rule in :mod:`reactive_kernel.core.matching`: it analyses the input the way the
kernel analyses cells and remembers the answer per request, because the kernel
asks twice (before publishing ``execute_input`` and in ``do_execute``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .core.analysis import Analysis
from .core.cells import Cell
from .core.matching import Match, match_input
from .core.notebook import Notebook
from .core.sql_magic import split_sql_magic

Analyzer = Callable[[str, str, "str | None"], Analysis]


class InputMatcher:
    """Finds the cell an input without ``cellId`` is (see core/matching.py)."""

    __slots__ = ("_analyze", "_last", "_notebook", "_skip")

    def __init__(self, notebook: Notebook, analyze: Analyzer, skip: Callable[[], set[str]]) -> None:
        self._notebook = notebook
        self._analyze = analyze
        self._skip = skip
        self._last: tuple[str, Match | None] = ("", None)

    def match(self, parent: dict[str, Any], code: str) -> Match | None:
        """The cell this request's ``code`` is, or None (a scratch input)."""
        msg_id = str((parent.get("header") or {}).get("msg_id", ""))
        if msg_id and self._last[0] == msg_id:
            return self._last[1]
        found = self._find(code)
        self._last = (msg_id, found)
        return found

    def _find(self, code: str) -> Match | None:
        cells = self._notebook.cells
        if not len(cells) or not code.strip():
            return None
        cell_type, name, body = "python", None, code
        if code.lstrip().startswith("%%sql"):
            try:
                sql = split_sql_magic(code.lstrip())
            except ValueError:
                return None
            if sql is not None:
                cell_type, body, name = "sql", sql[0], sql[1]
        try:
            analysis = self._analyze(cell_type, body, name)
        except Exception:  # an input the analyzer cannot read is a scratch input
            return None
        writes = analysis.writes if analysis.syntax_error is None else frozenset()
        return match_input(
            cells, body, cell_type, name, writes, skip=frozenset(self._skip()), owner=self._owner
        )

    def _owner(self, name: str) -> Cell | None:
        cell_id = self._notebook.graph.owner(name)
        return self._notebook.cells.get(cell_id) if cell_id is not None else None
