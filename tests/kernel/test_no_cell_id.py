"""Execute requests without ``metadata.cellId`` (VS Code, nbclient, plain clients):
an input that is one of the kernel's cells runs as that cell, with its cascade and
the summary of what re-ran (reactive_kernel/input_match.py)."""

from __future__ import annotations

from typing import Any

from harness import KernelHarness, Result

from reactive_kernel.core.naming import cell_label

SUMMARY = {"reactive": {"summary": True}}


def _summary(r: Result) -> str:
    found = [
        m["content"]["data"]["text/plain"]
        for m in r.iopub
        if m["msg_type"] == "display_data" and m["content"].get("metadata") == SUMMARY
    ]
    assert len(found) <= 1, found
    return found[0] if found else ""


def _own(r: Result, kind: str) -> list[dict[str, Any]]:
    """Messages of ``kind`` a plain client shows: under the request's own msg_id."""
    return [
        m for m in r.iopub if m["msg_type"] == kind and m["parent_header"]["msg_id"] == r.msg_id
    ]


def test_same_code_runs_that_cell_and_its_cascade(kernel: KernelHarness, uid: str) -> None:
    a, b = f"a{uid}", f"b{uid}"
    kernel.create(a, f"{a} = 5")
    kernel.create(b, f"{b} = {a} * 2\nprint('b is', {b})")
    r = kernel.execute(f"\n{a} = 5  \n")  # as VS Code sends a cell: no cellId
    assert r.reply and r.reply["status"] == "ok"
    cells = kernel.cells()
    assert cells[a]["status"] == cells[b]["status"] == "success"
    assert r.reply["execution_count"] == cells[a]["execution_count"]
    [inp] = [m for m in r.iopub if m["msg_type"] == "execute_input"
             if m["parent_header"]["msg_id"] == r.msg_id]  # fmt: skip
    assert inp["content"]["execution_count"] == cells[a]["execution_count"]
    assert [m["content"]["text"] for m in _own(r, "stream")] == []  # b's print is b's
    assert cells[b]["outputs"][0]["text"] == "b is 10\n"
    assert "↻ re-ran 1 dependent cell" in _summary(r)
    assert f"✓ {b} = {a} * 2: ok" in _summary(r)
    assert a in kernel.cells() and len([c for c in cells if uid in c]) == 2  # no new cell


def test_same_definitions_is_an_edit_of_that_cell(kernel: KernelHarness, uid: str) -> None:
    a, b = f"ea{uid}", f"eb{uid}"
    kernel.create(a, f"{a} = 5")
    kernel.create(b, f"{b} = {a} * 2")
    kernel.comm("run", cell_id=a)
    label = cell_label(a, f"{a} = 5", kernel.cells()[a]["execution_count"])
    r = kernel.execute(f"{a} = 21")
    assert r.reply and r.reply["status"] == "ok"
    cells = kernel.cells()
    assert cells[a]["code"] == f"{a} = 21"
    assert kernel.value(b) == "42"
    [note] = [m["content"]["text"] for m in _own(r, "stream")]
    assert note == f"↻ replaces cell {label} (it defines the same names)\n"
    assert "re-ran 1 dependent cell" in _summary(r)


def test_a_failing_dependent_is_named_in_the_summary_and_error(
    kernel: KernelHarness, uid: str
) -> None:
    a, b = f"fa{uid}", f"fb{uid}"
    kernel.create(a, f"{a} = 1")
    kernel.create(b, f"{b} = 1 / ({a} - 1)")
    r = kernel.execute(f"{a} = 1")
    assert r.reply and r.reply["status"] == "ok"  # the input's own cell succeeded
    assert "1 not ok" in _summary(r) and "ZeroDivisionError" in _summary(r)


def test_other_inputs_stay_scratch_inputs(kernel: KernelHarness, uid: str) -> None:
    a, r1, r2 = f"sa{uid}", f"sr1{uid}", f"sr2{uid}"
    kernel.create(a, f"{a} = 1")
    kernel.create(r1, f"print({a})")
    kernel.create(r2, f"print({a})")
    kernel.comm("run", cell_id=a)
    before = set(kernel.cells())
    r = kernel.execute(f"print({a})")  # two cells have this code: no match
    assert r.reply and r.reply["status"] == "ok"
    r = kernel.execute(f"new{uid} = 3")  # defines what no cell defines
    assert r.reply and r.reply["status"] == "ok"
    assert set(kernel.cells()) == before
    assert _summary(r) == ""
    r = kernel.execute(f"{a} = 5", silent=True)  # silent requests never run cells
    assert kernel.cells()[a]["code"] == f"{a} = 1"


def test_sql_input_runs_the_sql_cell(kernel: KernelHarness, uid: str) -> None:
    q, use = f"q{uid}", f"u{uid}"
    kernel.create(q, "SELECT 41 AS v", cell_type="sql", name=q)
    kernel.create(use, f"print(int({q}['v'][0]) + 1)")
    r = kernel.execute(f"%%sql {q}\nSELECT 41 AS v")
    assert r.reply and r.reply["status"] == "ok"
    cells = kernel.cells()
    assert cells[q]["status"] == cells[use]["status"] == "success"
    assert cells[use]["outputs"][0]["text"] == "42\n"
    r = kernel.execute(f"%%sql {q}\nSELECT 1 AS v")  # an edit of the SQL cell
    assert kernel.cells()[q]["code"] == "SELECT 1 AS v"
    assert kernel.cells()[use]["outputs"][0]["text"] == "2\n"


def test_a_scratch_cascade_ends_with_a_summary(kernel: KernelHarness, uid: str) -> None:
    """An input that is no cell but binds a name cells read: they re-run, their
    outputs shown below the input (console style), then the summary."""
    x, r = f"x{uid}", f"r{uid}"
    kernel.create(r, f"print('r sees', {x})")
    result = kernel.execute(f"{x} = 7")
    assert result.reply and result.reply["status"] == "ok"
    texts = [m["content"]["text"] for m in _own(result, "stream")]
    assert texts == ["r sees 7\n"]
    summary = _summary(result)
    assert summary.startswith("↻ re-ran 1 dependent cell:") and f"print('r sees', {x})" in summary
    [display] = [m for m in _own(result, "display_data")]
    assert display["content"]["metadata"] == SUMMARY
