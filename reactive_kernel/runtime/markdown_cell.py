"""Running a markdown cell: rendering its text with values from the namespace.

A markdown cell is never executed as Python (PROTOCOL.md section 2b). Its
"run" evaluates each interpolated expression (core/markdown.py) in the shell's
namespace and publishes one ``display_data`` with ``text/markdown``. It takes
no execution count and leaves no history. An expression that fails makes the
cell fail like any cell, with a message naming the field and the cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from IPython.core.interactiveshell import InteractiveShell
from IPython.display import publish_display_data

from ..core.markdown import Field, parse_markdown, render
from .sql_cell import show_error


class MarkdownCell(Protocol):
    id: str
    code: str


class MarkdownFieldError(Exception):
    """An interpolated expression of a markdown cell failed."""


def _evaluator(shell: InteractiveShell, cell_id: str) -> tuple[list[str], Callable[[str], object]]:
    current: list[str] = []

    def evaluate(expr: str) -> object:
        current[:] = [expr]
        code = compile(expr, f"<markdown cell {cell_id}>", "eval", dont_inherit=True)
        return eval(code, shell.user_ns)

    return current, evaluate


class MarkdownCellRunner:
    """Renders markdown cells in one shell's namespace."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell

    def run(self, cell: MarkdownCell) -> BaseException | None:
        """Publish the rendered text; returns the failure, if any (already shown)."""
        segments = parse_markdown(cell.code)
        current, evaluate = _evaluator(self.shell, cell.id)
        try:
            text = render(segments, evaluate)
        except Exception as exc:  # a field's failure is the cell's, never the kernel's
            expr = current[0] if current else "?"
            source = next(
                (s.source for s in segments if isinstance(s, Field) and s.expr == expr),
                "{" + expr + "}",
            )
            message = f"{type(exc).__name__}: {exc} (in {source} of markdown cell {cell.id})"
            error = MarkdownFieldError(message)
            show_error(self.shell, error, [f"MarkdownFieldError: {message}"])
            return error
        publish_display_data({"text/markdown": text, "text/plain": text})
        return None


__all__ = ["MarkdownCellRunner", "MarkdownFieldError"]
