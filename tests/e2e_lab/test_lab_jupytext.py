"""The demo percent notebook opened in JupyterLab as a Jupytext Notebook: Run All
runs every cell (SQL cells included), and a save keeps ids, types and names."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable

import pytest
from labdriver import ARTIFACTS, REPO, LabServer, NotebookPage

from reactive_kernel.core.nbformat_percent import parse

DEMO = REPO / "examples" / "demo_notebook.py"
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'


@pytest.fixture(scope="module")
def lab(lab_factory: Callable[[bool], LabServer]) -> LabServer:
    server = lab_factory(True)
    # .py files open as notebooks through jupytext (as "Open With → Jupytext Notebook")
    settings = server.base / "lab-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "plugin.jupyterlab-settings").write_text(
        json.dumps({"defaultViewers": {"python": "Jupytext Notebook"}})
    )
    return server


@pytest.mark.timeout(240)  # a lab server, a kernel and 8 cells on a loaded machine
def test_run_all_and_save_the_demo_as_a_jupytext_notebook(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    from playwright.sync_api import expect

    shutil.copy(DEMO, lab.root / "demo.py")
    expected = parse(DEMO.read_text()).doc
    nb = open_page(lab)
    nb.open("demo.py", len(expected.cells))
    nb.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    nb.page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    ids = [c.id for c in expected.cells]
    report = nb.output(ids.index("report"))  # the last cell is markdown: no output area
    expect(report).to_contain_text("10 items, total 10.50 + VAT 2.10 = 12.60", timeout=60_000)
    nb.wait_kernel_idle()
    summary = nb.cell(ids.index("summary")).locator(".jp-reactive-markdown")
    expect(summary).to_contain_text("10 items cost 10.50 plus VAT at 20%: 12.60")
    nb.screenshot("jupytext-demo-run-all")
    expect(nb.notebook.locator(f".jp-OutputArea-output{STDERR}")).to_have_count(0)
    expect(nb.notebook.locator(".jp-OutputArea-output", has_text="Error")).to_have_count(0)
    expect(nb.output(3)).to_contain_text("apple")  # by_fruit: the SQL result table
    for index, cell in enumerate(expected.cells):  # every code cell ran
        if not cell.markdown:
            expect(nb.prompt(index)).to_have_text(re.compile(r"\[\d+\]"))

    before = (lab.root / "demo.py").stat().st_mtime_ns
    nb.select(1)
    nb.page.keyboard.press("ControlOrMeta+s")
    path = lab.root / "demo.py"
    expect(nb.page.locator(".jp-mod-dirty")).to_have_count(0, timeout=30_000)
    assert path.stat().st_mtime_ns != before, "JupyterLab did not save"
    text = path.read_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "jupytext-demo-saved.py").write_text(text)
    assert '# %% id="by_fruit"\n%%sql by_fruit\n' in text  # jupytext's "hydrogen" flavour
    saved = parse(text)
    assert [(c.id, c.type, c.name, c.markdown) for c in saved.doc.cells] == [
        (c.id, c.type, c.name, c.markdown) for c in expected.cells
    ]
    assert [c.code.strip() for c in saved.doc.cells] == [c.code.strip() for c in expected.cells]
