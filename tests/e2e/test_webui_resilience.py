"""Kernel deaths and dropped connections: a banner, a resync, and no edit lost."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gwtools import GatewayProcess
from nbtools import (
    add_cell,
    cell_by_id,
    cells,
    expect,
    expect_output,
    expect_status,
    reactive,
    run,
    set_code,
)

RESTART_TIMEOUT_MS = 40_000
REPO = Path(__file__).resolve().parents[2]


class GatewayOnPort(GatewayProcess):
    """A gateway on a given port with a given token: the same server, started again."""

    def __init__(self, root: Path, log: Path, port: int, token: str) -> None:
        self.root, self.log_path, self.token = root, log, token
        self.log = open(log, "wb")  # closed by stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", f"--port={port}", f"--root-dir={root}",
             "--heartbeat-interval=0.5", f"--token={token}"],
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        self.port = self._wait_port()


def test_kernel_killed_banner_then_resync(
    open_page: Any, gateway: Any, shot: Any, notebook_name: str
) -> None:
    page = open_page(notebook_name)
    probe = add_cell(page, "import os\nprint('pid', os.getpid())")
    run(probe)
    expect_output(probe, "pid ")
    pid = int(re.search(r"pid (\d+)", probe.locator(".cell-outputs").inner_text()).group(1))  # type: ignore[union-attr]
    msg = add_cell(page, "msg = 'before'\nprint(msg)")
    run(msg)
    expect_output(msg, "before")

    os.kill(pid, signal.SIGKILL)
    banner = page.locator("#banner")
    expect(banner).to_be_visible(timeout=10_000)
    expect(banner).to_contain_text("kernel died")
    set_code(msg, "msg = 'after'\nprint(msg)")  # typed while the kernel is away
    shot(page, "07-kernel-died-banner")

    expect(banner).to_be_hidden(timeout=RESTART_TIMEOUT_MS)
    expect(cells(page)).to_have_count(2)  # the new kernel reloaded the notebook file
    expect(msg).not_to_have_class(re.compile(r"is-pending"), timeout=RESTART_TIMEOUT_MS)
    assert "msg = 'after'" in (gateway.root / notebook_name).read_text()
    run(msg)
    expect_output(msg, "after")
    run(probe)
    expect(probe.locator(".cell-outputs")).not_to_contain_text(f"pid {pid}")
    shot(page, "08-kernel-back-resynced")


def test_dropped_connection_keeps_offline_edits(
    open_page: Any, gateway: Any, shot: Any, notebook_name: str
) -> None:
    page = open_page(notebook_name)
    v = add_cell(page, "v = 1\nprint('v', v)")
    run(v)
    expect_output(v, "v 1")

    page.route("**/api/sessions", lambda route: route.abort())  # the gateway is unreachable
    reactive(page, "r.client.channel.drop()")
    banner = page.locator("#banner")
    expect(banner).to_contain_text("Connection lost")
    set_code(v, "v = 2\nprint('v', v)")
    w = add_cell(page, "w = v * 100\nprint('w', w)")
    run(w)
    expect(v).to_have_class(re.compile(r"is-pending"))
    expect(w).to_have_class(re.compile(r"is-pending"))
    expect(banner).to_contain_text("unsent change")
    shot(page, "09-offline-edits-queued")

    page.unroute("**/api/sessions")
    # retry now rather than after the back-off delay
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(banner).to_be_hidden(timeout=RESTART_TIMEOUT_MS)
    expect_output(w, "w 200")  # the edit of v reached the kernel before w's run
    expect(v).not_to_have_class(re.compile(r"is-pending"))
    other = open_page(notebook_name)
    expect(cells(other)).to_have_count(2)
    expect(
        cell_by_id(other, v.get_attribute("data-cell-id") or "").locator(".cell-code")
    ).to_contain_text("v = 2")
    expect_status(cell_by_id(other, w.get_attribute("data-cell-id") or ""), "success")
    text = (gateway.root / notebook_name).read_text()
    assert "v = 2" in text and "w = v * 100" in text


def test_gateway_restart_page_reconnects_to_a_new_kernel(
    browser: Any, tmp_path: Path, shot: Any
) -> None:
    """The server side goes away (kernels and all) and comes back on the same port."""
    root = tmp_path / "root"
    root.mkdir()
    gw = GatewayProcess(root, tmp_path / "gateway-1.log")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{gw.url}/?token={gw.token}#nb=restart.py")
        expect(page.locator(".link-dot")).to_have_attribute("data-health", "live", timeout=30_000)
        cell = add_cell(page, "r = 1\nprint('r', r)")
        run(cell)
        expect_output(cell, "r 1")

        port, token = gw.port, gw.token
        gw.stop()
        banner = page.locator("#banner")
        expect(banner).to_contain_text("Connection lost", timeout=RESTART_TIMEOUT_MS)
        set_code(cell, "r = 2\nprint('r', r)")  # typed while there is no gateway at all
        expect(banner).to_contain_text("unsent change")
        gw = GatewayOnPort(root, tmp_path / "gateway-2.log", port, token)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        expect(banner).to_be_hidden(timeout=RESTART_TIMEOUT_MS)
        expect(cell).not_to_have_class(re.compile(r"is-pending"), timeout=RESTART_TIMEOUT_MS)
        run(cell)
        expect_output(cell, "r 2")
        assert "r = 2" in (root / "restart.py").read_text()
        shot(page, "13-gateway-restarted")
    finally:
        context.close()
        gw.stop()


def _deaths(gw: GatewayProcess) -> int:
    return gw.output().count(" died: ")


def _wait_deaths(page: Any, gw: GatewayProcess, n: int) -> None:
    """Until the gateway has logged ``n`` kernel deaths (bounded)."""
    deadline = time.monotonic() + RESTART_TIMEOUT_MS / 1000
    while _deaths(gw) < n:
        assert time.monotonic() < deadline, f"not {n} deaths: {gw.output()[-2000:]}"
        page.wait_for_timeout(100)  # polling the gateway's log, bounded by the deadline


def test_a_cell_that_kills_the_kernel_is_not_rerun_and_the_limit_recovers(
    browser: Any, tmp_path: Path, shot: Any
) -> None:
    """``os._exit(1)`` in a cell: one death per click, never a loop; the cell is named;
    once the gateway gives up, reopening or the next action brings the kernel back."""
    root = tmp_path / "root"
    root.mkdir()
    gw = GatewayProcess(root, tmp_path / "gateway.log", "--max-restarts=1", "--log-level=INFO")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        page.goto(f"{gw.url}/?token={gw.token}#nb=crash.py")
        dot, banner = page.locator(".link-dot"), page.locator("#banner")
        expect(dot).to_have_attribute("data-health", "live", timeout=30_000)
        ok = add_cell(page, "x = 1\nprint('x is', x)")
        run(ok)
        expect_output(ok, "x is 1")
        crash = add_cell(page, "import os; os._exit(1)")

        # 1. one death, one restart; the run is not sent again to the new kernel
        run(crash)
        expect(banner).to_contain_text("cell 2 (import os; os._exit(1))", timeout=10_000)
        expect(dot).to_have_attribute("data-health", "live", timeout=RESTART_TIMEOUT_MS)
        expect(crash.locator(".cell-outputs")).to_contain_text("The kernel died while this cell")
        run(ok)  # a full round trip on the new kernel: a re-sent run would have come first
        expect_output(ok, "x is 1")
        assert _deaths(gw) == 1, gw.output()[-2000:]
        shot(page, "12-crash-not-rerun")

        # 2. a second death within the window: the gateway gives up; the page says so
        run(crash)
        expect(dot).to_have_attribute("data-health", "kernel-dead", timeout=RESTART_TIMEOUT_MS)
        expect(banner).to_contain_text("cell 2")
        assert _deaths(gw) == 2

        # 3. reopening the notebook brings it back, cells and all (not an empty page)
        again = context.new_page()
        again.goto(f"{gw.url}/#nb=crash.py")
        expect(again.locator(".link-dot")).to_have_attribute(
            "data-health", "live", timeout=RESTART_TIMEOUT_MS
        )
        expect(cells(again)).to_have_count(2)
        expect(cells(again).first.locator(".cell-code")).to_contain_text("x = 1")
        expect(dot).to_have_attribute("data-health", "live", timeout=RESTART_TIMEOUT_MS)
        again.close()

        # 4. given up again; this time the next user action restarts it
        run(crash)
        _wait_deaths(page, gw, 3)
        expect(dot).to_have_attribute("data-health", "live", timeout=RESTART_TIMEOUT_MS)
        run(crash)
        expect(dot).to_have_attribute("data-health", "kernel-dead", timeout=RESTART_TIMEOUT_MS)
        assert _deaths(gw) == 4
        set_code(ok, "x = 2\nprint('x is', x)")
        run(ok)
        expect(dot).to_have_attribute("data-health", "live", timeout=RESTART_TIMEOUT_MS)
        expect_output(ok, "x is 2", timeout=RESTART_TIMEOUT_MS)
        assert _deaths(gw) == 4  # and the crashing cell was not run again on the way
        assert "x = 2" in (root / "crash.py").read_text()
    finally:
        context.close()
        gw.stop()
