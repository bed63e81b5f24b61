"""Tests for :mod:`reactive_kernel.core.notebook`: operations and status transitions.

Runs are simulated the way the runtime records them: ``status = success``,
``execution_count = 1`` and ``defined = writes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reactive_kernel.core.cells import Cell, CellError, Status
from reactive_kernel.core.notebook import Change, Notebook, OpError

I, T, S, B, E = Status.IDLE, Status.STALE, Status.SUCCESS, Status.BLOCKED, Status.ERROR  # noqa: E741


def make(*cells: tuple[str, str], run: tuple[str, ...] | str = ()) -> Notebook:
    nb = Notebook()
    for cid, code in cells:
        nb.create(cid, code=code)
    mark_run(nb, *([c for c, _ in cells] if run == "all" else run))
    return nb


def mark_run(nb: Notebook, *ids: str) -> None:
    for cid in ids:
        cell = nb.cells[cid]
        cell.status, cell.execution_count, cell.defined = S, 1, cell.writes
        cell.error = None


def statuses(nb: Notebook) -> dict[str, Status]:
    return {c.id: c.status for c in nb.cells}


def state(nb: Notebook) -> tuple[list[dict[str, Any]], dict[tuple[str, str], frozenset[str]]]:
    edges = {(u, v): nb.graph.edge_names(u, v) for u, v in nb.graph.nx_graph.edges}
    return [c.to_dict() for c in nb.cells], edges


CHAIN = (("a", "x = 1"), ("b", "y = x + 1"), ("c", "z = y + 1"))


# -- create -----------------------------------------------------------------------------


def test_create_is_idle_and_returns_index() -> None:
    nb = Notebook()
    cell, index, change = nb.create("a", code="x = 1")
    assert isinstance(cell, Cell)
    assert (cell.status, cell.execution_count, cell.error, index) == (I, None, None, 0)
    assert cell.reads == frozenset() and cell.writes == {"x"}
    assert change == Change()
    _, index, _ = nb.create("b", code="y = x")
    assert index == 1
    cell, index, _ = nb.create("top", after="^")
    assert index == 0
    _, index, _ = nb.create("mid", after="top")
    assert index == 1
    _, index, _ = nb.create("end", after=None)
    assert index == 4
    assert nb.cells.ids == ["top", "mid", "a", "b", "end"]
    assert "a" in nb and "zzz" not in nb
    assert nb.cell("a") is nb.cells["a"]


def test_create_reader_below_run_cell_keeps_parent_status() -> None:
    nb = make(("a", "x = 1"), run=("a",))
    _, _, change = nb.create("b", code="y = x")
    assert statuses(nb) == {"a": S, "b": I}
    assert change.changed == []
    assert nb.graph.parents("b") == ["a"]


def test_create_definer_makes_waiting_run_reader_stale() -> None:
    nb = make(("r", "print(x)"))
    mark_run(nb, "r")  # it ran (and failed on x, say), then x appears
    _, _, change = nb.create("d", code="x = 1")
    assert statuses(nb) == {"r": T, "d": I}
    assert change.changed == ["r"]


# -- register ---------------------------------------------------------------------------

# (id, cells, run, cell to register, new code, expected statuses, expected change.changed)
REGISTER_CASES: list[
    tuple[str, tuple[tuple[str, str], ...], tuple[str, ...], str, str, dict[str, Status], list[str]]
] = [
    (
        "all_run_all_stale",
        CHAIN,
        ("a", "b", "c"),
        "a",
        "x = 2",
        {"a": T, "b": T, "c": T},
        ["b", "c"],
    ),
    ("never_run_stays_idle", CHAIN, (), "a", "x = 2", {"a": I, "b": I, "c": I}, []),
    ("only_run_ones_go_stale", CHAIN, ("a", "b"), "a", "x = 2", {"a": T, "b": T, "c": I}, ["b"]),
    ("middle_cell", CHAIN, ("a", "b", "c"), "b", "y = x + 2", {"a": S, "b": T, "c": T}, ["c"]),
    ("leaf_cell", CHAIN, ("a", "b", "c"), "c", "z = 0", {"a": S, "b": S, "c": T}, []),
    (
        "new_parent",
        (("a", "x = 1"), ("c", "z = 1")),
        ("a", "c"),
        "c",
        "z = x",
        {"a": S, "c": T},
        [],
    ),
    ("dropped_child", CHAIN, ("a", "b", "c"), "a", "w = 1", {"a": T, "b": T, "c": T}, ["b", "c"]),
]


@pytest.mark.parametrize(
    ("cells", "run", "cid", "code", "expected", "changed"),
    [pytest.param(*rest, id=i) for i, *rest in REGISTER_CASES],
)
def test_register_status_transitions(
    cells: tuple[tuple[str, str], ...],
    run: tuple[str, ...],
    cid: str,
    code: str,
    expected: dict[str, Status],
    changed: list[str],
) -> None:
    nb = make(*cells, run=run)
    change = nb.register(cid, code)
    assert statuses(nb) == expected
    assert sorted(change.changed) == sorted(changed)
    assert nb.cells[cid].code == code


def test_register_same_code_is_a_noop() -> None:
    nb = make(*CHAIN, run="all")
    before = state(nb)
    assert nb.register("a", "x = 1") == Change()
    assert state(nb) == before


def test_register_error_cell_becomes_stale() -> None:
    nb = make(*CHAIN, run="all")
    nb.cells["b"].status = E
    nb.cells["b"].error = CellError("ValueError", "boom")
    nb.register("a", "x = 5")
    assert nb.cells["b"].status == T


def test_register_change_is_in_notebook_order() -> None:
    cells = [("c0", "x0 = 0")] + [(f"c{i}", f"x{i} = x{i - 1}") for i in range(1, 15)]
    nb = make(*cells, run="all")
    change = nb.register("c0", "x0 = 1")
    assert change.changed == [f"c{i}" for i in range(1, 15)]


# -- delete -----------------------------------------------------------------------------


def test_delete_returns_former_descendants_and_names() -> None:
    nb = make(*CHAIN, ("d", "w = 1"), run="all")
    cell, below, change = nb.delete("b")
    assert cell.id == "b" and "b" not in nb
    assert below == {"c"}
    assert change.remove_names == {"y"}
    assert statuses(nb) == {"a": S, "c": T, "d": S}
    assert nb.graph.parents("c") == []
    assert "b" not in nb.graph


def test_delete_top_of_chain() -> None:
    nb = make(*CHAIN, run="all")
    _, below, change = nb.delete("a")
    assert below == {"b", "c"}
    assert change.remove_names == {"x"}
    assert statuses(nb) == {"b": T, "c": T}


def test_delete_never_run_cell() -> None:
    nb = make(*CHAIN)
    _, below, change = nb.delete("a")
    assert below == {"b", "c"}
    assert change.remove_names == {"x"}  # what it will bind: harmless to remove
    assert statuses(nb) == {"b": I, "c": I}


def test_delete_includes_private_names_and_names_no_longer_written() -> None:
    nb = make(("a", "_t = 1\nx = _t\nold = 2"), run=("a",))
    change = nb.register("a", "_t = 1\nx = _t")
    assert change.remove_names == {"old"}  # no longer defined: gone at once
    _, _, change = nb.delete("a")
    assert change.remove_names == {"_t", "x"}


def test_delete_blocked_definer_keeps_owners_name() -> None:
    nb = make(("a", "x = 1"), ("b", "x = 2\nk = 3"), ("r", "print(x)"), run=("a", "r"))
    nb.cells["b"].defined = frozenset({"x", "k"})  # say it ran before the conflict
    _, below, change = nb.delete("b")
    assert change.remove_names == {"k"}
    assert below == set()
    assert statuses(nb) == {"a": S, "r": S}


def test_delete_owner_hands_name_to_next_definer() -> None:
    nb = make(("a", "x = 1"), ("b", "x = 2"), ("r", "print(x)"), run=("a", "r"))
    _, below, change = nb.delete("a")
    assert change.remove_names == {"x"}
    assert below == {"b", "r"}  # the heir is runnable now: the delete's cascade runs it
    assert "b" in change.changed
    assert (nb.cells["b"].status, nb.cells["b"].error) == (I, None)
    assert nb.cells["r"].status == T
    assert nb.graph.parents("r") == ["b"]
    # A run of the former descendants brings in the new owner (it is idle).
    assert list(nb.plan(below).order) == ["b", "r"]


# -- multiple definitions -----------------------------------------------------------------


def test_second_definer_blocked_naming_owner() -> None:
    nb = Notebook()
    nb.create("owner1", code="x = 1")
    cell, _, _ = nb.create("second", code="x = 2\ny = 3")
    assert cell.status == B
    assert cell.error is not None
    assert cell.error.ename == "MultipleDefinitionError"
    assert "owner1" in cell.error.evalue and "'x'" in cell.error.evalue
    assert "'y'" not in cell.error.evalue
    assert nb.cells["owner1"].status == I and nb.cells["owner1"].error is None
    assert nb.is_blocked("second") and not nb.is_blocked("owner1")
    assert nb.blocked_reason("second") == cell.error
    assert nb.blocked_reason("owner1") is None
    # The first definer keeps working: readers link to it.
    nb.create("r", code="print(x, y)")
    assert sorted(nb.graph.parents("r")) == ["owner1", "second"]
    assert nb.graph.edge_names("owner1", "r") == {"x"}


@pytest.mark.parametrize("blocked_had_run", [False, True])
@pytest.mark.parametrize(
    "resolve",
    ["edit_owner", "delete_owner", "edit_blocked"],
)
def test_multiple_definition_resolved(resolve: str, blocked_had_run: bool) -> None:
    nb = make(("a", "x = 1"), ("b", "w = 0"), ("r", "print(x)"), run="all")
    if not blocked_had_run:
        nb.cells["b"].status, nb.cells["b"].execution_count = I, None
    nb.register("b", "x = 2")
    assert nb.cells["b"].status == B
    assert nb.cells["b"].error is not None
    assert nb.cells["b"].error.ename == "MultipleDefinitionError"

    if resolve == "edit_owner":
        change = nb.register("a", "v = 1")
        assert "b" in change.changed
    elif resolve == "delete_owner":
        _, _, change = nb.delete("a")
        assert "b" in change.changed
    else:
        nb.register("b", "w = 0")
    b = nb.cells["b"]
    assert b.error is None
    assert b.status == (T if blocked_had_run else I)
    assert not nb.is_blocked("b")
    if resolve != "edit_blocked":
        assert nb.graph.owner("x") == "b"
        assert nb.graph.parents("r") == ["b"]
        assert nb.cells["r"].status == T


def test_third_definer_error_names_the_new_owner() -> None:
    nb = make(("a", "x = 1"), ("b", "x = 2"), ("c", "x = 3"))
    nb.delete("a")
    c = nb.cells["c"]
    assert c.status == B
    assert c.error is not None
    assert "cell b" in c.error.evalue
    assert "cell a" not in c.error.evalue


def test_third_definer_stays_blocked_when_owner_goes() -> None:
    nb = make(("a", "x = 1"), ("b", "x = 2"), ("c", "x = 3"))
    nb.delete("a")
    assert statuses(nb) == {"b": I, "c": B}
    assert nb.graph.conflicts("c") == {"x": "b"}


# -- cycles -------------------------------------------------------------------------------


def test_cycle_blocks_every_member() -> None:
    nb = make(("a", "x = y"), ("b", "y = x"), ("d", "print(x)"))
    for cid, other in (("a", "b"), ("b", "a")):
        cell = nb.cells[cid]
        assert cell.status == B
        assert cell.error is not None and cell.error.ename == "CycleError"
        assert other in cell.error.evalue
    assert nb.cells["d"].status == I


def test_three_cycle_names_the_other_members() -> None:
    nb = make(("a", "x = z"), ("b", "y = x"), ("c", "z = y"))
    assert statuses(nb) == {"a": B, "b": B, "c": B}
    err = nb.cells["a"].error
    assert err is not None and "b, c" in err.evalue


def test_cycle_formed_by_edit_of_run_cells() -> None:
    nb = make(("a", "x = 1"), ("b", "y = x"), ("d", "print(y)"), run="all")
    change = nb.register("a", "x = y")
    assert statuses(nb) == {"a": B, "b": B, "d": T}
    assert "b" in change.changed and "d" in change.changed
    # The other member's names go from the namespace: it cannot run any more.
    assert "y" in change.remove_names


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("edit_a", {"a": T, "b": T}),
        ("edit_b", {"a": T, "b": T}),
        ("delete_a", {"b": T}),
        ("delete_b", {"a": T}),
    ],
)
def test_breaking_a_cycle_unblocks(op: str, expected: dict[str, Status]) -> None:
    nb = make(("a", "x = 1"), ("b", "y = x"), run="all")
    nb.register("a", "x = y")
    assert statuses(nb) == {"a": B, "b": B}
    action, cid = op.split("_")
    if action == "edit":
        nb.register(cid, "x = 1" if cid == "a" else "y = 1")
    else:
        nb.delete(cid)
    assert statuses(nb) == expected
    for cell in nb.cells:
        assert cell.error is None
        assert not nb.is_blocked(cell.id)


def test_breaking_a_never_run_cycle_gives_idle() -> None:
    nb = make(("a", "x = y"), ("b", "y = x"))
    nb.register("b", "y = 1")
    assert statuses(nb) == {"a": I, "b": I}


def test_register_into_cycle_removes_subjects_owned_names() -> None:
    nb = make(("X", "y = 1"), ("Y", "x = y"), run="all")
    change = nb.register("X", "y = x + 1")
    assert statuses(nb) == {"X": B, "Y": B}
    # Neither member can run: a fresh run would define neither x nor y.
    assert {"x", "y"} <= change.remove_names


@pytest.mark.parametrize(
    ("cells", "new_code", "gone"),
    [
        pytest.param(
            (("X", "y = 1\nk = 2"), ("Y", "x = y")), "y = x + 1", "k", id="cycle-dropped-name"
        ),
        pytest.param((("X", "z = 1"), ("Y", "x = 5")), "x = 2", "z", id="multiple-definition"),
    ],
)
def test_register_into_blocked_removes_subjects_previous_names(
    cells: tuple[tuple[str, str], ...], new_code: str, gone: str
) -> None:
    nb = make(*cells, run="all")
    change = nb.register("X", new_code)
    assert nb.cells["X"].status == B
    assert nb.graph.owner(gone) is None
    assert gone in change.remove_names


# -- names --------------------------------------------------------------------------------


def test_removable_names_never_includes_a_name_owned_by_another_cell() -> None:
    nb = make(("a", "x = 1\ny = 2"), run=("a",))
    nb.register("a", "y = 2")
    nb.create("b", code="x = 10")  # b now owns x
    assert nb.graph.owner("x") == "b"
    assert nb.removable_names(nb.cells["a"]) == {"y"}
    # A blocked definer: its conflicting name belongs to the owner.
    nb.create("c", code="y = 3\n_p = 1")
    c = nb.cells["c"]
    c.defined = frozenset({"y", "_p", "q"})
    assert nb.removable_names(c) == {"_p", "q"}
    for cell in nb.cells:
        for name in nb.removable_names(cell):
            assert nb.graph.owner(name) in (None, cell.id)


@pytest.mark.parametrize(
    "cells",
    [
        (("a", "_x = 1"), ("b", "_x = 2"), ("c", "print(_x)")),
        (("a", "_x = 1\ny = _x"), ("b", "_x = y")),
        (("a", "_x = _y"), ("b", "_y = _x")),
    ],
    ids=["two-definers-one-reader", "read-and-redefine", "would-be-cycle"],
)
def test_private_names_never_link_or_conflict(cells: tuple[tuple[str, str], ...]) -> None:
    nb = make(*cells)
    private_edges = [
        (u, v)
        for u, v in nb.graph.nx_graph.edges
        if any(n.startswith("_") for n in nb.graph.edge_names(u, v))
    ]
    assert private_edges == []
    assert not any(nb.is_blocked(c.id) for c in nb.cells)
    # Private names are still part of what the cell defines.
    assert "_x" in nb.cells["a"].writes


# -- rejected operations ------------------------------------------------------------------

BAD_IDS = ["a" * 65, "bad id", "bad.id", "", "é", "a/b", "\nx", 5, None]

# (id, operation, expected code)
REJECTIONS: list[tuple[str, Callable[[Notebook], object], str]] = [
    ("register_unknown", lambda nb: nb.register("nope", "x = 1"), "unknown_cell"),
    ("register_bad_type", lambda nb: nb.register("a", "x = 2", cell_type="r"), "bad_cell_type"),
    ("delete_unknown", lambda nb: nb.delete("nope"), "unknown_cell"),
    ("move_unknown", lambda nb: nb.move("nope", None), "unknown_cell"),
    ("move_after_itself", lambda nb: nb.move("a", "a"), "bad_position"),
    ("move_after_unknown", lambda nb: nb.move("a", "nope"), "bad_position"),
    ("cell_unknown", lambda nb: nb.cell("nope"), "unknown_cell"),
    ("cell_not_a_string", lambda nb: nb.cell(5), "unknown_cell"),  # type: ignore[arg-type]
    ("create_duplicate", lambda nb: nb.create("a", code="q = 1"), "duplicate_id"),
    ("create_bad_type", lambda nb: nb.create("n", cell_type="r"), "bad_cell_type"),
    ("create_after_unknown", lambda nb: nb.create("n", after="nope"), "bad_position"),
    ("create_duplicate_before_bad_type", lambda nb: nb.create("a", cell_type="r"), "duplicate_id"),
    *[
        (f"create_bad_id_{i}", lambda nb, bad=bad: nb.create(bad), "bad_request")
        for i, bad in enumerate(BAD_IDS)
    ],
]


@pytest.mark.parametrize(
    ("operation", "code"), [pytest.param(op, code, id=i) for i, op, code in REJECTIONS]
)
def test_rejected_operation_changes_nothing(
    operation: Callable[[Notebook], object], code: str
) -> None:
    nb = make(("a", "x = 1"), ("b", "y = x"), ("c", "x = 3"), ("d", "z = y"), run=("a", "b"))
    before = state(nb)
    order_before = nb.cells.ids
    with pytest.raises(OpError) as info:
        operation(nb)
    assert info.value.code == code
    assert info.value.message and str(info.value) == info.value.message
    assert state(nb) == before
    assert nb.cells.ids == order_before


@pytest.mark.parametrize("good", ["a", "A-b_9", "x" * 64, "0f8fad5b-d9cb-469f-a165-70867728950e"])
def test_valid_ids_accepted(good: str) -> None:
    nb = Notebook()
    nb.create(good)
    assert good in nb


@pytest.mark.parametrize("bad", ["x\n", "a" * 64 + "\n"], ids=["short", "64-chars"])
def test_trailing_newline_id_rejected(bad: str) -> None:
    nb = Notebook()
    with pytest.raises(OpError) as info:
        nb.create(bad)
    assert info.value.code == "bad_request"
    assert list(nb.cells) == []


# -- move ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cid", "after", "index", "order"),
    [
        ("c", "^", 0, ["c", "a", "b", "d"]),
        ("a", "^", 0, ["a", "b", "c", "d"]),
        ("a", "c", 2, ["b", "c", "a", "d"]),
        ("d", "a", 1, ["a", "d", "b", "c"]),
        ("b", "a", 1, ["a", "b", "c", "d"]),
        ("a", None, 3, ["b", "c", "d", "a"]),
        ("d", None, 3, ["a", "b", "c", "d"]),
    ],
)
def test_move(cid: str, after: str | None, index: int, order: list[str]) -> None:
    nb = make(("a", "x = 1"), ("b", "y = x"), ("c", "z = y"), ("d", "w = 0"), run="all")
    edges_before = state(nb)[1]
    statuses_before = statuses(nb)
    assert nb.move(cid, after) == index
    assert nb.cells.ids == order
    assert nb.cells.position(cid) == index
    # Execution order is unaffected: same edges, nobody went stale.
    assert state(nb)[1] == edges_before
    assert statuses(nb) == statuses_before


# -- upstream failure ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent_status", "what"),
    [(E, "failed"), (B, "is blocked"), (T, "has not run"), (I, "has not run"), (S, None)],
)
def test_upstream_failure(parent_status: Status, what: str | None) -> None:
    nb = make(("p", "x = 1\ny = 2"), ("c", "print(x, y)"), run="all")
    nb.cells["p"].status = parent_status
    failure = nb.upstream_failure("c")
    if what is None:
        assert failure is None
    else:
        assert failure is not None
        assert failure.ename == "UpstreamError"
        assert failure.evalue == f"Cell p (which defines x, y) {what}."


def test_upstream_failure_names_first_failing_parent_in_notebook_order() -> None:
    nb = make(("ok", "a = 1"), ("p1", "b = 1"), ("p2", "c = 1"), ("r", "print(a, b, c)"), run="all")
    nb.cells["p2"].status = E
    nb.cells["p1"].status = E
    failure = nb.upstream_failure("r")
    assert failure is not None and "Cell p1 " in failure.evalue
    nb.move("p2", "^")
    failure = nb.upstream_failure("r")
    assert failure is not None and "Cell p2 " in failure.evalue
    assert nb.upstream_failure("ok") is None
