"""Which cell an input without a cell id is (VS Code, plain clients).

VS Code's Jupyter extension (notebooks and the Interactive Window) and other
plain clients send ``execute_request`` without ``metadata.cellId``: to the
kernel, every run is a console input. When the kernel already has cells (a
notebook file it is bound to, cells defined with ``%%reactive`` or through the
comm), such an input is matched to one of them, so that running it is running
that cell, with its cascade and the summary of what re-ran:

- **same code**: the input is a cell's code (ignoring blank lines around it and
  trailing spaces; an SQL input is ``%%sql [name]`` and the query): run it;
- **same definitions**: the input defines (at top level, ``_private`` names
  aside) exactly the names one cell defines, and no other cell's: it is an
  edit of that cell (``a = 5`` → ``a = 10``): register the new code and run it.

Anything else stays a scratch input. Pure: the caller analyses the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from .cells import Cell

SAME_CODE: Final = "same_code"
SAME_WRITES: Final = "same_writes"


@dataclass(frozen=True, slots=True)
class Match:
    """The cell an input is, and how it was recognised."""

    cell_id: str
    how: Literal["same_code", "same_writes"]


def normalize(code: str) -> str:
    """Code compared line by line without trailing spaces and blank edge lines."""
    lines = [line.rstrip() for line in code.replace("\r\n", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _public(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in names if not n.startswith("_"))


def match_input(
    cells: Iterable[Cell],
    code: str,
    cell_type: str,
    name: str | None,
    writes: Iterable[str],
    *,
    skip: frozenset[str] = frozenset(),
    owner: Callable[[str], Cell | None] | None = None,
) -> Match | None:
    """The cell the input ``code`` (of ``cell_type``, SQL result ``name``,
    defining ``writes``) is, or None.

    ``skip``: ids never matched (markdown cells). A code match must be unique
    (two cells with the same code: no match); so must a definitions match.
    ``owner`` (the cell that defines a name), when given, finds the definitions
    match without looking at every cell; the code match scans the cells, but
    compares in full only those that contain the input's first line.
    """
    wanted = normalize(code)
    probe = wanted.split("\n", 1)[0].strip()
    defines = _public(writes)
    same_code: list[str] = []
    same_writes: list[str] = []
    for cell in cells:
        if cell.id in skip or cell.type != cell_type or probe not in cell.code:
            continue
        if cell.name == name and normalize(cell.code) == wanted:
            same_code.append(cell.id)
    if len(same_code) == 1:
        return Match(same_code[0], SAME_CODE)
    if same_code or not defines:
        return None
    if owner is not None:
        found = [owner(n) for n in defines]
        first = found[0]
        candidates: Iterable[Cell] = [first] if first and all(c is first for c in found) else ()
    else:
        candidates = cells
    for cell in candidates:
        if cell.id not in skip and cell.type == cell_type and _public(cell.writes) == defines:
            same_writes.append(cell.id)
    return Match(same_writes[0], SAME_WRITES) if len(same_writes) == 1 else None
