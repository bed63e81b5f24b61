"""Expensive notebooks in the JupyterLab extension (labextension/src/options.ts):
the cell context-menu commands to disable a cell and cache its results, the
toolbar's lazy toggle and "Run Stale" button, stale/disabled/cached badges."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from labdriver import LabServer, NotebookPage, write_notebook

CELLS = [("opt-a", "a = 1"), ("opt-b", "b = a + 1; b"), ("opt-c", "c = b * 10; c")]


@pytest.fixture(scope="module")
def lab(lab_factory: Callable[[bool], LabServer]) -> LabServer:
    return lab_factory(True)


def test_disable_cache_lazy_and_run_stale(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "options.ipynb", CELLS)
    nb = open_page(lab)
    nb.open("options.ipynb", len(CELLS))
    expect(nb.notebook).to_have_class(re.compile(r"jp-reactive-notebook"), timeout=60_000)
    for index in range(len(CELLS)):
        nb.run(index)
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("20", timeout=30_000)
    nb.wait_kernel_idle()

    nb.context_command(1, "Disable / Enable Cell")
    expect(nb.badge(1)).to_have_attribute("data-status", "disabled")
    expect(nb.badge(2)).to_have_attribute("data-status", "disabled")
    expect(nb.badge(2)).to_have_attribute("title", re.compile("opt-b is disabled"))
    nb.screenshot("options-1-disabled")
    nb.context_command(1, "Disable / Enable Cell")  # enabled again: they run (auto mode)
    expect(nb.badge(2)).to_have_attribute("data-status", "success", timeout=30_000)

    nb.context_command(0, "Cache Cell Results On / Off")
    nb.wait_kernel_idle()
    nb.run(0)  # unchanged code: restored from the cache
    expect(nb.badge(0)).to_have_attribute("data-cached", "true", timeout=30_000)
    expect(nb.badge(0)).to_have_text("success · cached")

    lazy = nb.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-reactive-lazy-button")
    expect(lazy).to_have_attribute("aria-pressed", "false")
    lazy.click()
    expect(lazy).to_have_attribute("aria-pressed", "true")
    nb.wait_kernel_idle()
    nb.edit(0, "a = 2")
    nb.run(0)
    expect(nb.badge(0)).to_have_attribute("data-status", "success", timeout=30_000)
    expect(nb.badge(1)).to_have_attribute("data-status", "stale")
    expect(nb.badge(2)).to_have_attribute("data-status", "stale")
    nb.screenshot("options-2-lazy-stale")
    nb.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-reactive-run-stale").click()
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("30", timeout=30_000)
    expect(nb.badge(2)).to_have_attribute("data-status", "success")
