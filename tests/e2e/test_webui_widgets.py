"""Jupyter widgets in the web notebook (PROTOCOL.md section 7), in Chromium.

A slider dragged with the mouse re-runs the cell reading it; a second page on
the same notebook learns the widget's state from the kernel and follows every
change; an anywidget's ES module loads under the page's CSP.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from nbtools import cell_by_id, expect, expect_output, expect_status, run

pytest.importorskip("ipywidgets")

NOTEBOOK = '''# %% id="x"
import ipywidgets as widgets
s = widgets.IntSlider(value=10, min=0, max=100, description="n")
s

# %% id="r"
print("double", s.value * 2)

# %% id="aw"
import anywidget, traitlets
class Counter(anywidget.AnyWidget):
    _esm = """
    export default { render({ model, el }) {
      const b = document.createElement("button");
      b.className = "counter";
      b.textContent = `count ${model.get("count")}`;
      b.onclick = () => { model.set("count", model.get("count") + 1); model.save_changes(); };
      model.on("change:count", () => { b.textContent = `count ${model.get("count")}`; });
      el.appendChild(b);
    } };
    """
    count = traitlets.Int(0).tag(sync=True)
c = Counter()
c

# %% id="cr"
print("clicks", c.count)
'''


def readout(page: Any) -> int:
    text = cell_by_id(page, "x").locator(".widget-readout").inner_text()
    return int(text.strip())


def drag(page: Any, fraction: float) -> None:
    """Drag the slider's handle to ``fraction`` of its track, with the mouse."""
    x = cell_by_id(page, "x")
    handle = x.locator(".noUi-handle")
    track = x.locator(".noUi-target").bounding_box()
    box = handle.bounding_box()
    assert track and box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    target = track["x"] + track["width"] * fraction
    page.mouse.move(target, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()


def test_slider_drives_its_reader_and_two_pages_agree(
    open_page: Any, gateway: Any, shot: Any, notebook_name: str
) -> None:
    (gateway.root / notebook_name).write_text(NOTEBOOK)
    page = open_page(notebook_name)
    run(cell_by_id(page, "r"))  # runs x first
    expect_status(cell_by_id(page, "r"), "success")
    expect(cell_by_id(page, "x").locator(".widget-slider .noUi-handle")).to_be_visible()
    expect_output(cell_by_id(page, "r"), "double 20")

    drag(page, 0.8)
    expect(cell_by_id(page, "x").locator(".widget-readout")).not_to_have_text("10")
    value = readout(page)
    assert 60 <= value <= 100, value
    expect_output(cell_by_id(page, "r"), f"double {value * 2}")
    outputs = cell_by_id(page, "r").locator(".cell-outputs")
    expect(outputs).not_to_contain_text("double 20")  # replaced in place, not appended

    other = open_page(notebook_name)  # a second page: state learned from the kernel
    expect(cell_by_id(other, "x").locator(".widget-readout")).to_have_text(str(value))
    expect_output(cell_by_id(other, "r"), f"double {value * 2}")

    drag(other, 0.2)  # a change on either page shows on both
    expect(cell_by_id(other, "x").locator(".widget-readout")).not_to_have_text(str(value))
    moved = readout(other)
    assert moved <= 40, moved
    expect(cell_by_id(page, "x").locator(".widget-readout")).to_have_text(str(moved))
    for p in (page, other):
        expect_output(cell_by_id(p, "r"), f"double {moved * 2}")
    shot(page, "widgets-01-slider")


def test_anywidget_module_loads_under_the_csp(
    open_page: Any, gateway: Any, shot: Any, notebook_name: str
) -> None:
    (gateway.root / notebook_name).write_text(NOTEBOOK)
    page = open_page(notebook_name)
    csp = page.evaluate(
        "() => fetch(location.href).then(r => r.headers.get('content-security-policy'))"
    )
    assert re.search(r"script-src 'self' blob:;", csp), csp
    run(cell_by_id(page, "cr"))
    expect_status(cell_by_id(page, "cr"), "success")
    button = cell_by_id(page, "aw").locator("button.counter")
    expect(button).to_have_text("count 0")
    button.click()
    button.click()
    expect(button).to_have_text("count 2")
    expect_output(cell_by_id(page, "cr"), "clicks 2")
    shot(page, "widgets-02-anywidget")


def test_widgets_demo_dropdown_feeds_the_sql_query(
    open_page: Any, gateway: Any, shot: Any, notebook_name: str
) -> None:
    demo = Path(__file__).parents[2] / "examples" / "widgets_demo.py"
    (gateway.root / notebook_name).write_text(demo.read_text())
    page = open_page(notebook_name)
    page.evaluate("() => window.__reactive.client.send({op: 'run_all'})")
    chart = cell_by_id(page, "chart")
    expect_status(chart, "success")
    table = cell_by_id(page, "by_fruit").locator(".cell-outputs")
    expect(table).to_contain_text("plum")
    select = cell_by_id(page, "controls").locator(".widget-dropdown select")
    select.select_option("north")  # north: apple 3, kiwi 2, pear 4, plum 1
    expect_output(cell_by_id(page, "params"), "region: north")
    expect(table).not_to_contain_text("plum")
    expect(table).to_contain_text("pear")
    expect(chart.locator("img.output-image")).to_be_visible()
    shot(page, "widgets-03-demo")
