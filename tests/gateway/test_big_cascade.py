"""A 10,000-cell cascade through the gateway, under CPU load: every WebSocket
client ends with every cell's final status (none of the kernel's IOPub
messages is dropped on the way: kernel SNDHWM and gateway SUB RCVHWM).

The gateway is stopped (SIGSTOP) while the kernel runs the cascade, as a
gateway starved of CPU would be, so the whole cascade queues up on the way.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Any

from gwtools import MSGPACK, V1, GatewayProcess, WSClient, rest, wait_for

N = 10_000
CASCADE_TIMEOUT = 75.0


def burn(stop: Any) -> None:
    while not stop.is_set():
        sum(range(100_000))


def final_statuses(messages: list[dict[str, Any]]) -> tuple[dict[str, str], int, int]:
    """Last status per cell, status events, status changes."""
    final: dict[str, str] = {}
    events = changes = 0
    for m in messages:
        if m["header"]["msg_type"] != "comm_msg":
            continue
        data = m["content"]["data"]
        event = data.get("event")
        if event not in ("cell_status", "cell_statuses"):
            continue
        entries = data["statuses"] if event == "cell_statuses" else [data]
        events += 1
        changes += len(entries)
        for entry in entries:
            final[entry["cell_id"]] = entry["status"]
    return final, events, changes


async def _exists(path: Any) -> bool:
    return bool(path.exists())


async def test_big_cascade_reaches_every_websocket_client(gateway: GatewayProcess) -> None:
    lines = [f'# %% id="c{i}"\nx{i} = {"0" if i == 0 else f"x{i - 1} + 1"}\n' for i in range(N)]
    done = gateway.root / "chain10k.done"
    done.unlink(missing_ok=True)
    lines.append(f'# %% id="done"\nopen({str(done)!r}, "w").write(str(x{N - 1}))\n')
    (gateway.root / "chain10k.py").write_text("\n".join(lines))
    status, session = await rest(
        gateway, "POST", "/api/sessions", {"path": "chain10k.py", "kernel": {"name": "reactive"}}
    )
    assert status == 201, session
    kernel_id = session["kernel"]["id"]
    clients = [await WSClient.connect(gateway, kernel_id, p) for p in (V1, MSGPACK)]
    stop = multiprocessing.Event()
    burner = multiprocessing.Process(target=burn, args=(stop,), daemon=True)
    try:
        snap = await clients[0].comm("snapshot")
        assert len(snap.reply["snapshot"]["cells"]) == N + 1
        burner.start()
        msg_id = await clients[0].send(
            "shell",
            "comm_msg",
            {"comm_id": "reactive", "data": {"op": "run", "req": "go", "cell_id": "c0"}},
        )
        await clients[0].next(lambda m: m["header"]["msg_type"] == "comm_msg")
        os.kill(gateway.proc.pid, signal.SIGSTOP)
        try:
            await wait_for(lambda: _exists(done), CASCADE_TIMEOUT)
        finally:
            os.kill(gateway.proc.pid, signal.SIGCONT)
        for client in clients:
            result = await client.collect(msg_id, reply=False, timeout=CASCADE_TIMEOUT)
            final, events, changes = final_statuses(result.iopub + client.backlog)
            finished = [e for e in result.events() if e.get("event") == "cascade_finished"]
            assert finished and finished[0]["succeeded"] == N + 1
            assert changes >= 2 * N  # the first event may have been taken above
            assert len(final) == N + 1 and set(final.values()) == {"success"}
            assert events <= N // 10, events
    finally:
        stop.set()
        if burner.pid is not None:
            burner.join(10)
        for client in clients:
            await client.close()
        await rest(gateway, "DELETE", f"/api/kernels/{kernel_id}")
