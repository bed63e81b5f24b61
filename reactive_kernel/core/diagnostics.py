"""Static warnings about a cell, shown beside it (PROTOCOL.md section 9).

``mutates-foreign``: the cell changes in place a value that another cell defines
(``lst.append(v)``, ``df.loc[r, c] = v``, ``d[k] += 1`` ...). The kernel cannot see
such a change: the defining cell does not know about it, cells that read the value
do not re-run when the mutating cell does, and a re-run of the defining cell
silently undoes it. The cure is to move the mutation into the defining cell.

Analysis (:mod:`.analysis`) finds the candidate names in its one walk over the
code; the rule here needs what only the notebook knows (who defines each name,
whether that definition is an import) and stays pure: it gets both as callables.
:class:`DiagnosticsTracker` keeps every cell's warnings current as cells come,
change and go, touching only the cells whose warnings can have changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from .analysis import Analysis

__all__ = [
    "MUTATES_FOREIGN",
    "UNCACHEABLE",
    "Diagnostic",
    "DiagnosticsTracker",
    "mutation_diagnostics",
]

MUTATES_FOREIGN: Final = "mutates-foreign"
UNCACHEABLE: Final = "uncacheable"
"""A cell with the ``cache`` option whose results the cache cannot keep (a value
that cannot be pickled, tables it creates): it runs every time (runtime/cell_cache.py)."""

Owner = Callable[[str], "str | None"]
"""``name -> id of the cell that defines it`` (None: no cell does)."""
AnalysisOf = Callable[[str], "Analysis | None"]
"""``cell id -> its analysis`` (None: no such cell)."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One warning on a cell: a machine code, one clear sentence, the names concerned."""

    code: str
    message: str
    names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "names": list(self.names)}


def _message(names: list[str], owner: str) -> str:
    listed = ", ".join(names)
    them = "it" if len(names) == 1 else "them"
    return (
        f"This cell mutates {listed}, which cell {owner} defines: move the mutation into "
        f"cell {owner}. The kernel cannot see it here: cells that read {them} do not re-run, "
        f"and a re-run of cell {owner} undoes it."
    )


def mutation_diagnostics(
    cell_id: str, analysis: Analysis, owner: Owner, analysis_of: AnalysisOf
) -> tuple[Diagnostic, ...]:
    """The ``mutates-foreign`` warnings of one cell, one per defining cell.

    A name counts when the cell mutates it, does not define it itself, it is not
    ``_private``, another cell defines it, and that cell does not bind it by import
    (``np.sort(a)``, ``sys.path.append(p)``: calls on modules are not warned about).
    """
    if not analysis.mutates:
        return ()
    by_owner: dict[str, list[str]] = {}
    for name in sorted(analysis.mutates):
        if name.startswith("_") or name in analysis.writes:
            continue
        definer = owner(name)
        if definer is None or definer == cell_id:
            continue
        defining = analysis_of(definer)
        if defining is None or name in defining.imports:
            continue
        by_owner.setdefault(definer, []).append(name)
    return tuple(
        Diagnostic(MUTATES_FOREIGN, _message(names, definer), tuple(names))
        for definer, names in sorted(by_owner.items())
    )


class DiagnosticsTracker:
    """Every cell's current diagnostics, updated incrementally.

    After an operation on a cell, call :meth:`update` with the cell's analysis
    before and after; it recomputes the subject and the cells that mutate a name
    the subject defined or defines (their defining cell, or whether it is an
    import, may have changed) and returns the ids whose diagnostics changed. The
    cost is proportional to those cells, never to the notebook.
    """

    __slots__ = ("_by_name", "_current", "analysis_of", "owner")

    def __init__(self, owner: Owner, analysis_of: AnalysisOf) -> None:
        self.owner = owner
        self.analysis_of = analysis_of
        self._by_name: dict[str, set[str]] = {}  # mutated name -> cells that mutate it
        self._current: dict[str, tuple[Diagnostic, ...]] = {}

    def of(self, cell_id: str) -> tuple[Diagnostic, ...]:
        """The cell's diagnostics as last computed (empty for an unknown cell)."""
        return self._current.get(cell_id, ())

    def update(self, cell_id: str, before: Analysis | None, after: Analysis | None) -> list[str]:
        """``cell_id`` was created (``before`` None), changed, or deleted (``after``
        None). Returns the ids, the subject included, whose diagnostics changed."""
        if before is not None:
            for name in before.mutates:
                readers = self._by_name.get(name)
                if readers is not None:
                    readers.discard(cell_id)
                    if not readers:
                        del self._by_name[name]
        if after is not None:
            for name in after.mutates:
                self._by_name.setdefault(name, set()).add(cell_id)
        names: set[str] = set()
        for analysis in (before, after):
            if analysis is not None:
                names |= analysis.writes
        affected = {cell_id} | {c for n in names for c in self._by_name.get(n, ())}
        return self._recompute(affected)

    def reset(self, cell_ids: Iterable[str]) -> list[str]:
        """Rebuild from scratch for these cells (after loading a notebook)."""
        self._by_name.clear()
        ids = list(cell_ids)
        for cid in ids:
            analysis = self.analysis_of(cid)
            for name in analysis.mutates if analysis is not None else ():
                self._by_name.setdefault(name, set()).add(cid)
        return self._recompute(ids)

    def _recompute(self, cell_ids: Iterable[str]) -> list[str]:
        changed: list[str] = []
        for cid in cell_ids:
            analysis = self.analysis_of(cid)
            new = (
                mutation_diagnostics(cid, analysis, self.owner, self.analysis_of)
                if analysis is not None
                else ()
            )
            if new != self._current.get(cid, ()):
                changed.append(cid)
            if new:
                self._current[cid] = new
            else:
                self._current.pop(cid, None)
        return changed
