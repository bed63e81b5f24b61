"""Gateway restarts that keep kernels (``--keep-kernels``): a real gateway with three
notebook sessions stopped, their kernels left running, and a new gateway that
re-attaches them; real WebSocket clients find the same kernels with their state."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from gwtools import GatewayProcess, WSClient, pid_alive, rest, wait_for


async def value(ws: WSClient, expr: str) -> str:
    """``repr`` of an expression in the kernel (user_expressions: no cascade)."""
    msg_id = await ws.send(
        "shell",
        "execute_request",
        {"code": "", "silent": True, "store_history": False, "user_expressions": {"v": expr}},
    )
    result = await ws.collect(msg_id)
    assert result.reply is not None
    v = result.reply["content"]["user_expressions"]["v"]
    return str(v["data"]["text/plain"]) if v["status"] == "ok" else v["ename"]


def gateway(tmp: Path, env: dict[str, str], n: int, *args: str) -> GatewayProcess:
    return GatewayProcess(tmp / "root", tmp / f"gateway-{n}.log", *args, env=env)


async def test_three_notebooks_survive_a_gateway_restart(
    tmp_path: Path, gateway_env: dict[str, str]
) -> None:
    (tmp_path / "root").mkdir()
    runtime = tmp_path / "runtime"
    env = {**gateway_env, "JUPYTER_RUNTIME_DIR": str(runtime)}
    first = gateway(tmp_path, env, 0, "--keep-kernels")
    second: GatewayProcess | None = None
    try:
        sessions: list[dict[str, Any]] = []
        tokens: list[str] = []
        for i in range(3):
            status, session = await rest(
                first,
                "POST",
                "/api/sessions",
                {"path": f"nb{i}.py", "kernel": {"name": "reactive"}},
            )
            assert status == 201, session
            sessions.append(session)
            ws = await WSClient.connect(first, session["kernel"]["id"])
            r = await ws.comm(
                "create", cell_id="a", code=f"import uuid\ntoken = uuid.uuid4().hex + '{i}'"
            )
            assert r.reply and r.reply["ok"]
            r = await ws.comm("run", cell_id="a")
            assert r.reply and r.reply["status"] == "success"
            tokens.append(await value(ws, "token"))
            await ws.close()

        assert first.stop() == 0
        assert "3 kernels left running" in first.output()
        [state] = runtime.glob("reactive-gateway-*.json")
        assert stat.S_IMODE(state.stat().st_mode) == 0o600  # it holds the kernels' keys
        recorded = json.loads(state.read_text())["kernels"]
        pids = [k["provisioner_info"]["pid"] for k in recorded]
        assert len(pids) == 3 and all(pid_alive(p) for p in pids)
        assert first.token not in state.read_text()

        second = gateway(tmp_path, env, 1)
        assert not state.exists()  # consumed
        status, listed = await rest(second, "GET", "/api/sessions")
        assert status == 200
        by_id = {s["id"]: s for s in listed}
        for session, token in zip(sessions, tokens, strict=True):
            again = by_id[session["id"]]
            assert again["path"] == session["path"]
            assert again["kernel"]["id"] == session["kernel"]["id"]
            ws = await WSClient.connect(second, again["kernel"]["id"])
            assert await value(ws, "token") == token  # the same kernel, its namespace intact
            # reactive state too: a new cell reads the kept name; the old cell is not re-run
            r = await ws.comm("create", cell_id="b", code="print(token)")
            r = await ws.comm("run", cell_id="b")
            assert r.reply and r.reply["status"] == "success"
            assert r.stdout().strip() == token.strip("'")
            await ws.close()
        # opening a kept notebook again gives the kept session, not a second kernel
        status, reopened = await rest(
            second, "POST", "/api/sessions", {"path": "nb0.py", "kernel": {"name": "reactive"}}
        )
        assert reopened["kernel"]["id"] == sessions[0]["kernel"]["id"]

        assert second.stop() == 0  # without --keep-kernels: kernels stop with it
        await wait_for(_all_gone(pids), timeout=20)
    finally:
        first.stop()
        if second is not None:
            second.stop()
        for k in _recorded(runtime):
            _kill(k["provisioner_info"]["pid"])


def _all_gone(pids: list[int]) -> Any:
    async def check() -> bool:
        return not any(pid_alive(p) for p in pids)

    return check


def _recorded(runtime: Path) -> list[dict[str, Any]]:
    out = []
    for path in runtime.glob("reactive-gateway-*.json"):
        out += json.loads(path.read_text()).get("kernels", [])
    return out


def _kill(pid: int) -> None:
    import os
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


async def test_a_kernel_gone_while_no_gateway_ran_is_dropped(
    tmp_path: Path, gateway_env: dict[str, str]
) -> None:
    (tmp_path / "root").mkdir()
    runtime = tmp_path / "runtime"
    env = {**gateway_env, "JUPYTER_RUNTIME_DIR": str(runtime)}
    first = gateway(tmp_path, env, 0, "--keep-kernels")
    second: GatewayProcess | None = None
    try:
        ids = []
        for i in range(2):
            status, session = await rest(
                first,
                "POST",
                "/api/sessions",
                {"path": f"nb{i}.py", "kernel": {"name": "reactive"}},
            )
            assert status == 201
            ids.append(session["kernel"]["id"])
        first.stop()
        [state] = runtime.glob("reactive-gateway-*.json")
        recorded = json.loads(state.read_text())["kernels"]
        gone = next(k for k in recorded if k["kernel_id"] == ids[0])
        _kill(gone["provisioner_info"]["pid"])
        await wait_for(_all_gone([gone["provisioner_info"]["pid"]]), timeout=10)

        second = gateway(tmp_path, env, 1)
        status, kernels = await rest(second, "GET", "/api/kernels")
        assert [k["id"] for k in kernels] == [ids[1]]
        status, listed = await rest(second, "GET", "/api/sessions")
        assert [s["kernel"]["id"] for s in listed] == [ids[1]]
        assert "not answering; dropped" in second.output() or "dropped" in second.output()
    finally:
        first.stop()
        if second is not None:
            second.stop()
