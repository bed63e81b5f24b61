"""Cells, their statuses and the ordered cell registry.

A cell is plain data: its code, what static analysis says it reads and writes,
and the state of its last run. The registry keeps cells in notebook order; that
order only breaks ties in execution order (dependencies decide the rest), so it
is kept cheap to append to and lazily re-indexed after inserts and moves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .analysis import EMPTY_ANALYSIS, Analysis
from .diagnostics import Diagnostic
from .outputs import OutputLog

CELL_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CELL_TYPES = ("python", "sql", "markdown")
TOP = "^"
"""The ``after`` value that places a cell at the top of the notebook."""


class Status(str, Enum):
    """Where a cell stands; see PROTOCOL.md section 2."""

    IDLE = "idle"
    STALE = "stale"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    ERROR = "error"
    BLOCKED = "blocked"
    DISABLED = "disabled"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CellError:
    """An error shown on a cell: its own exception, or why it could not run."""

    ename: str
    evalue: str
    traceback: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"ename": self.ename, "evalue": self.evalue, "traceback": list(self.traceback)}


def is_valid_cell_id(value: object) -> bool:
    """True for 1-64 characters of ``[A-Za-z0-9_-]`` (JupyterLab's UUIDs fit)."""
    return isinstance(value, str) and CELL_ID_RE.fullmatch(value) is not None


@dataclass(slots=True)
class Cell:
    """One notebook cell and the state of its last run.

    ``defined`` holds the names the last run bound, so that they can be removed
    before the next run even when the code changed in between.
    """

    id: str
    type: str = "python"
    code: str = ""
    name: str | None = None
    analysis: Analysis = EMPTY_ANALYSIS
    status: Status = Status.IDLE
    execution_count: int | None = None
    error: CellError | None = None
    outputs: OutputLog = field(default_factory=OutputLog)
    defined: frozenset[str] = frozenset()
    diagnostics: tuple[Diagnostic, ...] = ()
    """Static warnings (core/diagnostics.py), kept current by the notebook's owner."""
    disabled: bool = False
    """Switched off by the user (PROTOCOL.md section 8): it and its descendants do not run."""
    cache: bool = False
    """Its results are kept in the result cache and restored instead of re-run."""
    cached: bool = False
    """Its last result came from the cache."""
    disabled_by: str | None = None
    """The disabled ancestor that keeps this cell from running (None for the cell itself)."""

    @property
    def reads(self) -> frozenset[str]:
        return self.analysis.reads

    @property
    def writes(self) -> frozenset[str]:
        return self.analysis.writes

    def to_dict(self) -> dict[str, Any]:
        """The cell as the protocol shows it to clients."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "code": self.code,
            "reads": sorted(self.analysis.reads),
            "writes": sorted(self.analysis.writes),
            "status": self.status.value,
            "execution_count": self.execution_count,
            "error": self.error.to_dict() if self.error else None,
            "outputs": self.outputs.to_list(),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "disabled": self.disabled,
            "cache": self.cache,
            "cached": self.cached,
            "disabled_by": self.disabled_by,
        }
        if self.type == "sql":
            data["name"] = self.name
        return data


class CellRegistry:
    """Cells in notebook order.

    Appending is O(1). Positions are recomputed lazily (O(n), once) after an
    insert in the middle, a move or a removal, so bulk loads stay linear.
    """

    __slots__ = ("_cells", "_order", "_position")

    def __init__(self) -> None:
        self._cells: dict[str, Cell] = {}
        self._order: list[str] = []
        self._position: dict[str, int] | None = {}

    def __contains__(self, cell_id: object) -> bool:
        return cell_id in self._cells

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[Cell]:
        cells = self._cells
        return (cells[i] for i in self._order)

    def __getitem__(self, cell_id: str) -> Cell:
        return self._cells[cell_id]

    def get(self, cell_id: str) -> Cell | None:
        return self._cells.get(cell_id)

    @property
    def ids(self) -> list[str]:
        return list(self._order)

    def position(self, cell_id: str) -> int:
        """The cell's index in notebook order."""
        return self.positions()[cell_id]

    def positions(self) -> dict[str, int]:
        if self._position is None:
            self._position = {cid: i for i, cid in enumerate(self._order)}
        return self._position

    def insertion_index(self, after: str | None) -> int:
        """Where a cell placed ``after`` lands: ``None`` appends, ``TOP`` is 0.

        Raises ``KeyError`` when ``after`` names no cell.
        """
        if after is None:
            return len(self._order)
        if after == TOP:
            return 0
        return self.positions()[after] + 1

    def insert(self, cell: Cell, after: str | None = None) -> int:
        """Add ``cell``; returns its index. The caller checks the id is new."""
        index = self.insertion_index(after)
        self._cells[cell.id] = cell
        if index == len(self._order):
            self._order.append(cell.id)
            if self._position is not None:
                self._position[cell.id] = index
        else:
            self._order.insert(index, cell.id)
            self._position = None
        return index

    def remove(self, cell_id: str) -> Cell:
        cell = self._cells.pop(cell_id)
        index = self.positions()[cell_id]
        del self._order[index]
        if index == len(self._order) and self._position is not None:
            del self._position[cell_id]
        else:
            self._position = None
        return cell

    def move(self, cell_id: str, after: str | None) -> int:
        """Move a cell; ``after`` may not be the cell itself. Returns the new index."""
        del self._order[self.positions()[cell_id]]
        self._position = None
        index = self.insertion_index(after)
        self._order.insert(index, cell_id)
        self._position = None
        return index
