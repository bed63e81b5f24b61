"""Notebook 7 (``jupyter notebook``, built on JupyterLab's packages).

With the extension: it activates in Notebook 7's notebook page too (it only
needs the notebook tracker), so a cascade's dependents show their new outputs
in place, with statuses, and a saved notebook's cells are registered when it
opens. Without it: as in JupyterLab without the extension, the run cell ends
with the kernel's summary of the cascade.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labdriver import BUILT_EXTENSION, EXTENSION_NAME, LabServer, NotebookPage, write_notebook

CELLS = [("n7-a", "a = 1"), ("n7-b", "b = a + 1; b"), ("n7-c", "print(b * 10)")]


class NotebookServer(LabServer):
    """``jupyter notebook`` (Notebook 7) in the same sandbox."""

    APP = "notebook"
    APP_OPTIONS = ("--JupyterNotebookApp.extra_labextensions_path={extensions}",)

    def start(self) -> None:
        # Notebook 7 serves extension files from the Jupyter data path only (not
        # from extra_labextensions_path): put the build first on that path.
        shutil.copytree(
            BUILT_EXTENSION,
            self.base / "data" / "labextensions" / EXTENSION_NAME,
            dirs_exist_ok=True,
        )
        super().start()

    def notebook_url(self, notebook: str) -> str:
        return f"{self.url}/notebooks/{notebook}?token={self.token}"


@pytest.fixture(scope="module", params=[True, False], ids=["extension", "no-extension"])
def server(
    request: pytest.FixtureRequest, browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NotebookServer]:
    """Needs ``browser``: its fixture skips (or in CI fails) what is missing."""
    pytest.importorskip("notebook", reason="Notebook 7 tests need `pip install notebook`")
    server = NotebookServer(Path(tmp_path_factory.mktemp("nb7")), extension=request.param)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def check_with_extension(nb: NotebookPage) -> None:
    from playwright.sync_api import expect

    expect(nb.notebook).to_have_class(re.compile(r"\bjp-reactive-notebook\b"), timeout=60_000)
    # Registered on open: running only the last cell runs a and b first.
    for index in range(len(CELLS)):
        expect(nb.badge(index)).to_have_attribute("data-status", "idle", timeout=30_000)
    nb.run(2)
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("20", timeout=30_000)
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("2")
    # A cascade from the first cell rewrites its dependents in place.
    nb.edit(0, "a = 5")
    nb.run(0)
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("60", timeout=30_000)
    expect(nb.output(1).locator(".jp-OutputArea-output")).to_have_text("6")
    for index in range(len(CELLS)):
        expect(nb.badge(index)).to_have_attribute("data-status", "success")
    nb.screenshot("8-notebook7")


def wait_kernel_idle(nb: NotebookPage, path: str, timeout: float = 60.0) -> None:
    """Notebook 7 has no status bar: ask the server for the session's kernel
    state (bounded polling), since without the extension a cell run while the
    new session starts can be lost (see test_lab_fresh_notebook.py)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sessions = nb.server.api("GET", "/api/sessions")
        if any(
            s["path"] == path and s["kernel"]["execution_state"] == "idle" for s in sessions
        ):
            return
        nb.page.wait_for_timeout(250)
    raise AssertionError(f"the kernel of {path} did not become idle in {timeout} s")


def check_without_extension(nb: NotebookPage) -> None:
    from playwright.sync_api import expect

    wait_kernel_idle(nb, "n7.ipynb")
    for index in range(len(CELLS)):
        nb.run(index)
    expect(nb.output(2).locator(".jp-OutputArea-output")).to_have_text("20", timeout=60_000)
    nb.edit(0, "a = 5")
    nb.run(0)
    summary = nb.output(0).locator(".jp-OutputArea-output", has_text="re-ran")
    expect(summary).to_contain_text("re-ran 2 dependent cells", timeout=30_000)
    expect(nb.page.locator(".jp-reactive-badge")).to_have_count(0)
    expect(nb.notebook).not_to_have_class(re.compile(r"\bjp-reactive-notebook\b"))
    nb.screenshot("9-notebook7-no-extension")


def test_notebook7(server: NotebookServer, browser: Any) -> None:
    from playwright.sync_api import expect

    write_notebook(server.root / "n7.ipynb", CELLS)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    nb = NotebookPage(context.new_page(), server)
    try:
        nb.page.goto(server.notebook_url("n7.ipynb"))
        expect(nb.cells).to_have_count(len(CELLS), timeout=60_000)
        if server.extension:
            check_with_extension(nb)
        else:
            check_without_extension(nb)
    finally:
        if nb.console:
            print("browser console (last 40):\n" + "\n".join(nb.console[-40:]))
        print("server log (tail):\n" + server.log_tail(30))
        context.close()
