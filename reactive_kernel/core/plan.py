"""Cascade planning: which cells a change must run, and in what order.

Planning is a pure function of the graph, the cells' statuses and notebook
order; it returns a :class:`CascadePlan` value and changes nothing. The caller
(the kernel's cascade runner) acts on the plan.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from .cells import Status
from .graph import DependencyGraph

RERUNNABLE = frozenset({Status.IDLE, Status.STALE})


@dataclass(frozen=True, slots=True)
class CascadePlan:
    """Cells to run in order, and cells of the region that cannot run.

    ``order`` is topological, ties broken by notebook order. ``blocked`` cells
    (cycles, multiple definitions) are not in ``order``; the runner reports the
    cells below them as ``UpstreamError``.
    """

    order: tuple[str, ...]
    blocked: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.order)


def plan_cascade(
    graph: DependencyGraph,
    roots: Iterable[str],
    status: Callable[[str], Status],
    position: Mapping[str, int],
    *,
    is_blocked: Callable[[str], bool],
    include_roots: bool = True,
    restorers: Mapping[str, str] | None = None,
    descendants: bool = True,
) -> CascadePlan:
    """Plan a run of ``roots`` and everything below them.

    The region is ``roots`` (unless ``include_roots`` is false), their
    descendants, and every ``idle``/``stale`` ancestor of those cells: a cell
    never runs on inputs that are out of date. Ancestors are searched only
    through ``idle``/``stale`` cells; a ``success`` cell's ancestors are
    up to date by construction.

    ``restorers`` maps names a ``del`` cell removed to the cells that define
    them: a region cell that reads one needs its definer to run again first,
    so the definer joins the roots (and its descendants the region).

    ``descendants`` false (lazy mode, core/modes.py) leaves out the cells
    below the roots: only the roots and their out-of-date ancestors run.
    """
    roots = list(roots)
    region = _region(graph, roots, status, include_roots, descendants)
    if restorers:
        while True:
            extra = {
                restorers[name]
                for cid in region
                for name in graph.reads(cid)
                if name in restorers and restorers[name] not in region
            }
            if not extra:
                break
            roots += extra
            region |= _region(graph, extra, status, True, descendants)
    blocked = [c for c in region if is_blocked(c)]
    runnable = region.difference(blocked)
    order = topological_order(graph, runnable, position)
    return CascadePlan(tuple(order), tuple(sorted(blocked, key=position.__getitem__)))


def _region(
    graph: DependencyGraph,
    roots: list[str] | set[str],
    status: Callable[[str], Status],
    include_roots: bool,
    descendants: bool = True,
) -> set[str]:
    """``roots`` and their descendants, plus every idle/stale ancestor."""
    region = graph.descendants(roots) if descendants else set()
    if include_roots:
        region.update(roots)
    else:
        region.difference_update(roots)
    pred = graph.pred
    stack = list(region)
    while stack:
        for parent in pred[stack.pop()]:
            if parent not in region and status(parent) in RERUNNABLE:
                region.add(parent)
                stack.append(parent)
    return region


def topological_order(
    graph: DependencyGraph, nodes: Collection[str], position: Mapping[str, int]
) -> list[str]:
    """Kahn's algorithm over the subgraph on ``nodes``, ties by notebook order.

    ``nodes`` must not contain a cycle (blocked cells are taken out first);
    any node left on one is appended in notebook order so nothing is lost.
    """
    succ, pred = graph.succ, graph.pred
    node_set = nodes if isinstance(nodes, (set, frozenset)) else set(nodes)
    indegree = {n: sum(1 for p in pred[n] if p in node_set) for n in node_set}
    heap = [(position[n], n) for n, d in indegree.items() if d == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        _, node = heapq.heappop(heap)
        order.append(node)
        for child in succ[node]:
            if child in node_set:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(heap, (position[child], child))
    if len(order) < len(node_set):
        done = set(order)
        order.extend(sorted((n for n in node_set if n not in done), key=position.__getitem__))
    return order
