"""Markdown cells (PROTOCOL.md 2b) in a real kernel: graph, rendering, errors, files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from harness import KernelHarness, start_kernel, stop_kernel

ROOT = Path(__file__).resolve().parents[2]


def markdown_of(result_outputs: list[dict]) -> list[str]:
    return [
        m["content"]["data"]["text/markdown"]
        for m in result_outputs
        if m["msg_type"] == "display_data" and "text/markdown" in m["content"]["data"]
    ]


def test_interpolating_cell_reads_and_rerenders(kernel: KernelHarness, uid: str) -> None:
    v, md = f"v{uid}", f"md{uid}"
    kernel.create(f"c{uid}", f"{v} = 2.5")
    created = kernel.create(md, f"# Report\n\nValue **{{{v}:.2f}}**, `{{{v}}}` stays, {{{{x}}}}.",
                            cell_type="markdown")
    cell = created.of("cell_created")[0]["cell"]
    assert (cell["type"], cell["reads"], cell["writes"]) == ("markdown", [v], [])
    run = kernel.comm("run", cell_id=md)
    assert run.reply and run.reply["ok"]
    assert markdown_of(run.outputs(md)) == [f"# Report\n\nValue **2.50**, `{{{v}}}` stays, {{x}}."]
    # Never executed as Python: no execute_input, no execution count.
    assert not [m for m in run.iopub if m["msg_type"] == "execute_input"
                and m["parent_header"].get("cellId") == md]
    assert kernel.cells()[md]["execution_count"] is None
    # It sits in the graph: a change upstream re-renders it.
    edit = kernel.comm("register", cell_id=f"c{uid}", code=f"{v} = 7", run=True)
    assert edit.reply and edit.reply["ok"]
    assert markdown_of(edit.outputs(md)) == [f"# Report\n\nValue **7.00**, `{{{v}}}` stays, {{x}}."]
    assert kernel.cells()[md]["status"] == "success"


def test_plain_markdown_has_no_reads_and_is_not_python(kernel: KernelHarness, uid: str) -> None:
    md = f"plain{uid}"
    text = "# Title\n\nimport os; os._exit(1)\n\n$$\\frac{a}{b}$$ and {\"json\": 1}"
    cell = kernel.create(md, text, cell_type="markdown").of("cell_created")[0]["cell"]
    assert cell["reads"] == [] and cell["writes"] == []
    run = kernel.comm("run", cell_id=md)
    assert markdown_of(run.outputs(md)) == [text]
    assert kernel.cells()[md]["status"] == "success"


def test_failing_field_fails_the_cell_with_a_clear_message(kernel: KernelHarness, uid: str) -> None:
    md, below = f"bad{uid}", f"n{uid}"
    kernel.create(md, f"Missing {{nowhere{uid}}} and {{1/0}}", cell_type="markdown")
    run = kernel.comm("run", cell_id=md)
    assert run.reply and run.reply["ok"]
    cell = kernel.cells()[md]
    assert cell["status"] == "error"
    assert cell["error"]["ename"] == "MarkdownFieldError"
    assert f"name 'nowhere{uid}' is not defined" in cell["error"]["evalue"]
    assert f"{{nowhere{uid}}}" in cell["error"]["evalue"] and md in cell["error"]["evalue"]
    del below


def test_switching_type_to_markdown_and_back(kernel: KernelHarness, uid: str) -> None:
    cid = f"sw{uid}"
    kernel.create(cid, f"x{uid} = 1")
    r = kernel.comm("register", cell_id=cid, code="*not python*", cell_type="markdown")
    assert r.reply and r.reply["ok"], r.reply
    assert kernel.cells()[cid]["type"] == "markdown"
    assert kernel.value(f"'x{uid}' in globals()") == "False"
    r = kernel.comm("register", cell_id=cid, code=f"y{uid} = 3", cell_type="python", run=True)
    assert kernel.cells()[cid]["type"] == "python" and kernel.value(f"y{uid}") == "3"


def test_file_round_trip_keeps_jupytext_markdown(tmp_path: Path) -> None:
    path = tmp_path / "nb.py"
    source = (
        '# %% [markdown] id="intro"\n# # Title\n#\n# Total is {total:.1f}.\n\n'
        '# %% id="t"\ntotal = 3\n'
    )
    path.write_text(source, encoding="utf-8")
    km, kc = start_kernel(env={**os.environ, "REACTIVE_NOTEBOOK": str(path)})
    try:
        k = KernelHarness(kc)
        cells = k.cells()
        assert cells["intro"]["type"] == "markdown"
        assert cells["intro"]["code"] == "# Title\n\nTotal is {total:.1f}."
        assert cells["intro"]["reads"] == ["total"] and cells["intro"]["parents"] == ["t"]
        run = k.comm("run", cell_id="intro")
        assert markdown_of(run.outputs("intro")) == ["# Title\n\nTotal is 3.0."]
        k.comm("register", cell_id="t", code="total = 4")
        text = path.read_text(encoding="utf-8")
        assert '# %% [markdown] id="intro"\n# # Title\n#\n# Total is {total:.1f}.\n' in text
        assert "total = 4" in text
    finally:
        stop_kernel(km, kc)


def test_headless_run_renders_markdown(tmp_path: Path) -> None:
    import subprocess

    out = tmp_path / "out.ipynb"
    proc = subprocess.run(
        [sys.executable, "-m", "reactive_kernel", "run",
         str(ROOT / "examples" / "demo_notebook.py"), "--to", str(out)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[intro] # A small reactive notebook" in proc.stdout
