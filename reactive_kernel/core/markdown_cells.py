"""Markdown cells in files: jupytext's ``# %% [markdown]`` cells of comment lines.

The percent reader and writer (core/percent_reader.py, core/nbformat_percent.py)
keep a markdown cell as a ``python`` cell of ``# `` comment lines flagged
``markdown``, which is exactly what jupytext writes. The kernel's cell holds the
markdown text itself (type ``markdown``). These two functions map between them,
so loading and saving round-trip byte for byte.
"""

from __future__ import annotations

from .nbformat_percent import NotebookCell, comment_markdown, uncomment_markdown

__all__ = ["file_code", "file_type", "kernel_cell"]


def kernel_cell(cell: NotebookCell) -> tuple[str, str]:
    """The kernel's ``(type, code)`` for a cell read from a file."""
    if cell.markdown:
        return "markdown", uncomment_markdown(cell.code)
    return cell.type, cell.code


def file_type(cell_type: str) -> str:
    """The type a kernel cell is stored with (markdown: a flagged python cell)."""
    return "python" if cell_type == "markdown" else cell_type


def file_code(cell_type: str, code: str) -> str:
    """The code a kernel cell is stored with (markdown: ``# ``-commented lines)."""
    return comment_markdown(code) if cell_type == "markdown" else code
