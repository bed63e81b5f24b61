"""``python -m reactive_kernel convert`` and ``run``: real processes, real kernels.

Every subprocess has a timeout; ``run`` starts a kernel of its own each time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reactive_kernel.convert import doc_from_notebook, notebook_from_doc
from reactive_kernel.core.nbformat_percent import (
    NotebookCell,
    NotebookDoc,
    comment_markdown,
    dumps,
    loads,
)
from reactive_kernel.kernel_client import SpecManager

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo_notebook.py"
TIMEOUT = 120


def cli(*args: str | Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reactive_kernel", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


DOC = NotebookDoc(
    (
        NotebookCell("intro", "python", comment_markdown("# Title\n\nSome *text*."), markdown=True),
        NotebookCell("a", "python", "a = 1\n"),
        NotebookCell("q", "sql", "SELECT :a AS x", name="df"),
        NotebookCell("anon", "sql", "SELECT 2"),
        NotebookCell("b", "python", "b = a + 1\n# %% not a marker\nb"),
    ),
    {"database": "sqlite:///x.db"},
)


# -- convert ---------------------------------------------------------------------------


def test_convert_py_to_ipynb_and_back(tmp_path: Path) -> None:
    src = tmp_path / "nb.py"
    src.write_text(dumps(DOC), encoding="utf-8")
    proc = cli("convert", src, tmp_path / "nb.ipynb")
    assert proc.returncode == 0, proc.stderr
    nb = nbformat.read(tmp_path / "nb.ipynb", as_version=4)
    nbformat.validate(nb)
    assert [c.id for c in nb.cells] == ["intro", "a", "q", "anon", "b"]
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code", "code"]
    assert nb.cells[0].source == "# Title\n\nSome *text*."
    assert nb.cells[2].source == "%%sql df\nSELECT :a AS x"
    assert nb.cells[3].source == "%%sql\nSELECT 2"
    assert nb.metadata["kernelspec"]["name"] == "reactive"
    assert nb.metadata["reactive"] == {"database": "sqlite:///x.db"}
    proc = cli("convert", tmp_path / "nb.ipynb", tmp_path / "back.py")
    assert proc.returncode == 0, proc.stderr
    assert loads((tmp_path / "back.py").read_text(encoding="utf-8")) == DOC
    assert src.read_text(encoding="utf-8") == dumps(DOC)  # the input is untouched


def test_convert_ipynb_from_jupyter(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", id="first"),
        nbformat.v4.new_markdown_cell("## Notes", id="notes"),
        nbformat.v4.new_code_cell("%%sql totals\nSELECT 1", id="sql-1"),
        nbformat.v4.new_raw_cell("raw text", id="raw"),
        nbformat.v4.new_code_cell("y = x", id="second"),
    ]
    nbformat.write(nb, tmp_path / "in.ipynb")
    proc = cli("convert", tmp_path / "in.ipynb", tmp_path / "out.py")
    assert proc.returncode == 0, proc.stderr
    assert "raw cell kept as a markdown cell" in proc.stderr
    doc = loads((tmp_path / "out.py").read_text(encoding="utf-8"))
    assert doc.cells == (
        NotebookCell("first", "python", "x = 1"),
        NotebookCell("notes", "python", "# ## Notes", markdown=True),
        NotebookCell("sql-1", "sql", "SELECT 1", name="totals"),
        NotebookCell("raw", "python", "# raw text", markdown=True),
        NotebookCell("second", "python", "y = x"),
    )


def test_convert_py_to_py_normalises_a_hand_edited_file(tmp_path: Path) -> None:
    (tmp_path / "hand.py").write_text(
        'import os\n# %% id="a"\nx = 1\n# %% id="a" tags=["t"]\ny = 2\n', encoding="utf-8"
    )
    proc = cli("convert", tmp_path / "hand.py", tmp_path / "norm.py")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"note: {tmp_path / 'hand.py'}: line 4: cell metadata 'tags' not kept",
        f"note: {tmp_path / 'hand.py'}: line 4: duplicate cell id 'a' renamed to 'a-2'",
    ]
    doc = loads((tmp_path / "norm.py").read_text(encoding="utf-8"))
    assert [(c.id, c.code) for c in doc.cells] == [
        ("cell-1", "import os"),
        ("a", "x = 1"),
        ("a-2", "y = 2"),
    ]


def test_ipynb_without_ids_and_with_duplicates() -> None:
    nb = {
        "cells": [
            {"cell_type": "code", "source": ["a = 1\n", "a"], "metadata": {}},
            {"cell_type": "code", "id": "x", "source": "", "metadata": {}},
            {"cell_type": "code", "id": "x", "source": "", "metadata": {}},
            {"cell_type": "code", "source": "SELECT 1", "metadata": {"type": "sql", "id": "j"}},
        ],
        "metadata": {},
    }
    doc, notes = doc_from_notebook(nb)
    assert [c.id for c in doc.cells] == ["cell-1", "x", "x-2", "j"]
    assert doc.cells[0].code == "a = 1\na"
    assert doc.cells[3].type == "sql"
    assert notes == ["cell 3: duplicate id 'x' renamed to 'x-2'"]


def test_notebook_from_doc_masks_passwords() -> None:
    doc = NotebookDoc((), {"database": "postgresql://u:secret@h/db"})
    assert notebook_from_doc(doc)["metadata"]["reactive"] == {"database": "postgresql://u:***@h/db"}


@pytest.mark.parametrize(
    ("make", "src", "dst", "message"),
    [
        (None, "missing.py", "out.ipynb", "missing.py: no such file"),
        ("x = 1\n", "nb.txt", "out.ipynb", "unknown notebook extension '.txt'"),
        ("x = 1\n", "nb.py", "out.md", "unknown notebook extension '.md'"),
        ('x = 1\n# %% id="bad id"\n', "nb.py", "out.ipynb", "nb.py:2: invalid cell id"),
        ("{not json", "nb.ipynb", "out.py", "nb.ipynb: not a valid notebook"),
        ("x = 1\n", "nb.py", "nb.py", "is the input file"),
        ("x = 1\n", "nb.py", "./nb.py", "is the input file"),
    ],
)
def test_convert_errors(tmp_path: Path, make: str | None, src: str, dst: str, message: str) -> None:
    if make is not None:
        (tmp_path / src).write_text(make, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "reactive_kernel", "convert", src, dst],
        capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stderr.count("\n") == 1  # one clear line
    if make is not None:
        assert (tmp_path / src).read_text(encoding="utf-8") == make
    assert sorted(p.name for p in tmp_path.iterdir()) == ([src] if make is not None else [])


def test_convert_usage_error() -> None:
    assert cli("convert", "only-one.py").returncode == 2


# -- run -----------------------------------------------------------------------------


def test_run_demo(tmp_path: Path) -> None:
    out = tmp_path / "out.ipynb"
    start = time.monotonic()
    proc = cli("run", DEMO, "--to", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert time.monotonic() - start < TIMEOUT
    for line in (
        "[by_fruit] apple  5",
        "[by_fruit] (2 rows total)",
        "[total] total: 10.50",
        "[vat] 2.1",
        "[report] 10 items, total 10.50 + VAT 2.10 = 12.60",
        "[summary] With a minimum of **2** per fruit, 10 items cost",
        "--- 9 cells: 9 succeeded, 0 failed, 0 blocked, 0 not run",
    ):
        assert line in proc.stdout.splitlines()
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    ids = [c.id for c in loads(DEMO.read_text(encoding="utf-8")).cells]
    assert [c.id for c in nb.cells] == ids
    assert nb.cells[0].cell_type == "markdown"
    code = {c.id: c for c in nb.cells if c.cell_type == "code"}
    assert all(c.execution_count for c in code.values())
    assert code["orders"].source.startswith("%%sql\nCREATE TABLE orders")
    assert code["by_fruit"].source.startswith("%%sql by_fruit\nSELECT")
    assert "<table" in code["by_fruit"].outputs[0]["data"]["text/html"]
    assert code["total"].outputs[0] == {
        "output_type": "stream",
        "name": "stdout",
        "text": "total: 10.50\n",
    }


FAILING = """\
# %% id="ok"
a = 2
print('a is', a)

# %% id="boom"
b = a / 0

# %% id="below"
c = b + 1

# %% id="x"
x = y

# %% id="y"
y = x
"""


def test_run_failing_notebook(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text(FAILING, encoding="utf-8")
    proc = cli("run", tmp_path / "nb.py", "--to", tmp_path / "out.ipynb")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert "[ok] a is 2" in lines
    assert "[boom] ZeroDivisionError: division by zero" in lines
    assert "[below] UpstreamError: Cell boom (which defines b) failed." in lines
    assert any(line.startswith("[x] blocked: CycleError") for line in lines)
    assert lines[-2] == "--- 5 cells: 1 succeeded, 2 failed, 2 blocked, 0 not run"
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    nbformat.validate(nb)
    errors = {c.id: c.outputs[-1]["ename"] for c in nb.cells if c.id != "ok"}
    assert errors == {
        "boom": "ZeroDivisionError",
        "below": "UpstreamError",
        "x": "CycleError",
        "y": "CycleError",
    }


SQL_DOC = NotebookDoc(
    (
        NotebookCell("one", "python", "n = 3"),
        NotebookCell("q", "sql", "SELECT :n AS x", name="df"),
        NotebookCell("show", "python", "print(int(df['x'][0]) * 2)"),
    ),
    {},
)


def test_run_sql_cells(tmp_path: Path) -> None:
    """SQL cells are created with cell_type and name. A kernel without SQL
    support refuses them (bad_cell_type): the cell is reported as failed."""
    (tmp_path / "nb.py").write_text(dumps(SQL_DOC), encoding="utf-8")
    proc = cli("run", tmp_path / "nb.py", "--db", "sqlite://")
    out = proc.stdout + proc.stderr
    if "unsupported" in proc.stderr:  # a kernel without SQL support at all
        assert proc.returncode == 2, out
        assert "error: the kernel refused the database (unsupported: " in proc.stderr
        proc = cli("run", tmp_path / "nb.py")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "[q] not created: bad_cell_type: " in proc.stdout
        return
    assert proc.returncode == 0, out
    assert "[show] 6" in proc.stdout.splitlines()
    assert "--- 3 cells: 3 succeeded, 0 failed, 0 blocked, 0 not run" in proc.stdout


def test_run_refused_database() -> None:
    proc = cli("run", DEMO, "--db", "not a url")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "error: the kernel refused the database (" in proc.stderr


def test_run_database_from_the_file(tmp_path: Path) -> None:
    """The file's URL has its password masked; the kernel cannot use it: a
    warning without SQL cells, an error (exit 2) with them."""
    url = "postgresql://u:secret@127.0.0.1:1/db"
    plain = NotebookDoc((NotebookCell("a", "python", "a = 1"),), {"database": url})
    (tmp_path / "plain.py").write_text(dumps(plain), encoding="utf-8")
    (tmp_path / "sql.py").write_text(
        dumps(NotebookDoc(SQL_DOC.cells, {"database": url})), encoding="utf-8"
    )
    assert "secret" not in (tmp_path / "sql.py").read_text(encoding="utf-8")
    proc = cli("run", tmp_path / "plain.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning: the notebook's database URL has no password" in proc.stdout
    assert "warning: the kernel refused the database" in proc.stdout
    proc = cli("run", tmp_path / "sql.py")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "error: the kernel refused the database" in proc.stderr


def test_run_timeout_interrupts_the_cell(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text(
        '# %% id="slow"\nimport time\ntime.sleep(60)\n\n# %% id="after"\nz = time\n',
        encoding="utf-8",
    )
    start = time.monotonic()
    proc = cli("run", tmp_path / "nb.py", "--timeout", "3")
    assert time.monotonic() - start < 45
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "[slow] timed out after 3 s: interrupting" in proc.stdout
    assert "[slow] KeyboardInterrupt: " in proc.stdout


def test_run_reports_a_dead_kernel(tmp_path: Path) -> None:
    (tmp_path / "nb.py").write_text(
        '# %% id="fine"\nok = 1\n\n# %% id="die"\nimport os\nos._exit(3)\n', encoding="utf-8"
    )
    start = time.monotonic()
    proc = cli("run", tmp_path / "nb.py")
    assert time.monotonic() - start < 60
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "[die] the kernel died" in proc.stdout
    assert "error: the kernel died while cell die ran" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py"], "missing.py: no such file"),
        (["bad.py"], "bad.py:1: unknown cell type 'r'"),
        (["bad.txt"], "unknown notebook extension"),
        (["good.py", "--to", "out.py"], "the output must be an .ipynb file"),
        (["good.py", "--timeout", "0"], "--timeout must be positive"),
        (["good.py", "--timeout", "soon"], "invalid float value"),
        ([], "the following arguments are required"),
    ],
)
def test_run_usage_and_file_errors(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.py").write_text("# %% type=r\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_text("", encoding="utf-8")
    (tmp_path / "good.py").write_text("x = 1\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "reactive_kernel", "run", *args],
        capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert not (tmp_path / "out.py").exists()


def test_help_lists_the_new_commands() -> None:
    proc = cli("--help")
    assert proc.returncode == 0
    assert "run NOTEBOOK.py" in proc.stdout and "convert SRC DST" in proc.stdout
    assert cli("run", "--help").returncode == 0


def test_kernelspec_fallback_uses_this_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    manager = SpecManager()
    monkeypatch.setattr(manager, "kernel_dirs", [])
    spec = manager.get_kernel_spec("reactive")
    assert spec.argv[:3] == [sys.executable, "-m", "reactive_kernel.kernelapp"]
    assert json.loads(spec.to_json())["display_name"] == "Python 3 (reactive)"


def test_run_widgets_as_text(tmp_path: Path) -> None:
    pytest.importorskip("ipywidgets")
    src = tmp_path / "widgets.py"
    src.write_text(
        '# %% id="x"\nimport ipywidgets as widgets\ns = widgets.IntSlider(value=3)\ns\n\n'
        '# %% id="r"\nprint("double", s.value * 2)\n'
    )
    out = tmp_path / "out.ipynb"
    done = cli("run", src, "--to", out)
    assert done.returncode == 0, done.stderr
    assert "[x] IntSlider(value=3)" in done.stdout and "[r] double 6" in done.stdout
    nb = json.loads(out.read_text())
    [result] = nb["cells"][0]["outputs"]
    assert list(result["data"]) == ["text/plain"]  # no view of a model that is gone
    assert "".join(result["data"]["text/plain"]) == "IntSlider(value=3)"
    demo = cli("run", ROOT / "examples" / "widgets_demo.py")  # the widgets demo runs as is
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "[params] fruit with at least 2 sold, region: all" in demo.stdout
