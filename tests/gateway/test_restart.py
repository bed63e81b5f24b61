"""Dead kernels: detected, announced, restarted under the same id, or given up on."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from gwtools import (
    MSGPACK,
    V1,
    GatewayProcess,
    WSClient,
    pid_alive,
    rest,
    start_kernel,
    wait_for,
)

DETECT_AND_RESTART = 20.0  # seconds: heartbeat 0.5 s; a kernel restart takes ~1-2 s


async def kernel_pid(client: WSClient) -> int:
    return int((await client.execute("import os; print(os.getpid())")).stdout())


async def dead_then_restarting(client: WSClient) -> None:
    await client.status("dead", DETECT_AND_RESTART)
    await client.status("restarting", DETECT_AND_RESTART)


async def test_killed_kernel_restarts_and_clients_carry_on(gateway: GatewayProcess) -> None:
    model = await start_kernel(gateway)
    client = await WSClient.connect(gateway, model["id"], V1)
    try:
        pid = await kernel_pid(client)
        await client.execute("survivor = 1")
        started = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        await dead_then_restarting(client)
        detected = time.monotonic() - started
        assert detected < 5, f"death seen after {detected:.1f}s"
        # same WebSocket, same kernel id, a new process with a fresh namespace
        result = await client.execute("print('back', 'survivor' in globals())", DETECT_AND_RESTART)
        assert result.stdout() == "back False\n"
        assert await kernel_pid(client) != pid
        status, now = await rest(gateway, "GET", f"/api/kernels/{model['id']}")
        assert status == 200 and now["execution_state"] == "idle" and now["connections"] == 1
    finally:
        await client.close()
        await rest(gateway, "DELETE", f"/api/kernels/{model['id']}")


async def test_a_hung_kernel_is_caught_by_the_heartbeat(gateway: GatewayProcess) -> None:
    """SIGSTOP: the process is alive but answers nothing, not even heartbeats."""
    model = await start_kernel(gateway)
    client = await WSClient.connect(gateway, model["id"])
    pid = await kernel_pid(client)
    try:
        stopped = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        await dead_then_restarting(client)
        waited = time.monotonic() - stopped
        assert 2.0 < waited < 10, f"hung kernel declared dead after {waited:.1f}s"
        assert (await client.execute("print('alive again')", DETECT_AND_RESTART)).stdout()
        assert not pid_alive(pid)  # the hung process was killed, not left behind
    finally:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        await client.close()
        await rest(gateway, "DELETE", f"/api/kernels/{model['id']}")


async def test_a_kernel_that_keeps_dying_is_reported_dead(
    make_gateway: Any, gateway_env: dict[str, str]
) -> None:
    launches = Path(gateway_env["GATEWAY_TEST_CRASH_LOG"])
    before = len(launches.read_text().splitlines()) if launches.exists() else 0
    gw = make_gateway("--max-restarts=2", "--restart-window=60")
    model = await start_kernel(gw, "crashing")
    assert model["execution_state"] == "dead", model
    assert "not restarted" in model["reason"] and "2 automatic restarts" in model["reason"]

    def count() -> int:
        return len(launches.read_text().splitlines()) - before

    assert count() == 3  # the launch and two restarts
    client = await WSClient.connect(gw, model["id"])
    await client.status("dead", 5)  # told at once on connecting
    await client.send("shell", "execute_request", {"code": "1"})
    error = await client.next(lambda m: m["header"]["msg_type"] == "gateway_error")
    assert error["content"]["code"] == "kernel_dead"
    # not retried forever: several heartbeat intervals later, still three launches
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        assert count() == 3
        await asyncio.sleep(0.25)  # watching for a launch that must not happen
    _, listed = await rest(gw, "GET", "/api/kernels")
    assert [k["execution_state"] for k in listed if k["id"] == model["id"]] == ["dead"]
    await client.close()
    assert (await rest(gw, "DELETE", f"/api/kernels/{model['id']}"))[0] == 204


async def test_sigkill_mid_cascade_with_three_clients(gateway: GatewayProcess) -> None:
    """The kernel dies during a cascade: every client sees dead, then restarting,
    and then gets a snapshot with every cell (reloaded from the notebook file)."""
    status, session = await rest(
        gateway, "POST", "/api/sessions", {"path": "cascade.py", "kernel": {"name": "reactive"}}
    )
    assert status == 201
    kernel_id = session["kernel"]["id"]
    clients = [await WSClient.connect(gateway, kernel_id, p) for p in ("", V1, MSGPACK)]
    author = clients[0]
    ids = ["c0", "c1", "c2", "c3", "c4", "c5"]
    try:
        await author.comm("create", cell_type="python", after=None, cell_id="c0", code="v0 = 0")
        for i in range(1, len(ids)):
            code = f"__import__('time').sleep(0.3)\nv{i} = v{i - 1} + 1\nprint('v{i}', v{i})"
            reply = await author.comm(
                "create", cell_type="python", after=ids[i - 1], cell_id=ids[i], code=code
            )
            assert reply.reply["ok"]
        pid = await kernel_pid(author)
        await author.send(
            "shell",
            "comm_msg",
            {"comm_id": "reactive", "data": {"op": "run", "req": "go", "cell_id": "c0"}},
        )
        await author.next(
            lambda m: (
                m["header"]["msg_type"] == "comm_msg"
                and any(
                    s.get("cell_id") == "c2" and s.get("status") == "running"
                    for s in m["content"]["data"].get("statuses") or [m["content"]["data"]]
                    if m["content"]["data"].get("event") in ("cell_status", "cell_statuses")
                )
            )
        )
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        await asyncio.gather(*(dead_then_restarting(c) for c in clients))
        snapshots = [
            (await c.comm("snapshot", timeout=DETECT_AND_RESTART)).reply["snapshot"]
            for c in clients
        ]
        recovered = time.monotonic() - killed
        assert recovered < DETECT_AND_RESTART, f"snapshot after {recovered:.1f}s"
        assert snapshots[0] == snapshots[1] == snapshots[2]
        if snapshots[0].get("notebook_path") is None:
            pytest.xfail("the kernel does not bind REACTIVE_NOTEBOOK yet: cells cannot reload")
        assert [c["id"] for c in snapshots[0]["cells"]] == ids  # every cell reloaded
        rerun = await author.comm("run", cell_id="c0", timeout=DETECT_AND_RESTART)
        assert rerun.reply["ok"]
        assert "v5 5" in "".join(m["content"].get("text", "") for m in rerun.iopub)
    finally:
        for c in clients:
            await c.close()
        await rest(gateway, "DELETE", f"/api/sessions/{session['id']}")


async def test_explicit_restart_of_a_running_kernel(gateway: GatewayProcess) -> None:
    model = await start_kernel(gateway)
    client = await WSClient.connect(gateway, model["id"])
    try:
        await client.execute("gone = 1")
        status, after = await rest(gateway, "POST", f"/api/kernels/{model['id']}/restart")
        assert status == 200 and after["execution_state"] == "idle"
        await client.status("restarting", 5)
        result = await client.execute("print('gone' in globals())")
        assert result.stdout() == "False\n"
    finally:
        await client.close()
        await rest(gateway, "DELETE", f"/api/kernels/{model['id']}")


async def test_messages_sent_during_a_restart_are_answered_after_it(
    gateway: GatewayProcess,
) -> None:
    model = await start_kernel(gateway)
    client = await WSClient.connect(gateway, model["id"])
    try:
        pid = await kernel_pid(client)
        os.kill(pid, signal.SIGKILL)
        await client.status("dead", DETECT_AND_RESTART)
        result = await client.execute("print('answered')", DETECT_AND_RESTART)
        assert result.stdout() == "answered\n"
        await wait_for(lambda: _state_is(gateway, model["id"], "idle"), DETECT_AND_RESTART)
    finally:
        await client.close()
        await rest(gateway, "DELETE", f"/api/kernels/{model['id']}")


async def _state_is(gw: GatewayProcess, kernel_id: str, state: str) -> bool:
    return bool((await rest(gw, "GET", f"/api/kernels/{kernel_id}"))[1]["execution_state"] == state)


async def test_reopening_a_given_up_notebook_restarts_its_kernel(
    make_gateway: Any, gateway_env: dict[str, str]
) -> None:
    """A session's kernel past its restart limit is restarted (fresh limit) when its
    notebook is opened again: the user's next action, not an automatic loop."""
    launches = Path(gateway_env["GATEWAY_TEST_CRASH_LOG"])
    gw = make_gateway("--max-restarts=1", "--restart-window=60")
    body = {"path": "loop.py", "kernel": {"name": "crashing"}}

    def count() -> int:
        return len(launches.read_text().splitlines()) if launches.exists() else 0

    before = count()
    status, first = await rest(gw, "POST", "/api/sessions", body)
    assert status == 201 and first["kernel"]["execution_state"] == "dead"
    assert count() - before == 2  # the launch and one restart, then given up
    status, again = await rest(gw, "POST", "/api/sessions", body)
    assert status == 201 and again["id"] == first["id"]
    await wait_for(lambda: _is(count() - before, 4), 30)  # revived: relaunch + one restart
    await wait_for(lambda: _dead(gw, first["kernel"]["id"]), 30)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:  # and no loop: given up again
        assert count() - before == 4
        await asyncio.sleep(0.25)  # watching for a launch that must not happen


async def _is(a: int, b: int) -> bool:
    return a == b


async def _dead(gw: GatewayProcess, kernel_id: str) -> bool:
    _, kernel = await rest(gw, "GET", f"/api/kernels/{kernel_id}")
    return bool(kernel["execution_state"] == "dead" and "not restarted" in kernel.get("reason", ""))
