"""Markdown cells with fields in JupyterLab (PROTOCOL.md section 2b).

The extension registers markdown cells in the kernel, so a markdown cell that
interpolates ``{total}`` is in the graph: when the cell defining ``total``
changes, the kernel re-renders it in the cascade, and the extension shows the
interpolated text in that markdown cell's rendered view; an edited markdown
cell rendered again is rendered by the kernel. A markdown cell without fields
keeps JupyterLab's own rendering.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from labdriver import LabServer, NotebookPage

CELLS = [
    ("code", "md-total-src", "total = 1"),
    ("markdown", "md-total", "Total: **{total}**"),
    ("markdown", "md-plain", 'Plain text, JSON stays: {"a": 1}'),
]


def write_cells(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "reactive",
        "display_name": "Python 3 (reactive)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    new = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    nb.cells = [new[kind](source, id=cell_id) for kind, cell_id, source in CELLS]
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def lab(lab_factory: Callable[[bool], LabServer]) -> LabServer:
    return lab_factory(True)


def test_markdown_cell_rerenders_when_its_value_changes(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    from playwright.sync_api import expect

    write_cells(lab.root / "markdown.ipynb")
    nb = open_page(lab)
    nb.open("markdown.ipynb", len(CELLS))
    expect(nb.notebook).to_have_class(re.compile(r"jp-reactive-notebook"), timeout=60_000)
    interpolated = nb.cell(1).locator(".jp-reactive-markdown")
    own = nb.cell(1).locator(".jp-MarkdownOutput:not(.jp-reactive-markdown)")
    expect(own).to_have_text("Total: {total}")  # not rendered by the kernel yet

    nb.run(0)
    expect(interpolated).to_have_text("Total: 1", timeout=30_000)
    expect(interpolated.locator("strong")).to_have_text("1")  # rendered as markdown
    expect(own).to_be_hidden()
    expect(nb.cell(1)).to_have_class(re.compile(r"jp-reactive-interpolated"))
    nb.wait_kernel_idle()

    nb.edit(0, "total = 2")
    nb.run(0)
    expect(interpolated).to_have_text("Total: 2", timeout=30_000)
    nb.screenshot("markdown-interpolated")
    nb.wait_kernel_idle()

    # Edited and rendered again (Ctrl-Enter): the kernel gets the new text and
    # renders it at once, as a run of the cell.
    nb.cell(1).dblclick()
    nb.edit(1, "Twice: {total * 2}")
    nb.page.keyboard.press("Control+Enter")
    expect(interpolated).to_have_text("Twice: 4", timeout=30_000)
    expect(own).to_be_hidden()

    # A cell without fields: JupyterLab's rendering, nothing added.
    plain = nb.cell(2)
    expect(plain.locator(".jp-reactive-markdown")).to_have_count(0)
    expect(plain.locator(".jp-MarkdownOutput")).to_have_text('Plain text, JSON stays: {"a": 1}')
    expect(plain).not_to_have_class(re.compile(r"jp-reactive-interpolated"))
