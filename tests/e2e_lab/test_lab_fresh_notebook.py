"""Fresh and freshly opened notebooks with the extension, in a real JupyterLab.

- A notebook created from the launcher and run at once loses no execution:
  JupyterLab's session context is still starting its kernel for a moment, and a
  cell run in that moment used to start a second session that pre-empted the
  first (kernel start, shutdown, start in the server log); the run was lost
  (`[ ]`) and the next cell failed with NameError. Repeated, since it is a race.
- The kernel knows the whole notebook: opening a saved notebook registers every
  code cell, so running only the last one runs its ancestors first; an edit
  (not run) marks the cells that read it stale.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from labdriver import LabServer, NotebookPage, write_notebook

ITERATIONS = int(os.environ.get("REACTIVE_FRESH_ITERATIONS", "10"))
LAUNCHER_CARD = '.jp-LauncherCard[data-category="Notebook"][title="Python 3 (reactive)"]'
CURRENT_TAB = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current"


def count_of(page: NotebookPage, index: int) -> int:
    text = page.prompt(index).inner_text()
    match = re.search(r"\[(\d+)\]", text)
    assert match, f"cell {index} has no execution count: {text!r}"
    return int(match.group(1))


@pytest.fixture(scope="module")
def lab(lab_factory: Callable[[bool], LabServer]) -> LabServer:
    return lab_factory(True)


def shut_down(lab: LabServer, path: str) -> None:
    for session in lab.api("GET", "/api/sessions"):
        if session["path"] == path:
            lab.api("DELETE", f"/api/sessions/{session['id']}")


@pytest.mark.timeout(60 + 45 * ITERATIONS)
def test_fresh_notebooks_run_at_once_lose_nothing(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    from playwright.sync_api import expect

    nb = open_page(lab)
    page: Any = nb.page
    page.goto(f"{lab.url}/lab?token={lab.token}&reset")
    lost = []
    for i in range(ITERATIONS):
        if i:  # a new launcher: the main area's "+" tab
            page.locator("#jp-main-dock-panel .lm-TabBar-addButton").first.click()
        page.locator(LAUNCHER_CARD).last.click(timeout=60_000)
        path = "Untitled.ipynb" if i == 0 else f"Untitled{i}.ipynb"
        expect(page.locator(CURRENT_TAB)).to_contain_text(path)
        expect(nb.cells).to_have_count(1, timeout=60_000)
        # At once: no wait for the kernel.
        nb.cell(0).locator(".cm-content").click()
        page.keyboard.insert_text("a = 5")
        page.keyboard.press("Shift+Enter")
        expect(nb.cells).to_have_count(2)
        page.keyboard.insert_text("a + 1")
        page.keyboard.press("Shift+Enter")
        result = nb.output(1).locator(".jp-OutputArea-output")
        expect(result).not_to_have_count(0, timeout=60_000)
        text = result.first.inner_text()
        if text.strip() != "6" or not re.search(r"\[\d+\]", nb.prompt(0).inner_text()):
            nb.screenshot(f"fresh-lost-{i}")
            lost.append((i, nb.prompt(0).inner_text(), text[:200]))
        nb.wait_kernel_idle()
        shut_down(lab, path)
    assert not lost, f"executions lost in {len(lost)} of {ITERATIONS} fresh notebooks: {lost}"


def test_running_the_last_cell_pulls_its_ancestors(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    from playwright.sync_api import expect

    cells = [("pull-a", "a = 1"), ("pull-b", "b = a + 1; b"), ("pull-c", "print(b * 10)")]
    write_notebook(lab.root / "pull.ipynb", cells)
    nb = open_page(lab)
    nb.open("pull.ipynb", len(cells))
    # Registered when the notebook opened: the kernel has every cell, none run.
    for index in range(len(cells)):
        expect(nb.badge(index)).to_have_attribute("data-status", "idle", timeout=30_000)
    nb.run(2)
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("20", timeout=30_000)
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("2")
    for index in range(len(cells)):
        expect(nb.badge(index)).to_have_attribute("data-status", "success")
    nb.wait_kernel_idle()
    counts = [count_of(nb, i) for i in range(len(cells))]
    assert counts == sorted(set(counts)), f"ancestors first, one count each: {counts}"
    nb.screenshot("7-pulled-ancestors")

    # An edit, not run, reaches the kernel as typed: its readers become stale.
    nb.edit(0, "a = 4")
    expect(nb.badge(1)).to_have_attribute("data-status", "stale", timeout=15_000)
    expect(nb.badge(2)).to_have_attribute("data-status", "stale")
    nb.run(2)
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("50", timeout=30_000)
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("5")
    nb.wait_kernel_idle()
    after = [count_of(nb, i) for i in range(len(cells))]
    assert after == sorted(set(after)) and after[0] > counts[2], (counts, after)
    errors = [line for line in nb.console if line.startswith("error:") and "reactive" in line]
    assert not errors, errors
