"""The notebook's state machine: cells, graph and statuses kept consistent.

Every operation validates first and raises :class:`OpError` before changing
anything, so a rejected request leaves the notebook as it was. Operations
return a :class:`Change` saying which other cells changed status and which
names the runtime must remove from the namespace; the runtime applies it and
publishes it. Nothing here executes code or touches a socket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .analysis import Analysis, analyze_python
from .cells import CELL_TYPES, TOP, Cell, CellError, CellRegistry, Status, is_valid_cell_id
from .graph import DependencyGraph, GraphDelta
from .naming import cell_label
from .outputs import DEFAULT_BUDGET, OutputLog
from .plan import CascadePlan, plan_cascade
from .quoting import quote

Analyzer = Callable[[str, str, "str | None"], Analysis]
"""``(cell_type, code, name) -> Analysis``; the kernel supplies one that
understands IPython syntax and, later, SQL."""


class OpError(Exception):
    """A request that cannot be carried out; nothing was changed.

    ``code`` is the protocol's machine-readable error code.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Change:
    """Side effects of an operation on cells other than its subject."""

    changed: list[str] = field(default_factory=list)
    """Ids of cells whose status (or blocked reason) changed, in notebook order."""
    remove_names: set[str] = field(default_factory=set)
    """Names the runtime must delete from the user namespace."""
    parents_changed: set[str] = field(default_factory=set)
    """Other cells whose ``parents`` changed (clients redraw their edges)."""
    rerun: set[str] = field(default_factory=set)
    """Cells the change made runnable or out of date that a cascade triggered by
    the same request must include: cells unblocked by it, and definers whose
    names a ``del`` cell had removed and no longer removes."""


def default_analyzer(cell_type: str, code: str, name: str | None) -> Analysis:
    return analyze_python(code)


def linked(names: frozenset[str]) -> frozenset[str]:
    """Names that link cells: private ``_names`` never do."""
    if not any(n[0] == "_" for n in names):
        return names  # the common case: no copy
    return frozenset(n for n in names if not n.startswith("_"))


def graph_reads(analysis: Analysis) -> frozenset[str]:
    """What links a cell to its definers: its reads and the builtins it uses
    (a cell that shadows ``len`` defines it for every reader of ``len``)."""
    names = analysis.reads | analysis.builtins if analysis.builtins else analysis.reads
    return linked(names)


def _fmt_ids(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids))


class Notebook:
    """Ordered cells plus their dependency graph and statuses."""

    def __init__(self, analyzer: Analyzer = default_analyzer) -> None:
        self.cells = CellRegistry()
        self.graph = DependencyGraph()
        self.analyzer = analyzer
        self.output_budget = DEFAULT_BUDGET
        self.consumed: dict[str, str] = {}
        """Names a ``del`` cell's run removed, by that cell, until a definer
        binds them again. A cell that reads one cannot run before its definer
        has run again (see :meth:`plan`)."""

    # -- lookups ------------------------------------------------------------

    def __contains__(self, cell_id: object) -> bool:
        return cell_id in self.cells

    def cell(self, cell_id: str) -> Cell:
        """The cell, or :class:`OpError` ``unknown_cell``."""
        cell = self.cells.get(cell_id) if isinstance(cell_id, str) else None
        if cell is None:
            raise OpError("unknown_cell", f"There is no cell with id {quote(cell_id)}.")
        return cell

    def label(self, cell_id: str) -> str:
        """The cell as the user sees it in error texts (see :mod:`.naming`)."""
        cell = self.cells.get(cell_id)
        if cell is None:
            return cell_id
        return cell_label(cell_id, cell.code, cell.execution_count)

    def blocked_reason(self, cell_id: str) -> CellError | None:
        """Why the cell cannot run (cycle or multiple definition), or None."""
        group = self.graph.cycle(cell_id)
        if group:
            others = ", ".join(sorted(self.label(c) for c in group - {cell_id}))
            return CellError(
                "CycleError",
                f"This cell is part of a dependency cycle with cell(s) {others}: "
                "each needs a name the other defines.",
            )
        conflicts = self.graph.conflicts(cell_id)
        if conflicts:
            label = self.label
            parts = "; ".join(f"{n!r} by cell {label(c)}" for n, c in sorted(conflicts.items()))
            return CellError(
                "MultipleDefinitionError",
                f"This cell defines names already defined elsewhere ({parts}). "
                "A name may be defined by one cell only.",
            )
        return None

    def is_blocked(self, cell_id: str) -> bool:
        return self.graph.cycle(cell_id) is not None or self.graph.has_conflict(cell_id)

    def removable_names(self, cell: Cell) -> set[str]:
        """Names this cell bound (or will bind) that no other cell owns."""
        owner = self.graph.owner
        return {
            n
            for n in cell.defined | cell.writes
            if n.startswith("_") or owner(n) in (None, cell.id)
        }

    def parents(self, cell_id: str) -> list[str]:
        """The cells ``cell_id`` reads from, in notebook order."""
        positions = self.cells.positions()
        return sorted(self.graph.pred[cell_id], key=positions.__getitem__)

    def cell_dict(self, cell: Cell) -> dict[str, Any]:
        """The cell as clients see it, with ``parents`` from the graph."""
        data = cell.to_dict()
        data["parents"] = self.parents(cell.id)
        return data

    def _drop_bindings(self, cell: Cell, change: Change) -> None:
        """The cell's names leave the namespace (it is blocked or failed)."""
        change.remove_names |= self.removable_names(cell)
        cell.defined = frozenset()
        self._restore_consumed(cell.id, change)

    def _restore_consumed(
        self, deleter: str, change: Change, keep: frozenset[str] = frozenset()
    ) -> None:
        """``deleter`` no longer removes the names it removed (it was edited,
        deleted or cannot run): their definers must bind them again."""
        for name, by in self.consumed.items():
            if by != deleter or name in keep:
                continue
            owner = self.graph.owner(name)
            if owner is None or owner == deleter or owner not in self.cells:
                continue
            change.rerun.add(owner)
            if self._make_stale(self.cells[owner]):
                change.changed.append(owner)
            self._stale_below([owner], change)

    def record_run(self, cell: Cell) -> None:
        """After a cell ran (successfully or not): what its ``del`` removed is
        gone until a definer runs; what it bound is back."""
        consumed = self.consumed
        if cell.analysis.deletes:
            owner = self.graph.owner
            for name in cell.analysis.deletes:
                if owner(name) != cell.id:
                    consumed[name] = cell.id
        if consumed:
            for name in cell.writes:
                consumed.pop(name, None)

    # -- operations ---------------------------------------------------------

    def validate_new(self, cell_id: str, cell_type: str, after: str | None) -> None:
        if not is_valid_cell_id(cell_id):
            raise OpError(
                "bad_request",
                f"Invalid cell id {quote(cell_id)}: "
                "use 1-64 characters of letters, digits, '_' or '-'.",
            )
        if cell_id in self.cells:
            raise OpError("duplicate_id", f"A cell with id {quote(cell_id)} already exists.")
        if cell_type not in CELL_TYPES:
            raise OpError(
                "bad_cell_type",
                f"Unknown cell type {quote(cell_type)}: use 'python', 'sql' or 'markdown'.",
            )
        self._check_after(after)

    def _check_after(self, after: str | None, moving: str | None = None) -> None:
        if after is None or after == TOP:
            return
        if after == moving:
            raise OpError("bad_position", "A cell cannot be placed after itself.")
        if after not in self.cells:
            raise OpError(
                "bad_position", f"Cannot place a cell after {quote(after)}: no such cell."
            )

    def create(
        self,
        cell_id: str,
        cell_type: str = "python",
        code: str = "",
        after: str | None = None,
        name: str | None = None,
    ) -> tuple[Cell, int, Change]:
        """Add a cell (status ``idle``). Returns the cell, its index and the change."""
        self.validate_new(cell_id, cell_type, after)
        cell = Cell(id=cell_id, type=cell_type, code=code, name=name)
        cell.outputs = OutputLog(self.output_budget)
        cell.analysis = self.analyzer(cell_type, code, name)
        index = self.cells.insert(cell, after)
        delta = self.graph.set_cell(
            cell_id, graph_reads(cell.analysis), linked(cell.writes), linked(cell.analysis.deletes)
        )
        change = self._apply_delta(delta, subject=cell_id)
        self._refresh_blocked(cell)
        return cell, index, change

    def register(
        self,
        cell_id: str,
        code: str,
        name: str | None = None,
        cell_type: str | None = None,
        *,
        reanalyze: bool = False,
    ) -> Change:
        """New code for a cell: it and its descendants become ``stale``.

        ``reanalyze`` re-reads unchanged code (after a change of SQL dialect).
        """
        cell = self.cell(cell_id)
        if cell_type is not None and cell_type not in CELL_TYPES:
            raise OpError(
                "bad_cell_type",
                f"Unknown cell type {quote(cell_type)}: use 'python', 'sql' or 'markdown'.",
            )
        new_type = cell_type or cell.type
        new_name = name if name is not None else cell.name
        unchanged = code == cell.code and new_type == cell.type and new_name == cell.name
        if unchanged and not reanalyze:
            return Change()
        old = cell.analysis
        analysis = self.analyzer(new_type, code, new_name)
        if analysis.syntax_error is not None and new_type == cell.type:
            # A draft that does not parse keeps the cell's place in the graph:
            # an unfinished line never wipes a value (PROTOCOL.md section 2a).
            analysis = replace(old, syntax_error=analysis.syntax_error)
        cell.code, cell.type, cell.name = code, new_type, new_name
        cell.analysis = analysis
        change = Change()
        gone = cell.defined - analysis.writes
        if gone:  # names the new code no longer defines leave at once
            change.remove_names |= gone
            cell.defined -= gone
        delta = self.graph.set_cell(
            cell_id, graph_reads(analysis), linked(analysis.writes), linked(analysis.deletes)
        )
        delta_change = self._apply_delta(delta, subject=cell_id)
        change.changed += delta_change.changed
        change.remove_names |= delta_change.remove_names
        change.rerun |= delta_change.rerun
        change.parents_changed = delta_change.parents_changed
        was_blocked = cell.status == Status.BLOCKED
        if self._refresh_blocked(cell):
            self._drop_bindings(cell, change)
        else:
            if was_blocked:
                change.rerun.add(cell_id)
            self._make_stale(cell)
        if old.deletes:
            self._restore_consumed(cell_id, change, keep=analysis.deletes)
        self._stale_below([cell_id], change)
        positions = self.cells.positions()
        change.changed = sorted(set(change.changed), key=positions.__getitem__)
        return change

    def delete(self, cell_id: str) -> tuple[Cell, set[str], Change]:
        """Remove a cell. Returns it, its former descendants and the change."""
        cell = self.cell(cell_id)
        below = self.graph.descendants([cell_id])
        below.discard(cell_id)
        change = Change(remove_names=self.removable_names(cell))
        self._restore_consumed(cell_id, change)
        self.cells.remove(cell_id)
        delta = self.graph.remove_cell(cell_id)
        change_delta = self._apply_delta(delta, subject=cell_id)
        change.remove_names |= change_delta.remove_names
        change.rerun |= change_delta.rerun
        change.rerun.discard(cell_id)
        change.parents_changed = change_delta.parents_changed
        positions = self.cells.positions()
        change.changed = sorted(
            {c for c in change.changed + change_delta.changed if c in self.cells},
            key=positions.__getitem__,
        )
        # Heirs of names the cell owned were stale-marked by the delta.
        below.update(c for c in delta.inputs_changed if c in self.cells)
        below |= change.rerun
        return cell, below, change

    def move(self, cell_id: str, after: str | None) -> int:
        self.cell(cell_id)
        self._check_after(after, moving=cell_id)
        return self.cells.move(cell_id, after)

    # -- planning -----------------------------------------------------------

    def plan(
        self, roots: Iterable[str], include_roots: bool = True, descendants: bool = True
    ) -> CascadePlan:
        restorers: dict[str, str] = {}
        owner = self.graph.owner
        for name in self.consumed:
            definer = owner(name)
            if definer is not None:
                restorers[name] = definer
        return plan_cascade(
            self.graph,
            roots,
            lambda c: self.cells[c].status,
            self.cells.positions(),
            is_blocked=self.is_blocked,
            include_roots=include_roots,
            restorers=restorers,
            descendants=descendants,
        )

    def upstream_failure(self, cell_id: str) -> CellError | None:
        """An ``UpstreamError`` if a parent failed, is blocked or did not run."""
        cells = self.cells
        parents = self.graph.pred[cell_id]
        if not parents:
            return None
        for parent in sorted(parents, key=cells.position):
            status = cells[parent].status
            if status in (Status.ERROR, Status.BLOCKED, Status.STALE, Status.IDLE):
                what = {"error": "failed", "blocked": "is blocked"}.get(status.value, "has not run")
                names = ", ".join(sorted(self.graph.edge_names(parent, cell_id)))
                label = self.label(parent)
                return CellError("UpstreamError", f"Cell {label} (which defines {names}) {what}.")
        return None

    # -- status bookkeeping -------------------------------------------------

    def _make_stale(self, cell: Cell) -> bool:
        """Mark a cell out of date; never-run cells stay ``idle``."""
        if cell.status in (Status.BLOCKED, Status.IDLE, Status.STALE, Status.DISABLED):
            return False
        if cell.execution_count is None and cell.status not in (Status.ERROR, Status.SUCCESS):
            # (a markdown cell that rendered is success without a count)
            return False
        cell.status = Status.STALE
        return True

    def _stale_below(self, roots: Iterable[str], change: Change) -> None:
        """Mark descendants stale, not walking past cells already out of date.

        A cell that is idle, stale or blocked has no up-to-date descendants
        (a cell only succeeds after its ancestors did), so the walk stops
        there: editing among cells that never ran costs O(1), not O(chain).
        """
        cells, succ = self.cells, self.graph.succ
        seen: set[str] = set()
        stack = [c for r in roots for c in succ[r]]
        while stack:
            cid = stack.pop()
            if cid in seen:
                continue
            seen.add(cid)
            if self._make_stale(cells[cid]):
                change.changed.append(cid)
                stack.extend(succ[cid])

    def _refresh_blocked(self, cell: Cell) -> bool:
        """Set or clear the cell's blocked state; True if it is blocked."""
        reason = self.blocked_reason(cell.id)
        if reason is not None:
            cell.status, cell.error = Status.BLOCKED, reason
            return True
        if cell.status == Status.BLOCKED:
            cell.error = None
            cell.status = Status.IDLE if cell.execution_count is None else Status.STALE
        return False

    def _apply_delta(self, delta: GraphDelta, subject: str) -> Change:
        """Update blocked states and staleness of the cells a graph change touched."""
        change = Change()
        cells = self.cells
        for cid in delta.touched:
            if cid == subject or cid not in cells:
                continue
            cell = cells[cid]
            before = (cell.status, cell.error)
            if self._refresh_blocked(cell):
                if before[0] != Status.BLOCKED:
                    self._drop_bindings(cell, change)
            elif before[0] == Status.BLOCKED:
                change.rerun.add(cid)  # runnable again: a triggered cascade includes it
            if (cell.status, cell.error) != before:
                change.changed.append(cid)
        stale_roots = [c for c in delta.inputs_changed if c in cells and c != subject]
        change.parents_changed.update(stale_roots)
        for cid in stale_roots:
            if self._make_stale(cells[cid]):
                change.changed.append(cid)
        if stale_roots:
            self._stale_below(stale_roots, change)
        blocked_now = [c for c in change.changed if cells[c].status == Status.BLOCKED]
        if blocked_now:
            self._stale_below(blocked_now, change)
        positions = cells.positions()
        change.changed = sorted(set(change.changed), key=positions.__getitem__)
        return change
