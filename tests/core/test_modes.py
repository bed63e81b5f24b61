"""Table tests for :mod:`reactive_kernel.core.modes` (lazy mode, disabled cells)
and :mod:`reactive_kernel.core.cache_key`, driven through a real Notebook."""

from __future__ import annotations

import time

import pytest

from reactive_kernel.core.cache_key import KeyMemo, cell_key
from reactive_kernel.core.cells import Status
from reactive_kernel.core.modes import (
    apply_disabled,
    disabled_closure,
    lazy_plan,
    mark_stale_below,
    without_disabled,
)
from reactive_kernel.core.notebook import Notebook

S, T, I, E = Status.SUCCESS, Status.STALE, Status.IDLE, Status.ERROR  # noqa: E741

CHAIN = [("a", "x = 1"), ("b", "y = x + 1"), ("c", "z = y + 1")]
DIAMOND = [("top", "x = 1"), ("right", "z = x"), ("left", "y = x"), ("bottom", "w = y + z")]
TWO_PARENTS = [("a", "x = 1"), ("s", "k = 2"), ("c", "y = x + k"), ("d", "print(y)")]


def make(cells: list[tuple[str, str]], statuses: dict[str, Status]) -> Notebook:
    nb = Notebook()
    for cid, code in cells:
        nb.create(cid, code=code)
    for cid, status in statuses.items():
        cell = nb.cells[cid]
        if status != Status.IDLE:
            cell.status, cell.execution_count, cell.defined = status, 1, cell.writes
    return nb


def everything(cells: list[tuple[str, str]], **but: Status) -> dict[str, Status]:
    return {**{cid: S for cid, _ in cells}, **but}


LAZY_CASES = [
    # id, cells, statuses, roots, expected plan, expected cells marked stale
    ("chain-run-top", CHAIN, everything(CHAIN), ["a"], ["a"], ["b", "c"]),
    ("chain-run-bottom-up-to-date", CHAIN, everything(CHAIN), ["c"], ["c"], []),
    ("chain-run-bottom-stale-middle", CHAIN, everything(CHAIN, b=T, c=T), ["c"], ["b", "c"], []),
    ("chain-never-run", CHAIN, {}, ["c"], ["a", "b", "c"], []),
    ("chain-run-middle", CHAIN, everything(CHAIN, a=T), ["b"], ["a", "b"], ["c"]),
    ("diamond-top", DIAMOND, everything(DIAMOND), ["top"], ["top"], ["right", "left", "bottom"]),
    (
        "diamond-bottom-stale-branch",
        DIAMOND,
        everything(DIAMOND, left=T, bottom=T),
        ["bottom"],
        ["left", "bottom"],
        [],
    ),
    ("two-parents", TWO_PARENTS, everything(TWO_PARENTS, s=I), ["c"], ["s", "c"], ["d"]),
    ("error-below-goes-stale", CHAIN, everything(CHAIN, c=E), ["a"], ["a"], ["b", "c"]),
    ("idle-below-stays-idle", CHAIN, everything(CHAIN, c=I), ["a"], ["a"], ["b"]),
]


@pytest.mark.parametrize(
    "cells,statuses,roots,order,stale", [c[1:] for c in LAZY_CASES], ids=[c[0] for c in LAZY_CASES]
)
def test_lazy_plan_runs_roots_and_out_of_date_ancestors_only(
    cells: list[tuple[str, str]],
    statuses: dict[str, Status],
    roots: list[str],
    order: list[str],
    stale: list[str],
) -> None:
    nb = make(cells, statuses)
    plan = lazy_plan(nb, roots)
    assert list(plan.order) == order
    assert mark_stale_below(nb, roots, skip=plan.order) == stale
    assert all(nb.cells[c].status == Status.STALE for c in stale)


DISABLED_CASES = [
    # id, cells, disabled cells, expected closure
    ("chain-middle", CHAIN, ["b"], {"b": None, "c": "b"}),
    ("chain-top", CHAIN, ["a"], {"a": None, "b": "a", "c": "a"}),
    ("chain-two", CHAIN, ["c", "b"], {"b": None, "c": None}),
    ("diamond-branch", DIAMOND, ["left"], {"left": None, "bottom": "left"}),
    (
        "diamond-both-branches-first-in-notebook-order-wins",
        DIAMOND,
        ["left", "right"],
        {"right": None, "left": None, "bottom": "right"},
    ),
    ("none", CHAIN, [], {}),
]


@pytest.mark.parametrize(
    "cells,disabled,closure", [c[1:] for c in DISABLED_CASES], ids=[c[0] for c in DISABLED_CASES]
)
def test_disabled_closure_names_the_disabled_ancestor(
    cells: list[tuple[str, str]], disabled: list[str], closure: dict[str, str | None]
) -> None:
    nb = make(cells, {})
    assert disabled_closure(nb.graph, disabled, nb.cells.positions()) == closure


def test_apply_disabled_sets_statuses_removes_names_and_restores() -> None:
    nb = make(CHAIN, everything(CHAIN))
    nb.cells["b"].disabled = True
    change = apply_disabled(nb, {"b"}, {})
    assert change.closure == {"b": None, "c": "b"}
    assert change.changed == ["b", "c"] and change.remove_names == {"y", "z"}
    assert [nb.cells[c].status for c in "abc"] == [S, Status.DISABLED, Status.DISABLED]
    assert nb.cells["c"].disabled_by == "b" and nb.cells["b"].defined == frozenset()
    plan = without_disabled(nb.plan(["a"]), change.closure)
    assert list(plan.order) == ["a"]
    # Nothing to do a second time.
    again = apply_disabled(nb, {"b"}, change.closure)
    assert again.changed == [] and again.remove_names == set()
    # Editing a disabled cell does not make it stale (it stays disabled).
    nb.register("b", "y = x + 2")
    assert nb.cells["b"].status == Status.DISABLED
    nb.cells["b"].disabled = False
    back = apply_disabled(nb, set(), change.closure)
    assert back.closure == {} and back.enabled == ["b", "c"]
    assert [nb.cells[c].status for c in "bc"] == [T, T]
    assert nb.cells["c"].disabled_by is None


def test_apply_disabled_costs_nothing_without_disabled_cells() -> None:
    nb = make(CHAIN, everything(CHAIN))
    change = apply_disabled(nb, set(), {})
    assert change.closure == {} and change.changed == []


def test_enabled_cell_that_is_blocked_shows_blocked() -> None:
    nb = make([("a", "x = 1"), ("b", "x = 2")], {"a": S})
    assert nb.cells["b"].status == Status.BLOCKED
    nb.cells["b"].disabled = True
    closure = apply_disabled(nb, {"b"}, {}).closure
    assert nb.cells["b"].status == Status.DISABLED
    back = apply_disabled(nb, set(), closure)
    assert nb.cells["b"].status == Status.BLOCKED and back.enabled == []


# -- cache keys --------------------------------------------------------------------


def keys(nb: Notebook, extra: dict[str, str] | None = None, python: str = "cpython-3.12.0") -> dict:
    cells = nb.cells
    memo = KeyMemo(
        nb.graph,
        lambda c: (cells[c].type, cells[c].code, cells[c].name),
        python,
        lambda c: (extra or {}).get(c, ""),
    )
    return {c: memo.key(c) for c in cells.ids}


def test_key_changes_with_own_code_and_anything_upstream_only() -> None:
    nb = make(DIAMOND, {})
    before = keys(nb)
    assert len(set(before.values())) == 4
    nb.register("left", "y = x + 0")
    after = keys(nb)
    changed = {c for c in before if before[c] != after[c]}
    assert changed == {"left", "bottom"}


def test_key_covers_python_version_and_extra() -> None:
    nb = make(CHAIN, {})
    base = keys(nb)
    assert keys(nb, python="cpython-3.13.0")["a"] != base["a"]
    extra = keys(nb, extra={"a": "sqlite:///x.db\nn=1"})
    assert extra["a"] != base["a"] and extra["c"] != base["c"]  # below changes too
    assert keys(nb) == base  # deterministic


def test_cell_key_separates_fields() -> None:
    one = cell_key("python", "ab", None, [], "py")
    assert one != cell_key("python", "a", "b", [], "py")
    assert one != cell_key("sql", "ab", None, [], "py")
    assert cell_key("python", "x", None, ["k1", "k2"], "py") == cell_key(
        "python", "x", None, ["k2", "k1"], "py"
    )


def test_keys_of_a_cycle_and_a_long_chain_terminate() -> None:
    nb = make([("a", "x = y"), ("b", "y = x")], {})
    assert len(set(keys(nb).values())) == 2
    nb = Notebook()
    nb.create("c0", code="v0 = 0")
    for i in range(1, 3000):
        nb.create(f"c{i}", code=f"v{i} = v{i - 1} + 1")
    started = time.perf_counter()
    assert len(set(keys(nb).values())) == 3000
    assert time.perf_counter() - started < 5  # no quadratic walk, no recursion limit


def test_disabling_a_del_cell_restores_what_it_removed() -> None:
    """Found by the oracle (seed 1865): a disabled ``del a`` cell no longer
    removes ``a``, so its definer must bind it again (it becomes stale and
    auto mode runs it)."""
    nb = make([("c0", "a = 5"), ("c3", "y = a"), ("c2", "del a")], {})
    for cid in ("c0", "c3", "c2"):
        cell = nb.cells[cid]
        cell.status, cell.execution_count, cell.defined = S, 1, cell.writes
        nb.record_run(cell)
    assert nb.consumed == {"a": "c2"}
    nb.cells["c3"].disabled = True
    change = apply_disabled(nb, {"c3"}, {})
    assert change.closure == {"c3": None, "c2": "c3"}  # del a runs after a's readers
    assert nb.cells["c0"].status == T and change.enabled == ["c0"]
    assert "c0" in change.changed
