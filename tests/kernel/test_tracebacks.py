"""Every frame of cell code in a traceback points at its own line (PROTOCOL.md section 4).

Inner frames (a generator expression, a comprehension or lambda inside a function)
used to show the wrong source line under the right number. Checked on each path
a cell's error reaches a user: a cell run through the comm (the web notebook), an
execute_request with a cellId (JupyterLab), a console scratch input, a cell re-run
from its cached compiled code, and headless ``run``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from harness import KernelHarness
from tb_check import CASES, check

IDS = [c[0] for c in CASES]


def _error(result_outputs: list[dict]) -> list[str]:  # type: ignore[type-arg]
    errors = [m["content"]["traceback"] for m in result_outputs if m["msg_type"] == "error"]
    assert len(errors) == 1, result_outputs
    return list(errors[0])


@pytest.mark.parametrize(("code", "lines"), [c[1:] for c in CASES], ids=IDS)
def test_comm_run(kernel: KernelHarness, code: str, lines: list[int]) -> None:
    u = uuid.uuid4().hex[:6]
    code = code.format(u=u)
    cid = f"tb-{u}"
    kernel.create(cid, code)
    r = kernel.comm("run", cell_id=cid)
    check(_error(r.outputs(cid)), code, lines)
    cell = kernel.cells()[cid]
    check(cell["error"]["traceback"], code, lines)  # the cell object's copy too
    r = kernel.comm("run", cell_id=cid)  # again, from the cached compiled code
    check(_error(r.outputs(cid)), code, lines)


@pytest.mark.parametrize(("code", "lines"), [c[1:] for c in CASES], ids=IDS)
def test_execute_with_cell_id(kernel: KernelHarness, code: str, lines: list[int]) -> None:
    u = uuid.uuid4().hex[:6]
    code = code.format(u=u)
    r = kernel.execute(code, cell_id=f"lab-{u}")
    check(_error(r.outputs()), code, lines)
    assert r.reply is not None
    check(r.reply["traceback"], code, lines)


@pytest.mark.parametrize(("code", "lines"), [c[1:] for c in CASES], ids=IDS)
def test_scratch_input(kernel: KernelHarness, code: str, lines: list[int]) -> None:
    code = code.format(u=uuid.uuid4().hex[:6])
    r = kernel.execute(code)
    check(_error(r.outputs()), code, lines)


def test_headless_run_writes_true_lines(tmp_path: Path) -> None:
    cells = [c[1].format(u=str(i)) for i, c in enumerate(CASES)]
    src = "".join(f'# %% id="c{i}"\n{code}\n\n' for i, code in enumerate(cells))
    nb, out = tmp_path / "tb.py", tmp_path / "tb.ipynb"
    nb.write_text(src)
    proc = subprocess.run(
        [sys.executable, "-m", "reactive_kernel", "run", str(nb), "--to", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # every cell fails, on purpose
    doc = json.loads(out.read_text())
    code_cells = [c for c in doc["cells"] if c["cell_type"] == "code"]
    assert len(code_cells) == len(CASES)
    for cell, code, case in zip(code_cells, cells, CASES, strict=True):
        (error,) = [o for o in cell["outputs"] if o["output_type"] == "error"]
        check(error["traceback"], code, case[2])


def test_source_of_cell_functions_stays_available(kernel: KernelHarness) -> None:
    """Code names changed (runtime/compiler.py): ``inspect`` still finds the source."""
    u = uuid.uuid4().hex[:6]
    kernel.execute(f"def src_{u}(x):\n    return x + 1\n", cell_id=f"src{u}")
    r = kernel.execute(f"import inspect as _insp\nprint(_insp.getsource(src_{u}))")
    assert r.text() == f"def src_{u}(x):\n    return x + 1\n\n", r.text()
