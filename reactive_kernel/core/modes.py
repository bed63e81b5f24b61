"""Execution modes for expensive notebooks: lazy mode and disabled cells.

PROTOCOL.md section 8. Both are planning rules, pure like :mod:`.plan`:

- **Lazy mode**: a change runs only what was asked for. ``run X`` runs X and
  its ``idle``/``stale`` ancestors (:func:`lazy_plan`); the cells below X are
  not run but marked ``stale`` (:func:`mark_stale_below`), so the user sees
  what is out of date and brings it up to date with ``run_all``.
- **Disabled cells**: a disabled cell and every cell below it do not run and
  bind nothing; they show ``disabled``, the descendants naming the disabled
  ancestor in ``disabled_by``. :func:`apply_disabled` brings the notebook's
  statuses in line with the cells' ``disabled`` options after any change and
  returns what changed; :func:`without_disabled` takes those cells out of a plan.

The callers (the kernel's service) publish the changes and remove the names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from .cells import Status
from .graph import DependencyGraph
from .notebook import Change, Notebook
from .plan import CascadePlan

AUTO: Final = "auto"
LAZY: Final = "lazy"
MODES: Final = (AUTO, LAZY)

_OUT_OF_DATE_FROM = frozenset({Status.SUCCESS, Status.ERROR})


def lazy_plan(notebook: Notebook, roots: Iterable[str]) -> CascadePlan:
    """What ``run`` of ``roots`` runs in lazy mode: the roots and their
    ``idle``/``stale`` ancestors, in dependency order; nothing below them."""
    return notebook.plan(roots, descendants=False)


def mark_stale_below(
    notebook: Notebook, roots: Iterable[str], skip: Iterable[str] = ()
) -> list[str]:
    """Mark ``stale`` every ``success``/``error`` cell below ``roots`` (except
    ``skip``, the cells about to run); returns them in notebook order.

    Their values stay bound until they run again: a stale cell is out of date,
    and a cell that reads it brings it up to date first (its plan includes it).
    """
    cells = notebook.cells
    skipped = set(skip)
    changed = [
        cid
        for cid in notebook.graph.descendants(roots)
        if cid not in skipped and cells[cid].status in _OUT_OF_DATE_FROM
    ]
    for cid in changed:
        cells[cid].status = Status.STALE
    positions = cells.positions()
    changed.sort(key=positions.__getitem__)
    return changed


def disabled_closure(
    graph: DependencyGraph, disabled: Iterable[str], position: Mapping[str, int]
) -> dict[str, str | None]:
    """Every cell that must not run, mapped to the disabled ancestor that stops
    it (``None`` for a cell disabled itself). A cell below several disabled
    cells names the first of them in notebook order."""
    roots = sorted(disabled, key=position.__getitem__)
    closure: dict[str, str | None] = dict.fromkeys(roots)
    for root in roots:
        for cid in sorted(graph.descendants([root]), key=position.__getitem__):
            if cid not in closure:
                closure[cid] = root
    return closure


@dataclass(slots=True)
class DisabledChange:
    """What :func:`apply_disabled` changed."""

    closure: dict[str, str | None] = field(default_factory=dict)
    """The cells that are now disabled (see :func:`disabled_closure`)."""
    changed: list[str] = field(default_factory=list)
    """Cells whose status or ``disabled_by`` changed, in notebook order."""
    remove_names: set[str] = field(default_factory=set)
    """Names the newly disabled cells had bound: the runtime removes them."""
    enabled: list[str] = field(default_factory=list)
    """Cells to run in auto mode: those no longer disabled (now ``idle``/``stale``),
    and definers of names a newly disabled ``del`` cell had removed."""


def apply_disabled(
    notebook: Notebook, disabled: Iterable[str], previous: Mapping[str, str | None]
) -> DisabledChange:
    """Make statuses agree with the cells' ``disabled`` options.

    ``disabled`` are the cells with the option on (the caller keeps that set);
    ``previous`` is the closure this function returned last time (``{}`` at
    first). Costs nothing when no cell is or was disabled, so notebooks that
    do not use the option pay nothing per change.
    """
    cells = notebook.cells
    result = DisabledChange()
    disabled = [cid for cid in disabled if cid in cells]
    if not disabled and not previous:
        return result
    closure = disabled_closure(notebook.graph, disabled, cells.positions())
    result.closure = closure
    for cid, by in closure.items():
        cell = cells[cid]
        if cell.status == Status.DISABLED and cell.disabled_by == by:
            continue
        result.remove_names |= notebook.removable_names(cell)
        cell.defined = frozenset()
        cell.status, cell.error, cell.disabled_by, cell.cached = Status.DISABLED, None, by, False
        result.changed.append(cid)
        if cid in notebook.consumed.values():  # what its ``del`` removed must come back
            restored = Change()
            notebook._restore_consumed(cid, restored)
            result.changed += [c for c in restored.changed if c not in closure]
            result.enabled += [c for c in restored.rerun if c not in closure]
    for cid in previous:
        if cid in closure or cid not in cells:
            continue
        cell = cells[cid]
        cell.disabled_by = None
        if cell.status == Status.DISABLED:
            cell.status = Status.IDLE if cell.execution_count is None else Status.STALE
            if notebook.is_blocked(cid):
                reason = notebook.blocked_reason(cid)
                cell.status, cell.error = Status.BLOCKED, reason
            else:
                result.enabled.append(cid)
        result.changed.append(cid)
    positions = cells.positions()
    result.changed = sorted(set(result.changed), key=positions.__getitem__)
    result.enabled.sort(key=positions.__getitem__)
    return result


def without_disabled(plan: CascadePlan, closure: Mapping[str, str | None]) -> CascadePlan:
    """``plan`` without the disabled cells (they neither run nor fail)."""
    if not closure:
        return plan
    return CascadePlan(
        tuple(c for c in plan.order if c not in closure),
        tuple(c for c in plan.blocked if c not in closure),
    )
