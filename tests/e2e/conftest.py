"""Fixtures for the browser tests: a real gateway, Debian's Chromium, Playwright.

The tests skip, saying why, when Playwright, Chromium or the built web UI is
missing, except with ``REACTIVE_REQUIRE_BROWSER=1`` (CI), where that is a
failure. Playwright drives the system Chromium (``/usr/bin/chromium``, or
``REACTIVE_CHROMIUM``); its own browser download is never used. The web UI is
built with ``webui/build.sh`` when ``gateway/static/app.js`` is missing and npm
is there. Screenshots go to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "gateway"))
sys.path.insert(0, str(REPO / "tests"))

from browser import CHROMIUM_FLAGS  # noqa: E402
from gwtools import GatewayProcess  # noqa: E402

ARTIFACTS = REPO / "test-artifacts" / "e2e"
STATIC = REPO / "gateway" / "static"
REQUIRED = os.environ.get("REACTIVE_REQUIRE_BROWSER") == "1"
TIMEOUT_MS = 20_000


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"REACTIVE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    """``REACTIVE_CHROMIUM`` if set (only it), else Debian's ``/usr/bin/chromium``."""
    configured = os.environ.get("REACTIVE_CHROMIUM")
    candidates = [configured] if configured else ["/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _built() -> bool:
    return (STATIC / "app.js").is_file() and (STATIC / "index.html").is_file()


@pytest.fixture(scope="session")
def built_assets() -> Path:
    """The web UI's built files, building them once if npm can (one build at a
    time across pytest-xdist workers: a file lock)."""
    if not _built():
        if shutil.which("npm") is None:
            unavailable("the web UI is not built (gateway/static/app.js) and npm is missing")
        lock_path = REPO / "webui" / ".build.lock"
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _built():
                build = subprocess.run(
                    ["bash", str(REPO / "webui" / "build.sh")],
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                if build.returncode != 0:
                    unavailable(f"webui/build.sh failed:\n{build.stdout}\n{build.stderr}")
    return STATIC


@pytest.fixture(scope="module")
def browser(built_assets: Path) -> Iterator[Any]:
    """Chromium for one test module, through Playwright's sync API.

    Module scope on purpose: while a sync Playwright instance is alive, its event
    loop counts as running in this thread, so ``asyncio.run`` fails there (the
    async gateway tests) and a second instance cannot start (tests/e2e_lab). It
    is stopped before pytest (or an xdist worker) moves on to another module.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    path = chromium_path()
    if path is None:
        unavailable("Chromium is missing (apt-get install chromium, or set REACTIVE_CHROMIUM)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    base = tmp_path_factory.mktemp("e2e")
    root = base / "root"
    root.mkdir()
    gw = GatewayProcess(root, base / "gateway.log")
    yield gw
    gw.stop()


@pytest.fixture
def notebook_name() -> str:
    return f"nb_{uuid.uuid4().hex[:8]}.py"


class PageErrors:
    """JavaScript errors a page raised; a test fails on any."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: self.errors.append(f"console.error: {m.text}") if m.type == "error" else None,
        )


@pytest.fixture
def open_page(browser: Any, gateway: GatewayProcess) -> Iterator[Callable[..., Any]]:
    """``open_page(path)``: a new browser context on that notebook, connected and synced."""
    from playwright.sync_api import expect

    contexts: list[Any] = []
    watcher = PageErrors()

    def open_(path: str | None = None, wait_live: bool = True, **context_args: Any) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_args)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watcher.watch(page)
        fragment = f"#nb={path}" if path else ""
        page.goto(f"{gateway.url}/?token={gateway.token}{fragment}")
        if path and wait_live:
            expect(page.locator(".link-dot")).to_have_attribute(
                "data-health", "live", timeout=30_000
            )
        return page

    yield open_
    for context in contexts:
        context.close()
    # failed requests and sockets are expected (the tests cut connections on purpose);
    # exceptions and other console errors are bugs
    expected = [
        e for e in watcher.errors if "Failed to load resource" not in e and "WebSocket" not in e
    ]
    assert not expected, "\n".join(expected)


@pytest.fixture
def shot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under test-artifacts/e2e/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
