"""A long notebook in a real browser: cells far from the viewport start light.

Only the cells near the viewport get their full DOM (toolbar, editor host,
outputs); the others are a ``section.cell`` with their id, status and code as
text. Cascades, the variables panel's jump-to-cell, keyboard navigation and
scrolling must work on them as on any cell.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nbtools import cell_by_id, cells, editor, expect, expect_status

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "e2e"
N = 200
FULL = ".cell-toolbar"
LIGHT = re.compile(r"\bcell-light\b")
SELECTED = re.compile(r"\bselected\b")


def chain(path: Any, n: int) -> None:
    body = ['# %% id="lg0"\nlg0 = 0\n']
    for i in range(1, n):
        body.append(f'# %% id="lg{i}"\nlg{i} = lg{i - 1} + 1\nprint("lg{i} =", lg{i})\n')
    path.write_text("\n".join(body))


def test_far_cells_are_light_and_still_work(
    open_page: Any, gateway: Any, notebook_name: str
) -> None:
    chain(gateway.root / notebook_name, N)
    page = open_page(notebook_name)
    expect(cells(page)).to_have_count(N)
    first, last = cell_by_id(page, "lg0"), cell_by_id(page, f"lg{N - 1}")
    expect(first.locator(FULL)).to_have_count(1)
    # far below the viewport: light, with its code as text, not a full cell
    expect(last).to_have_class(LIGHT)
    expect(last).to_contain_text(f"lg{N - 1} = lg{N - 2} + 1")
    built = page.locator(f"section.cell {FULL}").count()
    assert built < N // 2, f"{built} of {N} cells were built in full"

    # a cascade reaches light cells: their status is shown
    page.evaluate(f"() => window.__reactive.client.send({{op: 'run', cell_id: 'lg{N - 1}'}})")
    expect_status(last, "success", timeout=60_000)
    expect(last).to_have_class(LIGHT)

    # jump to a cell from the variables panel: it is built, selected and in view
    page.check("#vars-toggle")
    panel = page.locator("#variables")
    panel.locator(".vars-filter").fill(f"lg{N - 20}")
    panel.locator(f'tr[data-name="lg{N - 20}"] .vars-cell').click()
    target = cell_by_id(page, f"lg{N - 20}")
    expect(target.locator(FULL)).to_have_count(1)
    expect(target).to_have_class(SELECTED)
    expect(target).to_be_in_viewport()
    expect(target.locator(".cell-outputs")).to_contain_text(f"lg{N - 20} = {N - 20}")
    page.uncheck("#vars-toggle")

    # keyboard navigation down to the last cell: built when it comes near, then editable
    target.locator(".cell-gutter").click()
    for _ in range(19):
        page.keyboard.press("ArrowDown")
    expect(last).to_have_class(SELECTED)
    expect(last).to_be_in_viewport()
    expect(last.locator(".cell-status")).to_have_text("success")
    expect(last.locator(".cell-outputs")).to_contain_text(f"lg{N - 1} = {N - 1}")
    page.keyboard.press("Enter")
    expect(editor(last)).to_be_focused()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # the viewport: the whole page is ~30,000 px
    page.screenshot(path=str(ARTIFACTS / "large-notebook-last-cell.png"))

    # scrolling back to the top: the first cells are there in full, nothing lost
    page.evaluate("() => window.scrollTo(0, 0)")
    expect(first.locator(FULL)).to_have_count(1)
    expect(first.locator(".cell-status")).to_have_text("success")
