"""Errors name the cell they come from, not the internal name its code was compiled under."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness import KernelHarness


def test_syntax_error_names_the_cell(kernel: KernelHarness, uid: str) -> None:
    cid = f"syn{uid}"
    kernel.create(cid, "b = (1")
    run = kernel.comm("run", cell_id=cid)
    [error] = [m["content"] for m in run.outputs(cid) if m["msg_type"] == "error"]
    assert error["evalue"] == f"'(' was never closed (cell {cid}, line 1)"
    assert "<cell-" not in error["evalue"] and ".py" not in error["evalue"]
    assert "Cell" in error["traceback"][0] and "In[" in error["traceback"][0]
    assert kernel.cells()[cid]["error"]["evalue"] == error["evalue"]


def test_headless_syntax_error_names_the_cell(tmp_path: Path) -> None:
    nb = tmp_path / "nb.py"
    nb.write_text('# %% id="ok"\nx = 1\n\n# %% id="broken"\ny = x +\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "reactive_kernel", "run", str(nb)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "[broken] SyntaxError: invalid syntax (cell broken, line 1)" in proc.stdout.splitlines()


def test_sql_errors_name_no_file(kernel: KernelHarness, uid: str) -> None:
    bad = {
        f"sq{uid}": "SELECT * FROM no_such_table_here",
        f"sy{uid}": "SELEC 1 FROM",
        f"bd{uid}": f"SELECT :undefined_{uid}",
    }
    for cid, code in bad.items():
        kernel.create(cid, code, cell_type="sql")
        run = kernel.comm("run", cell_id=cid)
        [error] = [m["content"] for m in run.outputs(cid) if m["msg_type"] == "error"]
        shown = error["evalue"] + "\n".join(error["traceback"])
        assert error["ename"] == "SqlError", error
        assert ".py" not in shown and "<cell-" not in shown and "site-packages" not in shown
