"""Remote reactive kernels over SSH, for real: Debian's sshd on 127.0.0.2 (key auth),
gateway_provisioners' DistributedProvisioner launching our kernel through it, the
gateway keeping the notebook file (gateway/filesync.py), real WebSocket clients."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gwtools import GatewayProcess, WSClient, pid_alive, rest

pytest.importorskip("gateway_provisioners")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sshd

from reactive_kernel.remote_spec import get_remote_kernel_dict

if reason := sshd.unavailable():
    if os.environ.get("REACTIVE_REQUIRE_SSHD") == "1":  # CI: never skip silently
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)

SPEC = "reactive_ssh"


@pytest.fixture(scope="module")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sshd.SshServer]:
    server = sshd.SshServer(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        server.stop()


def start_gateway(
    base: Path, server: sshd.SshServer, gateway_env: dict[str, str]
) -> tuple[GatewayProcess, str]:
    """A gateway whose ``reactive_ssh`` kernelspec launches kernels through ``server``,
    and its response port (its own, so :meth:`sshd.SshServer.kernels` tells its
    kernels apart)."""
    spec_dir = base / "jupyter" / "kernels" / SPEC
    spec_dir.mkdir(parents=True)
    spec = get_remote_kernel_dict("distributed", [sshd.HOST], sys.executable)
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    root = base / "root"
    root.mkdir()
    env = {
        **gateway_env,
        **server.client_env(),
        "JUPYTER_PATH": f"{base / 'jupyter'}:{gateway_env['JUPYTER_PATH']}",
    }
    return GatewayProcess(root, base / "gateway.log", env=env), env["GP_RESPONSE_PORT"]


@pytest.fixture(scope="module")
def remote_gateway(
    tmp_path_factory: pytest.TempPathFactory,
    ssh_server: sshd.SshServer,
    gateway_env: dict[str, str],
) -> Iterator[GatewayProcess]:
    gw, port = start_gateway(tmp_path_factory.mktemp("remote"), ssh_server, gateway_env)
    try:
        yield gw
    finally:
        gw.stop()
        # nothing is killed here: the gateway stops its remote kernels itself
        assert_gone(lambda: ssh_server.kernels(port), "after the gateway stopped")


STOP_BOUND = 30.0
"""Seconds a remote kernel (and its launcher's listener) may take to end after its
session is deleted or its gateway stops (the gateway's own shutdown wait is 5 s, plus
SSH round trips on a loaded machine)."""


def assert_gone(pids: Callable[[], list[int]], when: str) -> None:
    """Wait, bounded, until ``pids()`` names no running process."""
    deadline = time.monotonic() + STOP_BOUND
    while (left := [p for p in pids() if pid_alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)  # polling /proc with a deadline: there is no event to wait for
    assert not left, f"remote kernel processes still running {STOP_BOUND:g}s {when}: {left}"


async def value(ws: WSClient, expr: str) -> Any:
    msg_id = await ws.send(
        "shell",
        "execute_request",
        {"code": "", "silent": True, "store_history": False, "user_expressions": {"v": expr}},
    )
    result = await ws.collect(msg_id)
    assert result.reply is not None
    v = result.reply["content"]["user_expressions"]["v"]
    assert v["status"] == "ok", v
    return v["data"]["text/plain"]


async def open_notebook(gw: GatewayProcess, path: str) -> tuple[dict[str, Any], WSClient]:
    status, session = await rest(
        gw, "POST", "/api/sessions", {"path": path, "kernel": {"name": SPEC}}, timeout=120
    )
    assert status == 201, session
    return session, await WSClient.connect(gw, session["kernel"]["id"])


async def kernel_text(ws: WSClient) -> str:
    """The notebook text the kernel last saved (its own copy)."""
    return str(eval(await value(ws, "get_ipython().kernel.reactive.file.text")))


BOUND = 240.0
"""A remote start goes through SSH, the launcher and a connection-info exchange;
on a loaded 2-core machine that alone can take half a minute, so these tests
bound themselves instead of using the 90 s of tests/gateway/conftest.py."""


@pytest.mark.timeout(300)
def test_cells_cascade_sql_and_the_file_kept_by_the_gateway(
    remote_gateway: GatewayProcess,
) -> None:
    asyncio.run(asyncio.wait_for(_cells_cascade_sql_file(remote_gateway), BOUND))


@pytest.mark.timeout(300)
def test_sigkill_of_the_remote_kernel_restarts_it_remotely_with_its_notebook(
    remote_gateway: GatewayProcess,
) -> None:
    asyncio.run(asyncio.wait_for(_sigkill_restart(remote_gateway), BOUND))


@pytest.mark.timeout(400)
def test_deleting_a_session_and_stopping_the_gateway_end_the_remote_kernels(
    tmp_path: Path, ssh_server: sshd.SshServer, gateway_env: dict[str, str]
) -> None:
    gw, port = start_gateway(tmp_path, ssh_server, gateway_env)
    try:
        asyncio.run(asyncio.wait_for(_delete_then_stop(gw, port, ssh_server), BOUND))
    finally:
        gw.stop()


async def _delete_then_stop(gw: GatewayProcess, port: str, server: sshd.SshServer) -> None:
    sessions = {}
    for name in ("one.py", "two.py"):
        session, ws = await open_notebook(gw, name)
        pid = int(await value(ws, "__import__('os').getpid()"))
        await ws.close()
        sessions[name] = (session, pid)
    kernel_id = sessions["one.py"][0]["kernel"]["id"]

    def launched(kernel_id: str) -> list[int]:
        """The kernel's process and its launcher's listener (a forked child)."""
        return [p for p in server.kernels(port) if kernel_id in _cmdline(p)]

    assert sessions["one.py"][1] in launched(kernel_id)
    status, _ = await rest(gw, "DELETE", f"/api/sessions/{sessions['one.py'][0]['id']}")
    assert status == 204
    await asyncio.to_thread(
        assert_gone, lambda: launched(kernel_id), "after its session was deleted"
    )
    assert pid_alive(sessions["two.py"][1])  # the other session's kernel runs on

    await asyncio.to_thread(gw.stop)
    await asyncio.to_thread(assert_gone, lambda: server.kernels(port), "after the gateway stopped")
    # both ended through their shutdown_request (the kernel app returned), not a signal
    for session, _ in sessions.values():
        log = server.base / f"kernel-{session['kernel']['id']}.log"
        assert "IPKernelApp has terminated" in log.read_text(errors="replace"), log


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


async def _cells_cascade_sql_file(gw: GatewayProcess) -> None:
    nb = gw.root / "remote.py"
    nb.write_text("# %%\nbase = 2\n")
    _, ws = await open_notebook(gw, "remote.py")
    try:
        # it runs behind sshd, not as the gateway's child
        assert (
            await value(ws, "__import__('os').environ.get('SSH_CONNECTION') is not None") == "True"
        )
        assert int(await value(ws, "__import__('os').getppid()")) != gw.proc.pid
        [loaded] = (await ws.comm("snapshot")).reply["snapshot"]["cells"]
        assert loaded["code"] == "base = 2"  # the gateway loaded the file into the kernel

        r = await ws.comm("create", cell_id="b", code="double = base * 2\nprint(double)")
        assert r.reply["ok"]
        assert "double = base * 2" in nb.read_text()  # on disk when the reply came
        r = await ws.comm("run_all", timeout=90)
        assert r.reply["ok"] and r.stdout() == "4\n", [m["content"] for m in r.of("error")]
        # a cascade: editing the first cell re-runs its reader
        r = await ws.comm("register", cell_id=loaded["id"], code="base = 5", run=True, timeout=90)
        assert r.reply["ok"] and "10\n" in r.stdout()
        assert "base = 5" in nb.read_text()
        # SQL against the embedded database, read by Python
        r = await ws.comm(
            "create", cell_id="q", cell_type="sql", name="t", code="SELECT :base AS v"
        )
        assert r.reply["ok"]
        r = await ws.comm("run", cell_id="q", timeout=90)
        assert r.reply["status"] == "success", [m["content"] for m in r.of("error")]
        r = await ws.comm("create", cell_id="r", code="print(len(t))")
        r = await ws.comm("run", cell_id="r", timeout=90)
        assert r.reply["status"] == "success" and r.stdout() == "1\n"
        r = await ws.comm("delete", cell_id="r")
        assert r.reply["ok"]
        assert "print(len(t))" not in nb.read_text()
        # the file on disk is exactly what the kernel saved
        assert nb.read_text() == await kernel_text(ws)
        # the relay's own messages stayed between the gateway and the kernel
        assert not any("reactive-file-" in json.dumps(m.get("content")) for m in ws.backlog)
    finally:
        await ws.close()


async def _sigkill_restart(gw: GatewayProcess) -> None:
    session, ws = await open_notebook(gw, "crash.py")
    try:
        r = await ws.comm("create", cell_id="a", code="value = 41 + 1\nprint(value)")
        assert r.reply["ok"]
        text = (gw.root / "crash.py").read_text()
        pid = int(await value(ws, "__import__('os').getpid()"))
        os.kill(pid, signal.SIGKILL)
        await ws.status("restarting", timeout=60)
        await ws.status("idle", timeout=90)
        new_pid = int(await value(ws, "__import__('os').getpid()"))
        assert new_pid != pid and not pid_alive(pid)
        assert (
            await value(ws, "__import__('os').environ.get('SSH_CONNECTION') is not None") == "True"
        )
        cells = (await ws.comm("snapshot")).reply["snapshot"]["cells"]
        assert [c["id"] for c in cells] == ["a"]  # reloaded from the gateway's file
        r = await ws.comm("run", cell_id="a", timeout=90)
        assert r.stdout() == "42\n"
        assert (gw.root / "crash.py").read_text() == text
    finally:
        await ws.close()
    status, _ = await rest(gw, "DELETE", f"/api/sessions/{session['id']}")
    assert status == 204
    await asyncio.to_thread(assert_gone, lambda: [new_pid], "after its session was deleted")
