"""Keeps the diagnostics carried by a notebook's cells current.

The glue between :class:`~.notebook.Notebook` (who defines what) and the pure rule
in :mod:`.diagnostics`. Whoever applies an operation to the notebook calls
:meth:`NotebookDiagnostics.after` with the subject's analysis from before it; the
cells whose warnings changed get them in ``Cell.diagnostics`` and join the
operation's :class:`~.notebook.Change`, so front ends receive them in ``statuses``.
"""

from __future__ import annotations

from .analysis import Analysis
from .diagnostics import DiagnosticsTracker
from .notebook import Change, Notebook


class NotebookDiagnostics:
    """The :class:`~.diagnostics.DiagnosticsTracker` of one notebook."""

    __slots__ = ("notebook", "tracker")

    def __init__(self, notebook: Notebook) -> None:
        self.notebook = notebook
        self.tracker = DiagnosticsTracker(self._owner, self._analysis_of)

    def _owner(self, name: str) -> str | None:
        return self.notebook.graph.owner(name)

    def _analysis_of(self, cell_id: str) -> Analysis | None:
        cell = self.notebook.cells.get(cell_id)
        return cell.analysis if cell is not None else None

    def after(self, change: Change, subject: str, before: Analysis | None) -> None:
        """``subject`` was created (``before`` None), re-registered or deleted."""
        cell = self.notebook.cells.get(subject)
        after = cell.analysis if cell is not None else None
        if before is after:
            return
        self._apply(self.tracker.update(subject, before, after), change, subject)

    def reload(self) -> None:
        """Recompute every cell's diagnostics (after loading a notebook)."""
        self._apply(self.tracker.reset(self.notebook.cells.ids), Change(), None)

    def _apply(self, changed: list[str], change: Change, subject: str | None) -> None:
        cells = self.notebook.cells
        for cid in changed:
            cell = cells.get(cid)
            if cell is None:
                continue
            cell.diagnostics = self.tracker.of(cid)
            if cid != subject and cid not in change.changed:
                change.changed.append(cid)
