"""The spec's invariant, by property test against a real kernel.

After any sequence of create/register/run/delete/move, once the kernel is idle,
every ``success`` cell shows the output, and the namespace holds the value, that
a fresh dependency-ordered run of the current cells would produce.

The reference run below is written independently of the kernel's core: cell k
writes only ``v<n>_<k>`` and reads the variables the test chose, so the expected
graph is known without analysis; cycles are found with networkx directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pytest
from harness import KernelHarness, start_kernel, stop_kernel
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

_example = itertools.count()


@dataclass
class Spec:
    reads: tuple[int, ...]
    const: int
    fails: bool


def code_for(prefix: str, k: int, spec: Spec) -> str:
    terms = " + ".join([f"{prefix}{j}" for j in spec.reads] + [str(spec.const)])
    if spec.fails:
        terms += " + 1 // 0"
    return f"{prefix}{k} = {terms}\nprint('{prefix}{k} =', {prefix}{k})"


def fresh_run(prefix: str, cells: list[tuple[int, Spec]]) -> dict[int, int | None]:
    """Value of each cell after a fresh run in dependency order; None if it
    fails, is blocked, or is downstream of either."""
    writer = {k: k for k, _ in cells}
    g = nx.DiGraph()
    g.add_nodes_from(k for k, _ in cells)
    for k, spec in cells:
        for j in spec.reads:
            if j in writer and j != k:
                g.add_edge(j, k)
    cyclic = {n for scc in nx.strongly_connected_components(g) if len(scc) > 1 for n in scc}
    specs = dict(cells)
    values: dict[int, int | None] = {}
    acyclic = g.subgraph([n for n in g if n not in cyclic])
    for k in nx.topological_sort(acyclic):
        spec = specs[k]
        ok = not spec.fails and all(
            j != k and j in writer and values.get(j) is not None and j not in cyclic
            for j in spec.reads
        )
        values[k] = sum(values[j] for j in spec.reads) + spec.const if ok else None  # type: ignore[misc]
    for k in cyclic:
        values[k] = None
    return values


def spec_st(upto: int) -> st.SearchStrategy[Spec]:
    """Mostly reads of earlier cells (so chains form), sometimes any cell."""
    reads = st.one_of(
        st.lists(st.integers(0, max(upto - 1, 0)), max_size=2, unique=True),
        st.lists(st.integers(0, 3), max_size=2, unique=True),
    ).map(lambda r: tuple(j for j in r if upto > 0 or j != 0))
    return st.builds(
        Spec, reads=reads, const=st.integers(0, 9), fails=st.integers(0, 6).map(lambda x: x == 0)
    )


@st.composite
def scenario(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """A few cells created and run, then random operations."""
    n = draw(st.integers(2, 4))
    ops: list[tuple[Any, ...]] = [("create", i, draw(spec_st(i)), -1) for i in range(n)]
    ops.append(("run", 0))
    ops += draw(st.lists(op_st, max_size=10))
    return ops


op_st = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 4), spec_st(4), st.integers(-1, 4)),
    st.tuples(st.just("register"), st.integers(0, 4), spec_st(4), st.booleans()),
    st.tuples(st.just("run"), st.integers(0, 4)),
    st.tuples(st.just("delete"), st.integers(0, 4)),
    st.tuples(st.just("move"), st.integers(0, 4), st.integers(-1, 4)),
)


@pytest.fixture(scope="module")
def prop_kernel() -> Iterator[KernelHarness]:
    km, kc = start_kernel()
    try:
        yield KernelHarness(kc)
    finally:
        stop_kernel(km, kc)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=scenario())
@example(  # an edit without a run must not leave a stale dependent looking current
    ops=[
        ("create", 0, Spec((), 1, False), -1),
        ("create", 1, Spec((0,), 0, False), -1),
        ("run", 1),
        ("register", 0, Spec((), 5, False), False),
    ]
)
def test_state_equals_a_fresh_run(prop_kernel: KernelHarness, ops: list[tuple[Any, ...]]) -> None:
    k = prop_kernel
    n = next(_example)
    prefix = f"v{n}_"
    cid = lambda i: f"p{n}-{i}"  # noqa: E731
    cells: dict[int, Spec] = {}
    for op in ops:
        kind, i = op[0], op[1]
        if kind == "create" and i not in cells:
            after = cid(op[3]) if op[3] in cells else None
            k.create(cid(i), code_for(prefix, i, op[2]), after=after)
            cells[i] = op[2]
        elif kind == "register" and i in cells:
            r = k.comm("register", cell_id=cid(i), code=code_for(prefix, i, op[2]), run=op[3])
            assert r.reply and r.reply["ok"]
            cells[i] = op[2]
        elif kind == "run" and i in cells:
            assert k.comm("run", cell_id=cid(i)).reply["ok"]  # type: ignore[index]
        elif kind == "delete" and i in cells:
            assert k.comm("delete", cell_id=cid(i)).reply["ok"]  # type: ignore[index]
            del cells[i]
        elif kind == "move" and i in cells and op[2] != i:
            after = cid(op[2]) if op[2] in cells else None
            assert k.comm("move", cell_id=cid(i), after=after).reply["ok"]  # type: ignore[index]
    expected = fresh_run(prefix, list(cells.items()))
    checked: list[int] = []
    snapshot = {c["id"]: c for c in k.snapshot()["cells"]}
    for i, spec in cells.items():
        cell = snapshot[cid(i)]
        assert cell["reads"] == sorted(f"{prefix}{j}" for j in set(spec.reads)), cell
        value = expected[i]
        if cell["status"] in ("error", "blocked"):
            # A fresh run would not have defined it either.
            assert k.value(f"{prefix}{i}") == "NameError", cell
        if cell["status"] != "success":
            continue
        assert value is not None, f"cell {i} is success but a fresh run fails it: {cell}"
        assert k.value(f"{prefix}{i}") == str(value)
        text = "".join(o.get("text", "") for o in cell["outputs"])
        assert text == f"{prefix}{i} = {value}\n"
        checked.append(i)
    event(f"success cells checked: {min(len(checked), 3)}+")
