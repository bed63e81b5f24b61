"""Jupyter widgets as reactive inputs in a real JupyterLab (jupyterlab_widgets).

Dragging a slider in JupyterLab re-runs the cell that reads it, and the
extension writes that cell's new output in place (a widget-triggered cascade
is shown like any other). Screenshot in ``test-artifacts/lab/``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from labdriver import LabServer, NotebookPage, write_notebook

pytest.importorskip("ipywidgets")
pytest.importorskip("jupyterlab_widgets")

CELLS = [
    ("slider-cell", "import ipywidgets as widgets\ns = widgets.IntSlider(value=10, max=100)\ns"),
    ("reader-cell", "print('double', s.value * 2)"),
]


@pytest.fixture(scope="module")
def lab(lab_factory: Callable[[bool], LabServer]) -> LabServer:
    return lab_factory(True)


def test_dragging_a_slider_reruns_its_reader(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "widgets.ipynb", CELLS)
    nb = open_page(lab)
    nb.open("widgets.ipynb", len(CELLS))
    nb.run(0)
    handle = nb.output(0).locator(".noUi-handle")
    expect(handle).to_be_visible(timeout=30_000)
    nb.run(1)
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("double 20")
    nb.wait_kernel_idle()

    track = nb.output(0).locator(".noUi-target").bounding_box()
    box = handle.bounding_box()
    assert track and box
    y = box["y"] + box["height"] / 2
    nb.page.mouse.move(box["x"] + box["width"] / 2, y)
    nb.page.mouse.down()
    nb.page.mouse.move(track["x"] + track["width"] * 0.7, y, steps=8)
    nb.page.mouse.up()

    readout = nb.output(0).locator(".widget-readout")
    expect(readout).not_to_have_text("10")
    value = int(readout.inner_text().strip())
    assert 50 <= value <= 90, value
    out = nb.output(1).locator(".jp-OutputArea-output")
    expect(out).to_have_text(f"double {value * 2}", timeout=30_000)
    expect(out).to_have_count(1)  # replaced in place, not appended
    nb.screenshot("widgets-1-slider-moved")
