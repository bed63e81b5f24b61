"""Tests for :mod:`reactive_kernel.core.graph`.

The graph is driven directly with ``(cell_id, reads, writes)`` triples, as the
notebook layer does after filtering out private names. Each table row pins one
rule: which edges exist (and which names they carry), who owns a name, which
cells form a cycle group, and what a change reports in its :class:`GraphDelta`.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import pytest

from reactive_kernel.core.graph import DependencyGraph, GraphDelta

CellSpec = tuple[str, set[str], set[str]]
"""``(cell_id, reads, writes)``."""

Edges = dict[tuple[str, str], set[str]]


def build(cells: Iterable[CellSpec]) -> DependencyGraph:
    g = DependencyGraph()
    for cid, reads, writes in cells:
        g.set_cell(cid, reads, writes)
    return g


def edges(g: DependencyGraph) -> Edges:
    return {(u, v): set(g.edge_names(u, v)) for u, v in g.nx_graph.edges}


def cycles(g: DependencyGraph) -> set[frozenset[str]]:
    return {grp for cid in g.nx_graph.nodes if (grp := g.cycle(cid)) is not None}


def check_consistent(g: DependencyGraph, cells: dict[str, tuple[set[str], set[str]]]) -> None:
    """The incremental state equals what the current cells imply.

    Every read of a name owned by another cell is an edge carrying that name, there
    are no other edges, and the cycle groups are networkx's strongly connected
    components of more than one cell.
    """
    expected: Edges = {}
    for cid, (reads, _) in cells.items():
        for name in reads:
            owner = g.owner(name)
            if owner is not None and owner != cid:
                expected.setdefault((owner, cid), set()).add(name)
    assert edges(g) == expected
    assert set(g.nx_graph.nodes) == set(cells)
    sccs = {frozenset(scc) for scc in nx.strongly_connected_components(g.nx_graph) if len(scc) > 1}
    assert cycles(g) == sccs
    for cid in cells:
        grp = g.cycle(cid)
        assert grp is None or cid in grp


# -- static structure -----------------------------------------------------------------

# (case id, cells in registration order, expected edges, expected cycle groups)
STRUCTURE_CASES: list[tuple[str, list[CellSpec], Edges, set[frozenset[str]]]] = [
    ("single_edge", [("a", set(), {"x"}), ("b", {"x"}, set())], {("a", "b"): {"x"}}, set()),
    (
        "reader_registered_first",
        [("b", {"x"}, set()), ("a", set(), {"x"})],
        {("a", "b"): {"x"}},
        set(),
    ),
    (
        "one_edge_many_names",
        [("a", set(), {"x", "y", "z"}), ("b", {"x", "y"}, set())],
        {("a", "b"): {"x", "y"}},
        set(),
    ),
    ("unresolved_read", [("a", {"nowhere"}, set())], {}, set()),
    (
        "fan_out",
        [("a", set(), {"x"}), ("b", {"x"}, set()), ("c", {"x"}, set())],
        {("a", "b"): {"x"}, ("a", "c"): {"x"}},
        set(),
    ),
    (
        "fan_in",
        [("a", set(), {"x"}), ("b", set(), {"y"}), ("c", {"x", "y"}, set())],
        {("a", "c"): {"x"}, ("b", "c"): {"y"}},
        set(),
    ),
    (
        "second_definer_gets_no_edges",
        [("a", set(), {"x"}), ("b", set(), {"x"}), ("c", {"x"}, set())],
        {("a", "c"): {"x"}},
        set(),
    ),
    ("self_read_is_not_a_cycle", [("a", {"x"}, {"x"})], {}, set()),
    (
        "self_read_of_owned_name_elsewhere",
        [("a", set(), {"x"}), ("b", {"x"}, {"x"})],
        {("a", "b"): {"x"}},
        set(),
    ),
    (
        "two_cycle",
        [("a", {"y"}, {"x"}), ("b", {"x"}, {"y"})],
        {("a", "b"): {"x"}, ("b", "a"): {"y"}},
        {frozenset("ab")},
    ),
    (
        "three_cycle",
        [("a", {"z"}, {"x"}), ("b", {"x"}, {"y"}), ("c", {"y"}, {"z"})],
        {("a", "b"): {"x"}, ("b", "c"): {"y"}, ("c", "a"): {"z"}},
        {frozenset("abc")},
    ),
    (
        "cycle_with_tail_and_head",
        [
            ("h", set(), {"h"}),
            ("a", {"h", "y"}, {"x"}),
            ("b", {"x"}, {"y"}),
            ("t", {"y"}, set()),
        ],
        {("h", "a"): {"h"}, ("a", "b"): {"x"}, ("b", "a"): {"y"}, ("b", "t"): {"y"}},
        {frozenset("ab")},
    ),
    (
        "two_separate_cycles",
        [
            ("a", {"y"}, {"x"}),
            ("b", {"x"}, {"y"}),
            ("c", {"w"}, {"v"}),
            ("d", {"v"}, {"w"}),
        ],
        {
            ("a", "b"): {"x"},
            ("b", "a"): {"y"},
            ("c", "d"): {"v"},
            ("d", "c"): {"w"},
        },
        {frozenset("ab"), frozenset("cd")},
    ),
]


@pytest.mark.parametrize(
    ("cells", "expected_edges", "expected_cycles"),
    [pytest.param(c, e, y, id=i) for i, c, e, y in STRUCTURE_CASES],
)
def test_structure(
    cells: list[CellSpec], expected_edges: Edges, expected_cycles: set[frozenset[str]]
) -> None:
    g = build(cells)
    assert edges(g) == expected_edges
    assert cycles(g) == expected_cycles
    for cid, _, _ in cells:
        assert cid in g
        assert set(g.parents(cid)) == {u for u, v in expected_edges if v == cid}
        assert set(g.children(cid)) == {v for u, v in expected_edges if u == cid}
    check_consistent(g, {cid: (r, w) for cid, r, w in cells})


ORDER_FREE = [
    (i, c)
    for i, c, _, _ in STRUCTURE_CASES
    if i not in ("second_definer_gets_no_edges", "self_read_of_owned_name_elsewhere")
]


@pytest.mark.parametrize(
    ("cells", "order"),
    [pytest.param(c, o, id=f"{i}-{o}") for i, c in ORDER_FREE for o in ("reversed", "rotated")],
)
def test_structure_does_not_depend_on_registration_order(cells: list[CellSpec], order: str) -> None:
    """Without conflicting definers, the graph is a function of the cells alone."""
    shuffled = cells[::-1] if order == "reversed" else cells[1:] + cells[:1]
    g = build(shuffled)
    ref = build(cells)
    assert edges(g) == edges(ref)
    assert cycles(g) == cycles(ref)


# -- ownership --------------------------------------------------------------------------


def test_first_definer_owns_later_definers_conflict() -> None:
    g = build([("a", set(), {"x"}), ("b", set(), {"x", "y"}), ("c", set(), {"x"})])
    assert g.owner("x") == "a"
    assert g.owner("y") == "b"
    assert g.owner("nope") is None
    assert g.conflicts("a") == {}
    assert g.conflicts("b") == {"x": "a"}
    assert g.conflicts("c") == {"x": "a"}
    assert g.owned_names("a") == {"x"}
    assert g.owned_names("b") == {"y"}
    assert g.owned_names("c") == frozenset()


@pytest.mark.parametrize("how", ["owner_drops_name", "owner_removed"])
def test_ownership_passes_to_next_definer_and_edges_move(how: str) -> None:
    g = build(
        [
            ("a", set(), {"x", "k"}),
            ("b", set(), {"x"}),
            ("c", set(), {"x"}),
            ("r1", {"x"}, set()),
            ("r2", {"x", "k"}, set()),
        ]
    )
    assert edges(g) == {("a", "r1"): {"x"}, ("a", "r2"): {"x", "k"}}

    if how == "owner_drops_name":
        delta = g.set_cell("a", set(), {"k"})
        assert edges(g) == {("b", "r1"): {"x"}, ("a", "r2"): {"k"}, ("b", "r2"): {"x"}}
        # (c may be touched too: the owner its conflict is with changed.)
        assert {"a", "b", "r1", "r2"} <= delta.touched <= {"a", "b", "c", "r1", "r2"}
        # r1 lost a->r1 and gained b->r1; r2 gained b->r2 (a->r2 still carries k).
        assert delta.inputs_changed == {"r1", "r2"}
    else:
        delta = g.remove_cell("a")
        assert "a" not in g
        assert edges(g) == {("b", "r1"): {"x"}, ("b", "r2"): {"x"}}
        assert {"b", "r1", "r2"} <= delta.touched <= {"b", "c", "r1", "r2"}
        assert delta.inputs_changed == {"r1", "r2"}
    assert g.owner("x") == "b"
    assert g.conflicts("b") == {}
    assert g.conflicts("c") == {"x": "b"}

    # And on to the third definer.
    g.remove_cell("b")
    assert g.owner("x") == "c"
    assert edges(g).get(("c", "r1")) == {"x"}
    assert g.conflicts("c") == {}


@pytest.mark.parametrize("how", ["owner_drops_name", "owner_removed"])
def test_remaining_definers_touched_when_ownership_passes(how: str) -> None:
    g = build([("a", set(), {"x"}), ("b", set(), {"x"}), ("c", set(), {"x"})])
    delta = g.set_cell("a", set(), set()) if how == "owner_drops_name" else g.remove_cell("a")
    assert g.conflicts("c") == {"x": "b"}
    assert "c" in delta.touched


def test_last_definer_dropping_name_leaves_it_unowned() -> None:
    g = build([("a", set(), {"x"}), ("r", {"x"}, set())])
    delta = g.set_cell("a", set(), set())
    assert g.owner("x") is None
    assert edges(g) == {}
    assert delta.touched == {"a", "r"}
    assert delta.inputs_changed == {"r"}
    # A new definer takes it up and links the waiting reader.
    delta = g.set_cell("n", set(), {"x"})
    assert edges(g) == {("n", "r"): {"x"}}
    assert delta.inputs_changed == {"r"}


def test_non_owner_dropping_name_changes_no_edges() -> None:
    g = build([("a", set(), {"x"}), ("b", set(), {"x"}), ("r", {"x"}, set())])
    delta = g.set_cell("b", set(), set())
    assert edges(g) == {("a", "r"): {"x"}}
    assert delta.touched == {"b"}
    assert delta.inputs_changed == set()
    assert g.conflicts("b") == {}


def test_former_owner_redefining_goes_to_the_back_of_the_line() -> None:
    g = build([("a", set(), {"x"}), ("b", set(), {"x"}), ("r", {"x"}, set())])
    g.set_cell("a", set(), set())
    g.set_cell("a", set(), {"x"})
    assert g.owner("x") == "b"
    assert g.conflicts("a") == {"x": "b"}
    assert edges(g) == {("b", "r"): {"x"}}


def test_new_conflicting_definer_is_touched() -> None:
    g = build([("a", set(), {"x"}), ("r", {"x"}, set())])
    delta = g.set_cell("b", set(), {"x"})
    assert delta.touched == {"b"}
    assert delta.inputs_changed == set()


# -- readers, descendants, ancestors ------------------------------------------------------


def test_readers_with_and_without_definer() -> None:
    g = build([("r1", {"x"}, set()), ("r2", {"x", "y"}, set())])
    assert g.readers("x") == {"r1", "r2"}
    assert g.readers("y") == {"r2"}
    assert g.readers("z") == frozenset()
    g.set_cell("d", set(), {"x"})
    assert g.readers("x") == {"r1", "r2"}
    g.set_cell("r1", set(), set())
    assert g.readers("x") == {"r2"}
    g.remove_cell("r2")
    assert g.readers("x") == frozenset()
    assert g.readers("y") == frozenset()


#      a
#     / \
#    b   c      e (unrelated)
#     \ /
#      d
DIAMOND: list[CellSpec] = [
    ("a", set(), {"x"}),
    ("b", {"x"}, {"y"}),
    ("c", {"x"}, {"z"}),
    ("d", {"y", "z"}, {"w"}),
    ("e", set(), {"u"}),
]
#  p -> q <-> s -> t
LOOP: list[CellSpec] = [
    ("p", set(), {"p"}),
    ("q", {"p", "s"}, {"q"}),
    ("s", {"q"}, {"s"}),
    ("t", {"s"}, set()),
]


@pytest.mark.parametrize(
    ("cells", "roots", "descendants", "ancestors"),
    [
        pytest.param(DIAMOND, ["a"], {"b", "c", "d"}, set(), id="diamond-top"),
        pytest.param(DIAMOND, ["d"], set(), {"a", "b", "c"}, id="diamond-bottom"),
        pytest.param(DIAMOND, ["b"], {"d"}, {"a"}, id="diamond-side"),
        pytest.param(DIAMOND, ["b", "c"], {"d"}, {"a"}, id="diamond-two-roots"),
        pytest.param(DIAMOND, ["a", "b"], {"b", "c", "d"}, {"a"}, id="root-below-root"),
        pytest.param(DIAMOND, ["e"], set(), set(), id="isolated"),
        pytest.param(DIAMOND, [], set(), set(), id="no-roots"),
        pytest.param(LOOP, ["p"], {"q", "s", "t"}, set(), id="through-cycle"),
        pytest.param(LOOP, ["q"], {"q", "s", "t"}, {"p", "q", "s"}, id="root-on-cycle"),
        pytest.param(LOOP, ["t"], set(), {"p", "q", "s"}, id="below-cycle"),
    ],
)
def test_descendants_and_ancestors(
    cells: list[CellSpec], roots: list[str], descendants: set[str], ancestors: set[str]
) -> None:
    g = build(cells)
    assert g.descendants(roots) == descendants
    assert g.ancestors(roots) == ancestors


# -- cycles -------------------------------------------------------------------------------

Step = tuple[str, str, set[str], set[str]]
"""``("set", cell_id, reads, writes)`` or ``("remove", cell_id, set(), set())``."""

TWO_CYCLE: list[CellSpec] = [("a", {"y"}, {"x"}), ("b", {"x"}, {"y"})]
THREE_CYCLE: list[CellSpec] = [("a", {"z"}, {"x"}), ("b", {"x"}, {"y"}), ("c", {"y"}, {"z"})]
TWO_TWO_CYCLES: list[CellSpec] = [
    ("a", {"y"}, {"x"}),
    ("b", {"x"}, {"y"}),
    ("c", {"w"}, {"v"}),
    ("d", {"v"}, {"w"}),
]
# a -> b -> c -> d -> a, plus b -> a: an inner cycle {a, b} inside the outer one.
NESTED: list[CellSpec] = [
    ("a", {"w", "y"}, {"x"}),
    ("b", {"x"}, {"y"}),
    ("c", {"y"}, {"z"}),
    ("d", {"z"}, {"w"}),
]

# (case id, initial cells, steps, expected groups after the steps)
CYCLE_CASES: list[tuple[str, list[CellSpec], list[Step], set[frozenset[str]]]] = [
    (
        "two_cycle_formed_by_edit",
        [("a", set(), {"x"}), ("b", {"x"}, {"y"})],
        [("set", "a", {"y"}, {"x"})],
        {frozenset("ab")},
    ),
    ("two_cycle_broken_by_edit", TWO_CYCLE, [("set", "b", set(), {"y"})], set()),
    ("two_cycle_broken_by_reader_edit", TWO_CYCLE, [("set", "a", set(), {"x"})], set()),
    ("two_cycle_broken_by_delete", TWO_CYCLE, [("remove", "b", set(), set())], set()),
    ("three_cycle_broken_by_edit", THREE_CYCLE, [("set", "c", set(), {"z"})], set()),
    ("three_cycle_broken_by_delete", THREE_CYCLE, [("remove", "b", set(), set())], set()),
    (
        "three_cycle_grows_to_four",
        THREE_CYCLE,
        [("set", "c", {"y"}, {"q"}), ("set", "d", {"q"}, {"z"})],
        {frozenset("abcd")},
    ),
    (
        "self_read_added_to_cycle_member",
        TWO_CYCLE,
        [("set", "a", {"x", "y"}, {"x"})],
        {frozenset("ab")},
    ),
    ("self_read_alone", [], [("set", "a", {"x"}, {"x"})], set()),
    (
        "two_cycles_merged_by_one_edge_is_not_a_cycle",
        TWO_TWO_CYCLES,
        [("set", "c", {"w", "y"}, {"v"})],  # b -> c only
        {frozenset("ab"), frozenset("cd")},
    ),
    (
        "two_cycles_merged_by_edges_both_ways",
        TWO_TWO_CYCLES,
        [("set", "c", {"w", "y"}, {"v"}), ("set", "a", {"y", "v"}, {"x"})],  # b -> c, c -> a
        {frozenset("abcd")},
    ),
    (
        "merged_cycles_split_again",
        TWO_TWO_CYCLES,
        [
            ("set", "c", {"w", "y"}, {"v"}),
            ("set", "a", {"y", "v"}, {"x"}),
            ("set", "a", {"y"}, {"x"}),
        ],
        {frozenset("ab"), frozenset("cd")},
    ),
    (
        "merged_cycles_lose_a_member",
        TWO_TWO_CYCLES,
        [
            ("set", "c", {"w", "y"}, {"v"}),
            ("set", "a", {"y", "v"}, {"x"}),
            ("remove", "d", set(), set()),
        ],
        {frozenset("abc")},
    ),
    ("nested_outer_broken_inner_kept", NESTED, [("set", "d", set(), {"w"})], {frozenset("ab")}),
    ("nested_inner_broken_outer_kept", NESTED, [("set", "a", {"w"}, {"x"})], {frozenset("abcd")}),
    ("nested_hub_deleted", NESTED, [("remove", "b", set(), set())], set()),
    (
        "cycle_via_ownership_transfer",
        # b reads y, which c defines only as a second definer: no edge c -> a yet.
        [("a", set(), {"y"}), ("b", {"y"}, {"x"}), ("c", {"x"}, {"y"})],
        [("remove", "a", set(), set())],
        {frozenset("bc")},
    ),
    (
        "cycle_broken_by_ownership_transfer",
        [("b", {"y"}, {"x"}), ("c", {"x"}, {"y"}), ("a", set(), {"y"})],
        [("set", "c", {"x"}, set())],  # a inherits y; a -> b, no way back
        set(),
    ),
]


@pytest.mark.parametrize(
    ("cells", "steps", "expected"),
    [pytest.param(c, s, e, id=i) for i, c, s, e in CYCLE_CASES],
)
def test_cycle_groups(
    cells: list[CellSpec], steps: list[Step], expected: set[frozenset[str]]
) -> None:
    g = build(cells)
    state = {cid: (r, w) for cid, r, w in cells}
    for action, cid, reads, writes in steps:
        if action == "set":
            g.set_cell(cid, reads, writes)
            state[cid] = (reads, writes)
        else:
            g.remove_cell(cid)
            del state[cid]
    assert cycles(g) == expected
    for cid in g.nx_graph.nodes:
        in_group = [grp for grp in expected if cid in grp]
        assert g.cycle(cid) == (in_group[0] if in_group else None), cid
    check_consistent(g, state)


def test_cycle_members_are_touched_when_a_cycle_forms_and_breaks() -> None:
    g = build([("a", set(), {"x"}), ("b", {"x"}, {"y"}), ("c", {"y"}, {"z"})])
    delta = g.set_cell("a", {"z"}, {"x"})
    assert {"a", "b", "c"} <= delta.touched
    delta = g.set_cell("a", set(), {"x"})
    assert {"a", "b", "c"} <= delta.touched
    assert cycles(g) == set()


# -- deltas -------------------------------------------------------------------------------

CHAIN3: list[CellSpec] = [("a", set(), {"x"}), ("b", {"x"}, {"y"}), ("c", {"y"}, set())]

# (case id, initial cells, step, expected touched, expected inputs_changed)
DELTA_CASES: list[tuple[str, list[CellSpec], Step, set[str], set[str]]] = [
    ("new_isolated_cell", [], ("set", "a", set(), {"x"}), {"a"}, set()),
    ("new_reader", [("a", set(), {"x"})], ("set", "b", {"x"}, set()), {"a", "b"}, {"b"}),
    (
        "new_definer_with_waiting_readers",
        [("r1", {"x"}, set()), ("r2", {"x"}, set())],
        ("set", "a", set(), {"x"}),
        {"a", "r1", "r2"},
        {"r1", "r2"},
    ),
    ("reader_drops_read", CHAIN3, ("set", "c", set(), set()), {"b", "c"}, {"c"}),
    (
        "extra_name_on_existing_edge",
        [("a", set(), {"x", "y"}), ("b", {"x"}, set())],
        ("set", "b", {"x", "y"}, set()),
        set(),
        set(),
    ),
    (
        "one_of_two_names_dropped_edge_stays",
        [("a", set(), {"x", "y"}), ("b", {"x", "y"}, set())],
        ("set", "b", {"x"}, set()),
        set(),
        set(),
    ),
    ("unresolved_read_added", CHAIN3, ("set", "c", {"y", "nowhere"}, set()), set(), set()),
    ("writer_adds_unread_name", CHAIN3, ("set", "a", set(), {"x", "q"}), set(), set()),
    ("middle_cell_removed", CHAIN3, ("remove", "b", set(), set()), {"a", "c"}, {"c"}),
    ("leaf_removed", CHAIN3, ("remove", "c", set(), set()), {"b"}, set()),
    (
        "reader_switches_parent",
        [("a", set(), {"x"}), ("b", set(), {"y"}), ("c", {"x"}, set())],
        ("set", "c", {"y"}, set()),
        {"a", "b", "c"},
        {"c"},
    ),
]


@pytest.mark.parametrize(
    ("cells", "step", "touched", "inputs_changed"),
    [pytest.param(c, s, t, ic, id=i) for i, c, s, t, ic in DELTA_CASES],
)
def test_delta_contents(
    cells: list[CellSpec], step: Step, touched: set[str], inputs_changed: set[str]
) -> None:
    g = build(cells)
    action, cid, reads, writes = step
    delta = g.set_cell(cid, reads, writes) if action == "set" else g.remove_cell(cid)
    assert isinstance(delta, GraphDelta)
    assert delta.touched == touched
    assert delta.inputs_changed == inputs_changed


@pytest.mark.parametrize(
    ("cells", "cid", "reads", "writes"),
    [
        pytest.param(CHAIN3, "b", {"x"}, {"y"}, id="same-sets"),
        pytest.param(CHAIN3, "b", ["x", "x"], ("y",), id="other-iterables"),
        pytest.param(CHAIN3, "c", {"y"}, set(), id="leaf"),
        pytest.param(TWO_CYCLE, "a", {"y"}, {"x"}, id="cycle-member"),
        pytest.param([("a", set(), set())], "a", (), (), id="empty-cell"),
    ],
)
def test_set_cell_unchanged_is_a_noop(
    cells: list[CellSpec], cid: str, reads: Iterable[str], writes: Iterable[str]
) -> None:
    g = build(cells)
    before_edges, before_cycles = edges(g), cycles(g)
    delta = g.set_cell(cid, reads, writes)
    assert delta.touched == set()
    assert delta.inputs_changed == set()
    assert edges(g) == before_edges
    assert cycles(g) == before_cycles


# -- incremental cost ---------------------------------------------------------------------

CHAIN_LEN = 5_000


def chain_spec(i: int) -> CellSpec:
    return (f"c{i}", {f"x{i - 1}"} if i else set(), {f"x{i}"})


@pytest.fixture(scope="module")
def long_chain() -> DependencyGraph:
    g = DependencyGraph()
    for i in range(CHAIN_LEN):
        delta = g.set_cell(*chain_spec(i))
        assert len(delta.touched) <= 2
        assert len(delta.inputs_changed) <= 1
    assert g.nx_graph.number_of_edges() == CHAIN_LEN - 1
    return g


def test_long_chain_edit_last_cell_touches_o1(long_chain: DependencyGraph) -> None:
    g = long_chain
    last = CHAIN_LEN - 1
    delta = g.set_cell(f"c{last}", {f"x{last - 2}"}, {f"x{last}"})  # skip a parent
    assert delta.touched == {f"c{last - 2}", f"c{last - 1}", f"c{last}"}
    assert delta.inputs_changed == {f"c{last}"}
    # and back
    delta = g.set_cell(*chain_spec(last))
    assert len(delta.touched) == 3
    assert delta.inputs_changed == {f"c{last}"}


def test_long_chain_edit_middle_cell_touches_o1(long_chain: DependencyGraph) -> None:
    g = long_chain
    mid = CHAIN_LEN // 2
    # Rename what the middle cell defines: its child loses its input.
    delta = g.set_cell(f"c{mid}", {f"x{mid - 1}"}, {f"renamed{mid}"})
    assert delta.touched == {f"c{mid}", f"c{mid + 1}"}
    assert delta.inputs_changed == {f"c{mid + 1}"}
    assert g.parents(f"c{mid + 1}") == []
    # A read only edit of the middle cell.
    delta = g.set_cell(f"c{mid}", {f"x{mid - 1}", f"x{mid - 3}"}, {f"renamed{mid}"})
    assert delta.touched == {f"c{mid - 3}", f"c{mid}"}
    assert delta.inputs_changed == {f"c{mid}"}
    # Restore: the child gets its input back.
    delta = g.set_cell(*chain_spec(mid))
    assert delta.touched == {f"c{mid - 3}", f"c{mid}", f"c{mid + 1}"}
    assert delta.inputs_changed == {f"c{mid}", f"c{mid + 1}"}
    # Closing the chain into one big cycle touches all of it (cycle membership changed).
    delta = g.set_cell("c0", {f"x{CHAIN_LEN - 1}"}, {"x0"})
    assert len(delta.touched) == CHAIN_LEN
    assert g.cycle(f"c{mid}") is not None and len(g.cycle(f"c{mid}") or ()) == CHAIN_LEN
    delta = g.set_cell(*chain_spec(0))
    assert len(delta.touched) == CHAIN_LEN
    assert g.cycle(f"c{mid}") is None


# -- del: a deleting cell runs after every other reader of the name ------------------

DEL_CASES = [
    # (cells as (id, reads, writes, deletes), expected edges, expected cycle groups)
    (
        [("w", set(), {"a"}, set()), ("d", {"a"}, set(), {"a"}), ("r", {"a"}, set(), set())],
        {("w", "d"): {"a"}, ("w", "r"): {"a"}, ("r", "d"): {"a"}},
        set(),
    ),
    (  # two cells deleting one name: each reads it, so they form a cycle
        [("w", set(), {"a"}, set()), ("d1", {"a"}, set(), {"a"}), ("d2", {"a"}, set(), {"a"})],
        {("w", "d1"): {"a"}, ("w", "d2"): {"a"}, ("d1", "d2"): {"a"}, ("d2", "d1"): {"a"}},
        {frozenset({"d1", "d2"})},
    ),
    (  # the reader comes first and the deleter defines what the reader needs: a cycle
        [("d", {"a"}, {"x"}, {"a"}), ("r", {"a", "x"}, set(), set())],
        {("d", "r"): {"x"}, ("r", "d"): {"a"}},
        {frozenset({"d", "r"})},
    ),
]


@pytest.mark.parametrize(("cells", "want_edges", "want_cycles"), DEL_CASES)
def test_deleters_follow_readers(
    cells: list[tuple[str, set[str], set[str], set[str]]],
    want_edges: Edges,
    want_cycles: set[frozenset[str]],
) -> None:
    g = DependencyGraph()
    for cid, reads, writes, deletes in cells:
        g.set_cell(cid, reads, writes, deletes)
    assert edges(g) == want_edges
    assert cycles(g) == want_cycles


def test_deleter_edges_go_when_the_del_or_the_read_goes() -> None:
    g = DependencyGraph()
    g.set_cell("w", set(), {"a"})
    g.set_cell("d", {"a"}, set(), {"a"})
    g.set_cell("r", {"a"}, set())
    g.set_cell("r", set(), set())  # no longer reads a
    assert ("r", "d") not in g.nx_graph.edges
    g.set_cell("r", {"a"}, set())
    assert ("r", "d") in g.nx_graph.edges
    delta = g.set_cell("d", set(), {"z"})  # no longer deletes a
    assert edges(g) == {("w", "r"): {"a"}}
    assert "d" in delta.inputs_changed
    g.remove_cell("r")
    assert edges(g) == {}
