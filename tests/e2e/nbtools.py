"""Driving the notebook page like a person: add cells, type, run, read statuses.

Every wait is Playwright's ``expect`` (or a locator wait) with a timeout.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:  # the browser tests skip (or fail, in CI) as a whole module
    if os.environ.get("REACTIVE_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("playwright is not installed (pip install playwright)", allow_module_level=True)

__all__ = ["expect"]

RUN_TIMEOUT_MS = 20_000


def cells(page: Page) -> Locator:
    return page.locator("section.cell")


def cell_by_id(page: Page, cell_id: str) -> Locator:
    return page.locator(f'section.cell[data-cell-id="{cell_id}"]')


def editing_cell(page: Page) -> Locator:
    return page.locator("section.cell.editing")


def editor(cell: Locator) -> Locator:
    return cell.locator(".cm-content")


def set_code(cell: Locator, code: str) -> None:
    """Replace the cell's text as a paste would (no auto-indent or bracket closing)."""
    cell.locator(".cell-code").click()
    content = editor(cell)
    expect(content).to_be_focused()
    content.press("Control+a")
    content.page.keyboard.insert_text(code)


def add_cell(page: Page, code: str, kind: str = "python", name: str | None = None) -> Locator:
    """A new cell below the selected one (toolbar button), with ``code``; returns it."""
    before = cells(page).count()
    page.click(f"#add-{kind}")
    expect(cells(page)).to_have_count(before + 1)
    cell = editing_cell(page)
    expect(editor(cell)).to_be_focused()
    cell_id = cell.get_attribute("data-cell-id")
    assert cell_id
    page.keyboard.insert_text(code)
    located = cell_by_id(page, cell_id)
    if name is not None:
        located.locator(".cell-name").fill(name)
        located.locator(".cell-name").press("Enter")
    return located


def run(cell: Locator) -> None:
    cell.locator('[data-action="run"]').click()


def expect_status(cell: Locator, status: str, timeout: int = RUN_TIMEOUT_MS) -> None:
    expect(cell).to_have_attribute("data-status", status, timeout=timeout)


def expect_output(cell: Locator, text: str, timeout: int = RUN_TIMEOUT_MS) -> None:
    expect(cell.locator(".cell-outputs")).to_contain_text(text, timeout=timeout)


def reactive(page: Page, expression: str) -> Any:
    """Evaluate ``expression`` with ``r`` bound to the page's ``window.__reactive``."""
    return page.evaluate(f"() => {{ const r = window.__reactive; return {expression}; }}")
