"""Errors and summaries name JupyterLab's UUID cells as the user sees them."""

from __future__ import annotations

import uuid

from harness import KernelHarness


def test_upstream_and_blocked_errors_name_cells_by_count_and_first_line(
    kernel: KernelHarness, uid: str
) -> None:
    a, b, c, d = (str(uuid.uuid4()) for _ in range(4))
    x, y = f"x{uid}", f"y{uid}"
    kernel.execute(f"{x} = 1", cell_id=a)
    kernel.execute(f"{y} = 1 / ({x} - 1)", cell_id=b)
    r = kernel.execute(f"print({y})", cell_id=c)
    assert r.reply and r.reply["ename"] == "UpstreamError"
    count = kernel.cells()[b]["execution_count"]
    assert r.reply["evalue"] == f'Cell [{count}] "{y} = 1 / ({x} - 1)" (which defines {y}) failed.'
    assert b not in r.reply["evalue"]
    # the summary of the cascade run from a names the failed cells by their first lines
    r = kernel.execute(f"{x} = 1", cell_id=a)
    summary = [
        m["content"]["data"]["text/plain"]
        for m in r.iopub
        if m["msg_type"] == "display_data" and m["parent_header"]["msg_id"] == r.msg_id
    ]
    assert summary and f"✗ {y} = 1 / ({x} - 1): ZeroDivisionError" in summary[0]
    assert f"✗ print({y}): UpstreamError" in summary[0]
    assert a[:8] not in summary[0] and b[:8] not in summary[0]
    r = kernel.execute(f"{x} = 2", cell_id=d)  # a second definer of x is blocked
    assert r.reply and r.reply["ename"] == "MultipleDefinitionError"
    count = kernel.cells()[a]["execution_count"]
    assert f"'{x}' by cell [{count}] \"{x} = 1\"" in r.reply["evalue"]
