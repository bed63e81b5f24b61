"""Percent notebooks opened through jupytext run on the reactive kernel as in the
web notebook: headless through nbclient (no cell ids, no metadata), and as
JupyterLab runs them (cellId plus the cell's metadata in execute_request)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import KernelHarness, Result

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_notebook.py"
OLD_FORM = (
    DEMO.read_text()
    .replace('# %% id="orders"\n%%sql\n', '# %% id="orders" type="sql"\n')
    .replace(
        '# %% id="by_fruit"\n%%sql by_fruit\n', '# %% id="by_fruit" type="sql" name="by_fruit"\n'
    )
)


def _text(outputs: list[dict[str, Any]]) -> str:
    return "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in outputs)


def test_nbclient_runs_the_demo_read_by_jupytext() -> None:
    nb = jupytext.read(DEMO)
    assert nb.metadata["kernelspec"]["name"] == "reactive"
    client = nbclient.NotebookClient(nb, kernel_name="reactive", timeout=60)
    client.execute()  # raises CellExecutionError if any cell fails
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(o["output_type"] != "error" for c in code for o in c.outputs)
    by_id = {c.metadata["id"]: c for c in code}
    assert by_id["orders"].source.startswith("%%sql\n")
    assert _text(by_id["total"].outputs) == "total: 10.50\n"
    assert _text(by_id["report"].outputs) == "10 items, total 10.50 + VAT 2.10 = 12.60\n"


def _execute_as_jupyterlab(kernel: KernelHarness, cell: Any) -> Result:
    """What JupyterLab 4 sends: ``{...cell.metadata, cellId}`` as metadata."""
    msg = kernel.client.session.msg(
        "execute_request",
        {"code": cell.source, "silent": False, "store_history": True,
         "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        metadata={**cell.metadata, "deletedCells": [], "recordTiming": False, "cellId": cell.id},
    )  # fmt: skip
    kernel.client.shell_channel.send(msg)
    result = kernel.collect(msg["header"]["msg_id"])
    result.reply = kernel.shell_reply(msg["header"]["msg_id"])["content"]
    return result


@pytest.mark.parametrize("text", [DEMO.read_text(), OLD_FORM], ids=["magic-form", "marker-form"])
def test_jupyterlab_runs_every_cell_of_the_demo(fresh_kernel: KernelHarness, text: str) -> None:
    """Run All in JupyterLab on the demo opened as a Jupytext Notebook: the
    current file form (``%%sql`` bodies) and the earlier one (``type="sql"``
    only in the marker, which JupyterLab sends as cell metadata)."""
    nb = jupytext.reads(text, fmt="py:percent")
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        result = _execute_as_jupyterlab(fresh_kernel, cell)
        assert result.reply is not None and result.reply["status"] == "ok", (cell, result.reply)
    cells = fresh_kernel.cells()
    by_meta = {c.metadata["id"]: cells[c.id] for c in code}
    assert by_meta["orders"]["type"] == "sql"
    assert (by_meta["by_fruit"]["type"], by_meta["by_fruit"]["name"]) == ("sql", "by_fruit")
    assert all(c["status"] == "success" for c in cells.values()), cells
    assert _text(by_meta["report"]["outputs"]) == "10 items, total 10.50 + VAT 2.10 = 12.60\n"
    # an edit of min_qty cascades into the SQL cell and its readers
    min_qty = next(c for c in code if c.metadata["id"] == "min_qty")
    min_qty.source = "min_qty = 1"
    _execute_as_jupyterlab(fresh_kernel, min_qty)
    report = fresh_kernel.cells()[next(c.id for c in code if c.metadata["id"] == "report")]
    assert _text(report["outputs"]) == "12 items, total 13.60 + VAT 2.72 = 16.32\n"
