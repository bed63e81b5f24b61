"""The application: clean shutdown, generated token, config file, entry point, imports."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from gwtools import REPO, GatewayProcess, WSClient, pid_alive, rest, start_kernel
from tornado.websocket import websocket_connect


async def test_sigterm_shuts_every_kernel_down(make_gateway: Any) -> None:
    gw = make_gateway()
    pids = []
    python3 = await start_kernel(gw)
    _, session = await rest(
        gw, "POST", "/api/sessions", {"path": "nb.py", "kernel": {"name": "reactive"}}
    )
    for kernel_id in (python3["id"], session["kernel"]["id"]):
        client = await WSClient.connect(gw, kernel_id)
        pids.append(int((await client.execute("import os; print(os.getpid())")).stdout()))
        await client.close()
    watcher = await WSClient.connect(gw, python3["id"])
    assert all(pid_alive(pid) for pid in pids)
    started = time.monotonic()
    gw.proc.send_signal(signal.SIGTERM)
    await wait_exit(gw.proc, 20)
    assert gw.proc.returncode == 0, gw.output()
    assert time.monotonic() - started < 15
    assert not [pid for pid in pids if pid_alive(pid)], "orphan kernel processes"
    await watcher.closed.wait()
    assert watcher.conn.close_code in (1001, None)


async def test_sigint_too(make_gateway: Any) -> None:
    gw = make_gateway()
    model = await start_kernel(gw)
    client = await WSClient.connect(gw, model["id"])
    pid = int((await client.execute("import os; print(os.getpid())")).stdout())
    gw.proc.send_signal(signal.SIGINT)
    await wait_exit(gw.proc, 20)
    assert gw.proc.returncode == 0 and not pid_alive(pid)


async def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        assert time.monotonic() < deadline, "the gateway did not exit"
        await asyncio.sleep(0.05)  # polling a process, bounded by the deadline above


async def test_a_generated_token_is_printed_and_works(
    tmp_path: Path, gateway_env: dict[str, str]
) -> None:
    gw = GatewayProcess(tmp_path, tmp_path / "log", env=gateway_env, token=False)
    try:
        assert len(gw.token) >= 32 and gw.token in gw.output()
        assert (await rest(gw, "GET", "/api/kernels"))[0] == 200
        assert (await rest(gw, "GET", "/api/kernels", headers={}))[0] == 401
    finally:
        gw.stop()


async def test_config_file(make_gateway: Any, tmp_path: Path) -> None:
    config = tmp_path / "reactive_gateway_config.py"
    config.write_text("c.GatewayApp.default_kernel_name = 'reactive'\n")
    gw = make_gateway(f"--config={config}")
    assert (await rest(gw, "GET", "/api/kernelspecs"))[1]["default"] == "reactive"


async def test_tokens_are_not_logged(make_gateway: Any) -> None:
    gw = make_gateway("--log-level=INFO")
    assert (await rest(gw, "GET", f"/api/kernels?token={gw.token}", headers={}))[0] == 200
    assert (await rest(gw, "GET", "/api/kernels?token=guess", headers={}))[0] == 403
    gw.stop()
    log = gw.output()
    assert "GET /api/kernels?token=[secret]" in log
    assert gw.token not in log.split("listening on")[-1].split("\n", 1)[1]
    assert "guess" not in log


async def test_tokens_are_scrubbed_from_tornado_warnings(make_gateway: Any) -> None:
    """tornado's own 4xx warnings print the request URI: ``?token=`` never shows."""
    gw = make_gateway("--log-level=DEBUG")
    q = f"token={gw.token}"
    assert (await rest(gw, "GET", f"/api/kernels/nope?{q}", headers={}))[0] == 404
    assert (await rest(gw, "GET", f"/api/nothing?x=1&{q}", headers={}))[0] == 404
    body = {"path": "../x.py", "kernel": {"name": "python3"}}
    assert (await rest(gw, "POST", f"/api/sessions?{q}", body, headers={}))[0] == 400
    with pytest.raises(Exception, match="404"):  # a WebSocket to a kernel that is not there
        await websocket_connect(f"{gw.ws_url}/api/kernels/nope/channels?{q}")
    gw.stop()
    log = gw.output()
    assert "404 GET /api/kernels/nope?token=[secret]" in log  # the warnings are there ...
    assert "/api/kernels/nope/channels?token=[secret]" in log
    assert gw.token not in log  # ... without the token


def test_uncaught_exception_lines_are_scrubbed() -> None:
    """The line tornado logs for an uncaught exception (summary, request repr, traceback)."""
    from tornado.httputil import HTTPServerRequest

    from gateway.logs import ScrubTokens

    token = "0123456789abcdef0123456789abcdef"
    request = HTTPServerRequest(method="GET", uri=f"/api/kernels/k/channels?token={token}")
    try:
        raise RuntimeError(f"while serving {request.uri}")
    except RuntimeError:
        record = logging.LogRecord(
            "tornado.application", logging.ERROR, __file__, 1,
            "Uncaught exception %s\n%r", (f"GET {request.uri} (127.0.0.1)", request),
            sys.exc_info(),
        )  # fmt: skip
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(ScrubTokens(token))
    handler.emit(record) if handler.filter(record) else None
    line = handler.stream.getvalue()
    assert "Uncaught exception GET /api/kernels/k/channels?token=[secret]" in line
    assert "RuntimeError: while serving" in line and token not in line


def test_help_lists_the_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "gateway", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for option in (
        "--ip",
        "--port",
        "--root-dir",
        "--token",
        "--allow-origin",
        "--max-restarts",
        "--restart-window",
        "--max-message-size",
        "--client-buffer",
    ):
        assert option in out, option


def test_empty_token_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gateway", "--token=", "--port=0", f"--root-dir={tmp_path}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "token" in (proc.stdout + proc.stderr).lower()


def test_the_gateway_never_imports_the_kernel_package() -> None:
    code = (
        "import sys, gateway.app, gateway.kernels, gateway.websocket\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'reactive_kernel']\n"
        "assert not bad, bad\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, check=True, timeout=60, env={**os.environ}
    )
