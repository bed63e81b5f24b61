"""JupyterLab without the extension (as Notebook 7 or VS Code would be).

JupyterLab alone shows only the outputs of the cell that was run: the
dependents' outputs go out under headers of their own, which no cell listens
to. The kernel therefore appends to the run cell's output a compact summary of
the cascade it caused (a ``display_data`` with ``metadata.reactive.summary``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from labdriver import LabServer, NotebookPage, write_notebook

CELLS = [("cell-a", "a = 1"), ("cell-b", "b = a + 1; b"), ("cell-c", "print(b * 10)")]


@pytest.fixture(scope="module")
def lab(lab_factory: Callable[[bool], LabServer]) -> LabServer:
    return lab_factory(False)


def test_summary_in_the_run_cell_without_extension(
    lab: LabServer,
    open_page: Callable[[LabServer], NotebookPage],
) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "plain-lab.ipynb", CELLS)
    nb = open_page(lab)
    nb.open("plain-lab.ipynb", len(CELLS))
    for index in range(len(CELLS)):
        nb.run(index)
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("20", timeout=60_000)
    nb.wait_kernel_idle()
    # The extension is really off: nothing of it on the page.
    expect(nb.notebook).not_to_have_class(re.compile(r"\bjp-reactive-notebook\b"))
    expect(nb.page.locator(".jp-reactive-badge")).to_have_count(0)
    expect(nb.page.locator(".jp-reactive-progress")).to_have_count(0)

    nb.edit(0, "a = 5")
    nb.run(0)
    nb.wait_kernel_idle()
    summary = nb.output(0).locator(".jp-OutputArea-output", has_text="re-ran")
    expect(summary).to_have_count(1, timeout=30_000)
    expect(summary).to_contain_text("re-ran 2 dependent cells")
    expect(summary).to_contain_text("cell-b")
    expect(summary).to_contain_text("cell-c")
    nb.screenshot("6-no-extension-summary")
    # Without the extension JupyterLab leaves the dependents' cells as they were.
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("2")
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("20")
