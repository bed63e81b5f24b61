"""Fixtures for the JupyterLab end-to-end tests: a sandboxed ``jupyter lab``
and Debian's Chromium driven by Playwright.

The tests skip, saying what is missing, when jupyterlab, playwright, Chromium
or the built extension are not there, except with ``REACTIVE_REQUIRE_BROWSER=1``
(CI), where anything missing is a failure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from browser import CHROMIUM_FLAGS
from labdriver import (
    CHROMIUM,
    REQUIRE,
    LabServer,
    NotebookPage,
    missing_requirements,
)


def require_lab() -> None:
    """Skip (or, in CI, fail) when the browser tests cannot run here."""
    missing = missing_requirements()
    if not missing:
        return
    reason = "JupyterLab browser tests need " + "; ".join(missing)
    if REQUIRE:
        pytest.fail(reason + " (REACTIVE_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not for the session: while Playwright's
    sync API is active its event loop runs in this thread, and other tests in
    the same worker that call ``asyncio.run`` would fail."""
    require_lab()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # JupyterLab on a loaded CI machine is slow
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, timeout=60_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def lab_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[bool], LabServer]]:
    """Start sandboxed lab servers (with or without the extension); all are
    stopped, with their kernels, when the module ends."""
    require_lab()
    servers: list[LabServer] = []

    def start(extension: bool) -> LabServer:
        server = LabServer(tmp_path_factory.mktemp("lab"), extension=extension)
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[[LabServer], NotebookPage]]:
    """A fresh browser context per test; its console is printed on failure."""
    contexts: list[Any] = []
    pages: list[NotebookPage] = []

    def new(server: LabServer) -> NotebookPage:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = NotebookPage(context.new_page(), server)
        pages.append(page)
        return page

    try:
        yield new
    finally:
        for page in pages:
            if page.console:
                print("browser console (last 40):\n" + "\n".join(page.console[-40:]))
            print("server log (tail):\n" + page.server.log_tail(30))
        for context in contexts:
            context.close()
