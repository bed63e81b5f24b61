"""Named regressions of the invariant (PROTOCOL.md section 2a), on a real kernel.

Each test is a minimal sequence that once left a ``success`` cell showing what
no fresh run would show, or a name bound that no current cell defines. They run
through the oracle of ``tests/kernel/test_oracle.py`` (which checks the state
against an independent fresh run) and assert the specific symptom as well.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import KernelHarness, start_kernel, stop_kernel
from oracle import PYTHON_POOL, Op
from test_oracle import Mismatch, run_sequence

INDEX = {s.code: i for i, s in enumerate(PYTHON_POOL)}


@pytest.fixture(scope="module")
def k() -> Iterator[KernelHarness]:
    km, kc = start_kernel()
    try:
        yield KernelHarness(kc)
    finally:
        stop_kernel(km, kc)


def text(k: KernelHarness, cell_id: str) -> str:
    outputs = k.cells()[cell_id]["outputs"]
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


def status(k: KernelHarness, cell_id: str) -> str:
    return str(k.cells()[cell_id]["status"])


def ok(result: object) -> None:
    reply = getattr(result, "reply", None)
    assert reply and reply["ok"], reply


def cleanup(k: KernelHarness, *ids: str) -> None:
    for cid in ids:
        if cid in k.cells():
            ok(k.comm("delete", cell_id=cid))


def test_shadowing_a_builtin_is_a_definition(k: KernelHarness) -> None:
    """Bug 1: L `len = ...`, N reads len: editing or deleting L re-runs N."""
    k.create("L1", "len = lambda s: 42")
    k.create("N1", "print('len ->', len([1]))")
    ok(k.comm("run", cell_id="L1"))
    ok(k.comm("run", cell_id="N1"))
    assert text(k, "N1") == "len -> 42\n"
    assert k.cells()["N1"]["parents"] == ["L1"]
    ok(k.comm("register", cell_id="L1", code="len = lambda s: 7", run=True))
    assert (status(k, "N1"), text(k, "N1")) == ("success", "len -> 7\n")
    ok(k.comm("delete", cell_id="L1"))
    assert (status(k, "N1"), text(k, "N1")) == ("success", "len -> 1\n")
    assert k.value("len is __import__('builtins').len") == "True"
    cleanup(k, "N1")


def test_edited_cells_old_names_leave_at_once(k: KernelHarness) -> None:
    """Bug 2: c1 `a = 2` run, then registered as `q = 7`: `a` is gone before
    anything else runs, so a new reader of `a` fails as in a fresh run."""
    k.create("B2c1", "a = 2")
    ok(k.comm("run", cell_id="B2c1"))
    ok(k.comm("register", cell_id="B2c1", code="q = 7"))
    assert k.value("a") == "NameError"
    k.create("B2c2", "b = a * 3\nprint('b', b)")
    ok(k.comm("run", cell_id="B2c2"))
    assert status(k, "B2c2") == "error"
    cleanup(k, "B2c1", "B2c2")


def test_old_names_gone_when_an_edit_reorders_the_plan(k: KernelHarness) -> None:
    """Bug 3: c0 `a = 2`, c1 `b = a + 1`; c0 becomes `b` (a reader of b): the
    plan is [c1, c0] and c1 must not see the old `a`."""
    k.create("B3c0", "a = 2\nprint('a is', a)")
    k.create("B3c1", "b = a + 1\nprint('b', b)")
    ok(k.comm("run", cell_id="B3c1"))
    assert text(k, "B3c1") == "b 3\n"
    r = k.comm("register", cell_id="B3c0", code="b", run=True)
    ok(r)
    [started] = r.of("cascade_started")
    assert started["plan"] == ["B3c1", "B3c0"]
    assert status(k, "B3c1") == "error"
    assert k.cells()["B3c1"]["error"]["ename"] == "NameError"
    assert k.value("a") == "NameError"
    cleanup(k, "B3c0", "B3c1")


def test_names_leave_on_a_blocked_definers_hand_over(k: KernelHarness) -> None:
    """Bug 4: c0 `w = 5` run, c2 `w = 6` blocked; c0 becomes `b = 1`: `w = 5`
    goes, and c2, now the owner, runs in the same cascade."""
    k.create("B4c0", "w = 5")
    ok(k.comm("run", cell_id="B4c0"))
    k.create("B4c2", "w = 6")
    assert status(k, "B4c2") == "blocked"
    ok(k.comm("register", cell_id="B4c0", code="b = 1", run=True))
    assert status(k, "B4c2") == "success"
    assert k.value("w") == "6"
    ok(k.comm("register", cell_id="B4c2", code="lst = [1]", run=True))
    assert k.value("w") == "NameError"
    cleanup(k, "B4c0", "B4c2")
    for name in ("w", "b", "lst"):
        assert k.value(name) == "NameError"


def test_editing_a_del_cell_restores_the_name(k: KernelHarness) -> None:
    """Bug 5: d1 `del a`, d2 `a = 1`; run d2 (d1 runs after it). d1 becomes
    `import math`: d2 runs again, so `a` is back."""
    k.create("B5d1", "del a")
    k.create("B5d2", "a = 1")
    ok(k.comm("run", cell_id="B5d2"))
    assert status(k, "B5d1") == "success"
    assert k.value("a") == "NameError"
    ok(k.comm("register", cell_id="B5d1", code="import math", run=True))
    assert status(k, "B5d2") == "success"
    assert k.value("a") == "1"
    k.create("B5d3", "print(a)")
    ok(k.comm("run", cell_id="B5d3"))
    assert text(k, "B5d3") == "1\n"
    cleanup(k, "B5d1", "B5d2", "B5d3")
    assert k.value("math") == "NameError"


def test_a_reader_of_a_deleted_name_runs_its_definer_again(k: KernelHarness) -> None:
    """A `del` cell runs after every reader of the name; re-running a reader
    later first runs the definer again (the name was deleted)."""
    k.create("D1w", "a = 2")
    k.create("D1d", "del a")
    k.create("D1r", "print('a is', a)")
    ok(k.comm("run_all"))
    assert [status(k, c) for c in ("D1w", "D1d", "D1r")] == ["success"] * 3
    assert text(k, "D1r") == "a is 2\n"
    assert k.cells()["D1d"]["parents"] == ["D1w", "D1r"]
    ok(k.comm("register", cell_id="D1r", code="print('now', a)", run=True))
    assert (status(k, "D1r"), text(k, "D1r")) == ("success", "now 2\n")
    assert k.value("a") == "NameError"
    ok(k.comm("delete", cell_id="D1d"))
    assert k.value("a") == "2"
    cleanup(k, "D1w", "D1r")


def test_global_del_in_a_function_is_not_a_definition(k: KernelHarness) -> None:
    """Bug 6: `def f(): global g; del g` reads g and writes f; beside `g = 1`
    it is not blocked."""
    k.create("B6g", "g = 1")
    k.create("B6f", "def f():\n    global g\n    del g")
    cell = k.cells()["B6f"]
    assert (cell["reads"], cell["writes"], cell["status"]) == (["g"], ["f"], "idle")
    cleanup(k, "B6g", "B6f")


def test_a_draft_that_does_not_parse_keeps_the_graph(k: KernelHarness) -> None:
    """PROTOCOL 2a: registering `a = (5` changes neither graph nor namespace;
    running it shows the SyntaxError, then its names go."""
    k.create("Dr0", "a = 5")
    k.create("Dr1", "print('a', a)")
    ok(k.comm("run", cell_id="Dr1"))
    ok(k.comm("register", cell_id="Dr0", code="a = (5"))
    cells = k.cells()
    assert cells["Dr0"]["writes"] == ["a"] and cells["Dr1"]["parents"] == ["Dr0"]
    assert cells["Dr0"]["status"] == "stale"
    assert k.value("a") == "5"
    ok(k.comm("run", cell_id="Dr0"))
    cells = k.cells()
    assert cells["Dr0"]["error"]["ename"] == "SyntaxError"
    assert cells["Dr1"]["error"]["ename"] == "UpstreamError"
    assert k.value("a") == "NameError"
    cleanup(k, "Dr0", "Dr1")


def test_run_all_runs_every_idle_and_stale_cell(k: KernelHarness) -> None:
    k.create("RA0", "x = 1")
    k.create("RA1", "y = x + 1\nprint(y)")
    k.create("RA2", "print('alone')")
    r = k.comm("run_all")
    ok(r)
    [started] = r.of("cascade_started")
    assert started["trigger"] == {"op": "run_all", "cell_id": None}
    assert started["plan"] == ["RA0", "RA1", "RA2"]
    assert [status(k, c) for c in ("RA0", "RA1", "RA2")] == ["success"] * 3
    r = k.comm("run_all")  # nothing is out of date: no cascade
    ok(r)
    assert r.reply is not None and r.reply["cascade_id"] is None
    cleanup(k, "RA0", "RA1", "RA2")


@pytest.mark.parametrize(
    "ops",
    [
        [("create", 0, "a = 2\nprint('a', a)"), ("create", 1, "del a"),
         ("create", 2, "print('a is', a)"), ("run_all",),
         ("register", 2, "b = a + 1\nprint('b', b)", True)],
        [("create", 0, "len = lambda s: 42"), ("create", 1, "print('len ->', len([1, 2]))"),
         ("run_all",), ("register", 0, "a = 5", False)],
        [("create", 0, "a = 5"), ("create", 1, "a = 2\nprint('a', a)"), ("run_all",),
         ("delete", 0)],
    ],
)  # fmt: skip
def test_oracle_regressions(k: KernelHarness, ops: list[tuple[object, ...]]) -> None:
    """Sequences the oracle once minimized, replayed through it."""
    seq = []
    for op in ops:
        kind = str(op[0])
        if kind == "create":
            seq.append(Op("create", int(op[1]), INDEX[str(op[2])]))  # type: ignore[call-overload]
        elif kind == "register":
            seq.append(Op("register", int(op[1]), INDEX[str(op[2])], run=bool(op[3])))  # type: ignore[call-overload]
        elif kind == "delete":
            seq.append(Op("delete", int(op[1])))  # type: ignore[call-overload]
        else:
            seq.append(Op(kind))
    try:
        run_sequence(k, seq, f"reg{abs(hash(str(ops))) % 10_000}")
    except Mismatch as exc:
        pytest.fail(str(exc), pytrace=False)
