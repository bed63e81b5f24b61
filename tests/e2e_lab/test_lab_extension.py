"""The JupyterLab extension in a real JupyterLab and a real browser.

A notebook on the ``reactive`` kernel: running a cell re-runs its dependents,
and the extension writes their outputs, execution counts and statuses into
those cells; "Show Dependencies" highlights a cell's ancestors and
descendants; deleting a cell in JupyterLab deletes it in the kernel at once
(its dependents fail). A notebook on another kernel is left alone.
Screenshots of the main states go to ``test-artifacts/lab/``.
"""

from __future__ import annotations

import queue
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from harness import KernelHarness
from labdriver import LabServer, NotebookPage, write_notebook

CELLS = [
    ("cell-a", "a = 1"),
    ("cell-b", "b = a + 1; b"),
    ("cell-c", "print(b * 10)"),
    # A slow dependent, so the running cascade can be seen (and screenshotted).
    ("cell-d", "import time as _time\n_time.sleep(2.5)\nd = b * 100\nd"),
]


def has_class(name: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def published_summary(client: Any, timeout: float = 10.0) -> bool:
    """Whether a cascade summary display_data went out on IOPub (read by a
    second client of the kernel), within ``timeout``."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            msg = client.get_iopub_msg(timeout=remaining)
        except queue.Empty:
            return False
        if msg["msg_type"] == "display_data" and is_summary(msg["content"].get("metadata")):
            return True
    return False


def is_summary(metadata: Any) -> bool:
    return isinstance(metadata, dict) and (metadata.get("reactive") or {}).get("summary") is True


def count_of(page: NotebookPage, index: int) -> int:
    text = page.prompt(index).inner_text()
    match = re.search(r"\[(\d+)\]", text)
    assert match, f"cell {index} has no execution count: {text!r}"
    return int(match.group(1))


@pytest.fixture(scope="module")
def lab(lab_factory: Callable[[bool], LabServer]) -> LabServer:
    return lab_factory(True)


def test_cascade_outputs_statuses_dependencies_and_delete(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "reactive.ipynb", CELLS)
    nb = open_page(lab)
    nb.open("reactive.ipynb", len(CELLS))
    expect(nb.notebook).to_have_class(has_class("jp-reactive-notebook"), timeout=60_000)
    progress = nb.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-reactive-progress")
    expect(progress).to_be_visible()

    # The notebook's cells were registered when it opened: running the first
    # runs every cell once, top to bottom.
    for index in range(len(CELLS)):
        expect(nb.badge(index)).to_have_attribute("data-status", "idle")
    nb.run(0)
    expect(nb.output(3).locator(".jp-OutputArea-output")).to_have_text("200", timeout=30_000)
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("2")
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("20")
    for index in range(len(CELLS)):
        expect(nb.badge(index)).to_have_attribute("data-status", "success")
    nb.wait_kernel_idle()
    before = [count_of(nb, i) for i in range(len(CELLS))]
    nb.screenshot("1-ran-all")

    # Edit and run only the first cell: its dependents re-run in place.
    nb.edit(0, "a = 5")
    nb.run(0)
    expect(nb.badge(3)).to_have_attribute("data-status", re.compile("queued|running"))
    expect(progress).to_have_attribute("data-state", "running")
    expect(nb.cell(3)).to_have_class(has_class("jp-reactive-planned"))
    nb.screenshot("2-cascade-running")
    expect(nb.output(3).locator(".jp-OutputArea-output")).to_have_text("600", timeout=30_000)
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("6")
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("60")
    for index in range(len(CELLS)):
        expect(nb.badge(index)).to_have_attribute("data-status", "success")
    expect(progress).to_have_attribute("data-state", "done")
    expect(progress).to_contain_text("4 ran")
    nb.wait_kernel_idle()
    after = [count_of(nb, i) for i in range(len(CELLS))]
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    assert after == sorted(after), f"dependents ran after the cell they read: {after}"
    # One output per dependent (cleared, not appended), and no cascade summary
    # in the cell that was run: the extension shows the cascade itself.
    for index in (1, 2, 3):
        expect(nb.output(index).locator(".jp-OutputArea-output")).to_have_count(1)
    expect(nb.output(0).locator(".jp-OutputArea-output")).to_have_count(0)
    expect(nb.cell(3)).not_to_have_class(has_class("jp-reactive-planned"))
    nb.screenshot("3-after-edit")

    # Show Dependencies of b: with the keyboard shortcut...
    nb.select(1)
    nb.page.keyboard.press("Alt+d")
    expect(nb.cell(1)).to_have_class(has_class("jp-reactive-dep-focus"))
    expect(nb.cell(0)).to_have_class(has_class("jp-reactive-dep-ancestor"))
    expect(nb.cell(2)).to_have_class(has_class("jp-reactive-dep-descendant"))
    expect(nb.cell(3)).to_have_class(has_class("jp-reactive-dep-descendant"))
    expect(progress).to_contain_text("deps ↑1 ↓2")
    nb.screenshot("4-dependencies-of-b")
    # ... and of c from the context menu: a and b above it, nothing below.
    nb.context_command(2, "Show Dependencies")
    expect(nb.cell(2)).to_have_class(has_class("jp-reactive-dep-focus"))
    expect(nb.cell(0)).to_have_class(has_class("jp-reactive-dep-ancestor"))
    expect(nb.cell(1)).to_have_class(has_class("jp-reactive-dep-ancestor"))
    expect(nb.cell(3)).not_to_have_class(re.compile("jp-reactive-dep-"))
    # The same command again hides them.
    nb.context_command(2, "Hide Dependencies")
    expect(nb.notebook.locator(".jp-reactive-dep-focus")).to_have_count(0)
    expect(nb.notebook.locator(".jp-reactive-dep-ancestor")).to_have_count(0)

    # Move d above c in JupyterLab: the kernel's cell order follows, so the
    # next cascade runs d before c (independent cells run in notebook order).
    nb.select(3)
    nb.page.keyboard.press("Control+Shift+ArrowUp")
    expect(nb.cell(2).locator(".cm-content")).to_contain_text("_time.sleep")

    # Another client turns the kernel's text summary back on: the kernel
    # publishes it again, and the extension keeps it out of the cell that ran.
    other = lab.kernel_client("reactive.ipynb")
    try:
        harness = KernelHarness(other)
        reply = harness.comm("configure", summary=True).reply
        assert reply and reply["ok"], reply
        expected = ["cell-a", "cell-b", "cell-d", "cell-c"]
        deadline = time.monotonic() + 10  # the move comes from another client
        while (order := [c["id"] for c in harness.snapshot()["cells"]]) != expected:
            assert time.monotonic() < deadline, f"kernel cell order {order} != {expected}"
        nb.edit(0, "a = 7")
        nb.run(0)
        expect(nb.output(3).locator(".jp-OutputArea-output")).to_have_text("80", timeout=30_000)
        expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("800")
        nb.wait_kernel_idle()
        assert published_summary(other), "the kernel did not publish its cascade summary"
    finally:
        other.stop_channels()
    expect(nb.output(0).locator(".jp-OutputArea-output")).to_have_count(0)
    assert count_of(nb, 2) < count_of(nb, 3), "d (moved above c) should run before c"

    # Delete the first cell in JupyterLab: the kernel deletes it at once and
    # re-runs its former dependents, which now fail.
    nb.delete(0)
    expect(nb.cells).to_have_count(len(CELLS) - 1)
    expect(nb.output(0)).to_contain_text("NameError", timeout=30_000)
    expect(nb.output(1)).to_contain_text("UpstreamError")
    expect(nb.output(2)).to_contain_text("UpstreamError")
    for index in range(len(CELLS) - 1):
        expect(nb.badge(index)).to_have_attribute("data-status", "error")
    expect(progress).to_have_attribute("data-state", "failed")
    nb.wait_kernel_idle()
    nb.screenshot("5-after-delete")
    errors = [line for line in nb.console if line.startswith("error:") and "reactive" in line]
    assert not errors, errors


def test_other_kernels_are_left_alone(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    from playwright.sync_api import expect

    write_notebook(lab.root / "plain.ipynb", [("p-1", "x = 1"), ("p-2", "x + 1")], "python3")
    nb = open_page(lab)
    nb.open("plain.ipynb", 2, kernel="Python 3 (ipykernel)")
    nb.run(0)
    nb.run(1)
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("2", timeout=60_000)
    nb.wait_kernel_idle()
    expect(nb.notebook).not_to_have_class(has_class("jp-reactive-notebook"))
    panel: Any = nb.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(panel.locator(".jp-reactive-badge")).to_have_count(0)
    expect(panel.locator(".jp-reactive-progress")).to_have_count(0)
    expect(nb.cell(0)).not_to_have_class(re.compile("jp-reactive-"))


def test_mutation_diagnostic_badge(
    lab: LabServer, open_page: Callable[[LabServer], NotebookPage]
) -> None:
    """A cell that mutates another cell's value shows the warning and its message;
    editing the defining cell so it no longer defines the name removes it."""
    from playwright.sync_api import expect

    cells = [("m-owner", "items = [1]"), ("m-mut", "items.append(2)\nlen(items)")]
    write_notebook(lab.root / "mutation.ipynb", cells)
    nb = open_page(lab)
    nb.open("mutation.ipynb", len(cells))
    expect(nb.notebook).to_have_class(has_class("jp-reactive-notebook"), timeout=60_000)
    nb.run(1)  # registered on open: the owner runs first, once
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("2", timeout=30_000)
    expect(nb.badge(1)).to_have_attribute("data-status", "success")  # a warning never blocks
    diag = nb.cell(1).locator(".jp-reactive-diagnostic")
    expect(diag).to_have_count(1)
    expect(diag).to_have_attribute("data-code", "mutates-foreign")
    expect(diag.locator(".jp-reactive-diagnostic-badge")).to_be_visible()
    expect(diag).to_contain_text("This cell mutates items, which cell m-owner defines")
    expect(diag).to_contain_text("move the mutation into cell m-owner")
    expect(nb.cell(0).locator(".jp-reactive-diagnostic")).to_have_count(0)
    nb.screenshot("6-mutation-diagnostic")
    nb.edit(0, "other = [1]")
    nb.run(0)
    expect(diag).to_have_count(0, timeout=30_000)
