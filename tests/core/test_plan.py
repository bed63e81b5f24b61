"""Tests for :mod:`reactive_kernel.core.plan`, driven through a real Notebook.

Each row of the table is a small notebook (cells in notebook order), the statuses
its cells are in (as the runtime would leave them), optional moves, the roots of a
run, and the plan that must come out: the order to run in and the blocked cells.
"""

from __future__ import annotations

import pytest

from reactive_kernel.core.cells import Status
from reactive_kernel.core.graph import DependencyGraph
from reactive_kernel.core.notebook import Notebook
from reactive_kernel.core.plan import CascadePlan, plan_cascade, topological_order

S, T, I = Status.SUCCESS, Status.STALE, Status.IDLE  # noqa: E741


def make_notebook(
    cells: list[tuple[str, str]],
    statuses: dict[str, Status] | None = None,
    moves: list[tuple[str, str | None]] | None = None,
) -> Notebook:
    nb = Notebook()
    for cid, code in cells:
        nb.create(cid, code=code)
    for cid, status in (statuses or {}).items():
        cell = nb.cells[cid]
        if status == Status.IDLE:
            continue
        # What the runtime leaves behind after running the cell.
        cell.status, cell.execution_count, cell.defined = status, 1, cell.writes
    for cid, after in moves or []:
        nb.move(cid, after)
    return nb


def all_run(cells: list[tuple[str, str]], *, but: dict[str, Status] | None = None) -> dict:
    statuses = {cid: S for cid, _ in cells}
    statuses.update(but or {})
    return statuses


CHAIN = [("a", "x = 1"), ("b", "y = x + 1"), ("c", "z = y + 1")]
# top -> right, top -> left, right/left -> bottom; "right" comes first in the notebook.
DIAMOND = [("top", "x = 1"), ("right", "z = x"), ("left", "y = x"), ("bottom", "w = y + z")]
INDEPENDENT = [("a", "x = 1"), ("b", "y = 2"), ("c", "z = 3")]
# a and s feed c; s is not reachable from a.
TWO_PARENTS = [("a", "x = 1"), ("s", "k = 2"), ("c", "y = x + k"), ("d", "print(y)")]
# p feeds m1; m2 redefines x (blocked) and reads q from p.
MULTI_DEF = [("p", "q = 1"), ("m1", "x = q"), ("m2", "x = q * 2"), ("r", "print(x)")]
# p feeds a; a <-> b is a cycle; d reads from the cycle; e is beside it.
CYCLE = [("p", "q = 1"), ("a", "x = q + y"), ("b", "y = x"), ("d", "print(y)"), ("e", "q2 = q")]

Case = tuple[
    str,  # id
    list[tuple[str, str]],  # cells (id, code) in notebook order
    dict[str, Status],  # statuses to set (others stay idle or blocked)
    list[tuple[str, str | None]],  # moves
    list[str],  # roots
    bool,  # include_roots
    list[str],  # expected order
    list[str],  # expected blocked
]

# fmt: off
CASES: list[Case] = [
    # -- order ------------------------------------------------------------------------
    ("chain_from_top", CHAIN, all_run(CHAIN), [], ["a"], True, ["a", "b", "c"], []),
    ("chain_from_middle", CHAIN, all_run(CHAIN), [], ["b"], True, ["b", "c"], []),
    ("chain_leaf_only", CHAIN, all_run(CHAIN), [], ["c"], True, ["c"], []),
    ("diamond_ties_by_notebook_order", DIAMOND, all_run(DIAMOND), [], ["top"], True,
     ["top", "right", "left", "bottom"], []),
    ("diamond_side", DIAMOND, all_run(DIAMOND), [], ["left"], True, ["left", "bottom"], []),
    ("diamond_both_sides", DIAMOND, all_run(DIAMOND), [], ["left", "right"], True,
     ["right", "left", "bottom"], []),
    ("diamond_moved_changes_tie_order", DIAMOND, all_run(DIAMOND), [("left", "top")], ["top"],
     True, ["top", "left", "right", "bottom"], []),
    ("diamond_moved_to_end", DIAMOND, all_run(DIAMOND), [("right", None)], ["top"], True,
     ["top", "left", "right", "bottom"], []),
    ("move_above_parent_keeps_dependency_order", CHAIN, all_run(CHAIN),
     [("c", "^"), ("b", "^")], ["a"], True, ["a", "b", "c"], []),
    ("independent_one_root", INDEPENDENT, all_run(INDEPENDENT), [], ["b"], True, ["b"], []),
    ("independent_roots_in_notebook_order", INDEPENDENT, all_run(INDEPENDENT), [], ["c", "a"],
     True, ["a", "c"], []),
    ("independent_moved", INDEPENDENT, all_run(INDEPENDENT), [("a", None)], ["c", "a", "b"],
     True, ["b", "c", "a"], []),
    ("duplicate_roots", CHAIN, all_run(CHAIN), [], ["b", "b", "a"], True, ["a", "b", "c"], []),
    ("no_roots", CHAIN, all_run(CHAIN), [], [], True, [], []),
    # -- ancestors ----------------------------------------------------------------------
    ("stale_parent_included", CHAIN, all_run(CHAIN, but={"a": T}), [], ["b"], True,
     ["a", "b", "c"], []),
    ("idle_parent_included", CHAIN, {"b": S, "c": S}, [], ["b"], True, ["a", "b", "c"], []),
    ("idle_chain_all_included", CHAIN, {}, [], ["c"], True, ["a", "b", "c"], []),
    ("success_parent_not_included", CHAIN, all_run(CHAIN), [], ["c"], True, ["c"], []),
    ("no_search_past_success", CHAIN, all_run(CHAIN, but={"a": T}), [], ["c"], True,
     ["c"], []),
    ("stale_grandparent_through_stale_parent", CHAIN, all_run(CHAIN, but={"a": T, "b": T}),
     [], ["c"], True, ["a", "b", "c"], []),
    ("stale_ancestor_of_a_descendant", TWO_PARENTS, all_run(TWO_PARENTS, but={"s": T}), [],
     ["a"], True, ["a", "s", "c", "d"], []),
    ("idle_ancestor_of_a_descendant_moved_last", TWO_PARENTS,
     all_run(TWO_PARENTS, but={"s": I}), [("s", None)], ["a"], True, ["a", "s", "c", "d"], []),
    ("success_ancestor_of_a_descendant", TWO_PARENTS, all_run(TWO_PARENTS), [], ["a"], True,
     ["a", "c", "d"], []),
    ("error_parent_not_included", CHAIN, all_run(CHAIN, but={"a": Status.ERROR}), [], ["b"],
     True, ["b", "c"], []),
    # -- blocked -------------------------------------------------------------------------
    ("multiple_definition_blocked", MULTI_DEF, {"p": S, "m1": S, "r": S}, [], ["p"], True,
     ["p", "m1", "r"], ["m2"]),
    ("blocked_root", MULTI_DEF, {"p": S, "m1": S, "r": S}, [], ["m2"], True, [], ["m2"]),
    ("blocked_not_in_region", MULTI_DEF, {"p": S, "m1": S, "r": S}, [], ["m1"], True,
     ["m1", "r"], []),
    ("cycle_blocked", CYCLE, {"p": S, "d": S, "e": S}, [], ["p"], True, ["p", "d", "e"],
     ["a", "b"]),
    ("cycle_member_as_root", CYCLE, {"p": S, "d": S, "e": S}, [], ["b"], True, ["d"],
     ["a", "b"]),
    ("blocked_listed_in_notebook_order", CYCLE, {"p": S, "d": S, "e": S}, [("a", None)], ["p"],
     True, ["p", "d", "e"], ["b", "a"]),
    # -- include_roots=False ---------------------------------------------------------------
    ("without_roots", CHAIN, all_run(CHAIN), [], ["a"], False, ["b", "c"], []),
    ("without_roots_leaf", CHAIN, all_run(CHAIN), [], ["c"], False, [], []),
    ("without_roots_diamond", DIAMOND, all_run(DIAMOND), [], ["top"], False,
     ["right", "left", "bottom"], []),
    ("without_roots_root_below_root", CHAIN, all_run(CHAIN), [], ["a", "b"], False, ["c"], []),
]
# fmt: on


@pytest.mark.parametrize(
    ("cells", "statuses", "moves", "roots", "include_roots", "order", "blocked"),
    [pytest.param(*rest, id=case_id) for case_id, *rest in CASES],
)
def test_plan(
    cells: list[tuple[str, str]],
    statuses: dict[str, Status],
    moves: list[tuple[str, str | None]],
    roots: list[str],
    include_roots: bool,
    order: list[str],
    blocked: list[str],
) -> None:
    nb = make_notebook(cells, statuses, moves)
    before = [c.to_dict() for c in nb.cells]
    plan = nb.plan(roots, include_roots=include_roots)
    assert isinstance(plan, CascadePlan)
    assert list(plan.order) == order
    assert list(plan.blocked) == blocked
    assert len(plan) == len(order)
    # Planning is pure: nothing about the cells changed.
    assert [c.to_dict() for c in nb.cells] == before


def test_plan_order_respects_every_edge() -> None:
    """A wider random-ish DAG: every edge inside the plan points forward."""
    cells = [("c0", "v0 = 1")]
    for i in range(1, 60):
        parents = {i - 1, (i * 7) % i, (i * 13) % i}
        cells.append((f"c{i}", f"v{i} = " + " + ".join(f"v{p}" for p in sorted(parents))))
    nb = make_notebook(cells, all_run(cells))
    # Shuffle notebook order deterministically; dependency order must still hold.
    for i in range(0, 60, 3):
        nb.move(f"c{i}", "^")
    plan = nb.plan(["c0"])
    assert sorted(plan.order) == sorted(cid for cid, _ in cells)
    index = {cid: i for i, cid in enumerate(plan.order)}
    for u, v in nb.graph.nx_graph.edges:
        assert index[u] < index[v], (u, v)


def test_ten_thousand_cell_chain_plans_every_cell_in_order() -> None:
    n = 10_000
    cells = [("c0", "x0 = 0")] + [(f"c{i}", f"x{i} = x{i - 1} + 1") for i in range(1, n)]
    nb = make_notebook(cells, all_run(cells))
    plan = nb.plan(["c0"])
    assert list(plan.order) == [cid for cid, _ in cells]
    assert plan.blocked == ()
    # From the middle: the lower half only.
    plan = nb.plan([f"c{n // 2}"])
    assert list(plan.order) == [f"c{i}" for i in range(n // 2, n)]


# -- plan_cascade / topological_order on a bare graph ---------------------------------------


def test_plan_cascade_on_bare_graph() -> None:
    g = DependencyGraph()
    g.set_cell("a", (), ("x",))
    g.set_cell("b", ("x",), ("y",))
    g.set_cell("c", ("y",), ())
    g.set_cell("z", (), ("x",))  # conflicting definer
    status = {"a": S, "b": T, "c": S, "z": I}
    position = {"z": 0, "a": 1, "b": 2, "c": 3}
    plan = plan_cascade(
        g, ["c"], status.__getitem__, position, is_blocked=lambda c: bool(g.conflicts(c))
    )
    assert plan == CascadePlan(("b", "c"), ())
    plan = plan_cascade(
        g, ["a", "z"], status.__getitem__, position, is_blocked=lambda c: bool(g.conflicts(c))
    )
    assert plan == CascadePlan(("a", "b", "c"), ("z",))


def test_topological_order_appends_leftover_cycle_in_notebook_order() -> None:
    g = DependencyGraph()
    g.set_cell("a", ("y",), ("x",))
    g.set_cell("b", ("x",), ("y",))
    g.set_cell("c", (), ("w",))
    position = {"b": 0, "c": 1, "a": 2}
    assert topological_order(g, {"a", "b", "c"}, position) == ["c", "b", "a"]
    assert topological_order(g, ["a", "c"], position) == ["c", "a"]
    assert topological_order(g, [], position) == []


def test_plan_runs_the_definer_of_a_deleted_name_first() -> None:
    """Once a ``del`` cell removed ``a``, running a reader of ``a`` runs its
    definer again, and with it the ``del`` cell (which runs after readers)."""
    nb = Notebook()
    for cid, code in (("w", "a = 2"), ("d", "del a"), ("r", "print(a)")):
        nb.create(cid, code=code)
    for cell in nb.cells:
        cell.status, cell.execution_count = Status.SUCCESS, 1
        nb.record_run(cell)
    assert nb.consumed == {"a": "d"}
    assert nb.plan(["r"]).order == ("w", "r", "d")
    nb.record_run(nb.cells["w"])
    assert nb.consumed == {}
    assert nb.plan(["r"]).order == ("r", "d")
