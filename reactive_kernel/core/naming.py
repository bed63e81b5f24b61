"""How texts people read name a cell: as the front end shows it, not by a UUID.

JupyterLab's cell ids are UUIDs and the web notebook's are random (``c`` and 12
hex digits): an error saying ``Cell 43d3bf34-… failed`` points nowhere on the
screen. So a cell is named by its id only when the id looks written by a person
(``orders``, ``c1``, ``cell-3``: notebook files, console magics, the comm);
otherwise by what the front end shows next to it, its execution count and its
first line of code: ``[3] "b = a + 1"``.
"""

from __future__ import annotations

import re
from typing import Final

MAX_HUMAN_ID: Final = 24
"""Longer ids are taken as generated (JupyterLab's UUIDs have 36 characters)."""
FIRST_LINE_WIDTH: Final = 32

_HUMAN_ID: Final = re.compile(rf"[A-Za-z_][A-Za-z0-9_-]{{0,{MAX_HUMAN_ID - 1}}}")
_HEX_RUN: Final = re.compile(r"[0-9a-fA-F]{8,}")


def is_human_id(cell_id: str) -> bool:
    """True for an id a person wrote: starts with a letter or ``_``, at most
    :data:`MAX_HUMAN_ID` characters, and no run of 8+ hex digits with a digit in
    it (nbformat's ``uuid4().hex[:8]``, the web notebook's ``c3fa9b…``)."""
    if not _HUMAN_ID.fullmatch(cell_id):
        return False
    return not any(any(ch.isdigit() for ch in run) for run in _HEX_RUN.findall(cell_id))


def first_line(code: str, width: int = FIRST_LINE_WIDTH) -> str:
    """The first non-blank line of ``code``, stripped, cut to ``width`` with ``…``."""
    line = next((text.strip() for text in code.splitlines() if text.strip()), "")
    if len(line) > width:
        line = line[: width - 1] + "…"
    return line


def cell_label(cell_id: str, code: str, execution_count: int | None) -> str:
    """The cell as the user sees it, for "Cell {label} failed" texts.

    ``orders`` (a human id), else ``[3] "b = a + 1"`` (execution count and
    first line), ``"b = a + 1"`` when it never ran, ``[3] (empty)`` for no code.
    """
    if is_human_id(cell_id):
        return cell_id
    line = first_line(code)
    text = f'"{line}"' if line else "(empty)"
    return text if execution_count is None else f"[{execution_count}] {text}"


def summary_label(cell_id: str, code: str) -> str:
    """A cascade summary's line for a cell: first line, and the id when a person
    wrote it (counts change as the cascade runs, so they are left out)."""
    line = first_line(code, 40) or "(empty)"
    return f"{line} [{cell_id}]" if is_human_id(cell_id) else line
