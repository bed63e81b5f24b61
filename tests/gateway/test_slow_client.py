"""A client that stops reading is cut off (1008); the others get everything."""

from __future__ import annotations

import asyncio
from typing import Any

from gwtools import WSClient, rest, start_kernel, wait_for
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

LINES = 300
LINE = 100_000  # 30 MB of output, far more than socket buffers can hide, at ~20 MB/s:
PACE = 0.005  # a reading client keeps up easily; one that stopped falls behind fast


async def test_slow_client_is_disconnected_and_others_are_unaffected(make_gateway: Any) -> None:
    gw = make_gateway("--client-buffer=4000000")
    model = await start_kernel(gw)
    kid = model["id"]
    url = f"{gw.ws_url}/api/kernels/{kid}/channels?session_id=slow"
    # tornado's client stops reading the socket while its one-message queue is full
    slow = await websocket_connect(HTTPRequest(url, headers=gw.auth), max_message_size=1 << 30)
    fast = await WSClient.connect(gw, kid)

    async def connections() -> int:
        return int((await rest(gw, "GET", f"/api/kernels/{kid}"))[1]["connections"])

    assert await connections() == 2
    result = await fast.execute(
        f"import time\nfor i in range({LINES}):\n"
        f"    print(str(i).rjust({LINE}, '.'), flush=True)\n    time.sleep({PACE})",
        timeout=60,
    )
    text = result.stdout()
    assert text.count("\n") == LINES and len(text) == LINES * (LINE + 1)
    assert (await fast.execute("print('fine')")).stdout() == "fine\n"
    # the gateway let go of the slow client as soon as it fell behind
    await wait_for(lambda: _equals(connections, 1), 10)
    # it then reads: what was already queued, then the close frame with the reason
    received = 0
    while True:
        message = await asyncio.wait_for(slow.read_message(), 10)
        if message is None:
            break
        received += len(message)
    assert slow.close_code == 1008, (slow.close_code, slow.close_reason)
    assert "too slow" in (slow.close_reason or "")
    assert received < LINES * LINE / 2  # it was cut off well before the end
    await fast.close()


async def _equals(get: Any, value: int) -> bool:
    return bool(await get() == value)


CHUNKS = 100
CHUNK = 1_000_000  # 100 x 1 MB, printed as fast as the kernel can
FLOOD = (
    f"import sys\nfor i in range({CHUNKS}):\n"
    f"    sys.stdout.write(str(i).rjust({CHUNK}, '.') + '\\n')\n    sys.stdout.flush()"
)


async def _idle_clients(gw: Any, kernel_id: str, n: int) -> list[Any]:
    """``n`` connections that never read (tornado's client stops reading the socket
    once its one-message queue is full)."""
    url = f"{gw.ws_url}/api/kernels/{kernel_id}/channels?session_id=idle"
    return [
        await websocket_connect(HTTPRequest(url, headers=gw.auth), max_message_size=1 << 30)
        for _ in range(n)
    ]


async def test_a_reader_that_keeps_up_is_never_closed(make_gateway: Any) -> None:
    gw = make_gateway()
    model = await start_kernel(gw)
    idle = await _idle_clients(gw, model["id"], 10)
    reader = await WSClient.connect(gw, model["id"])
    result = await reader.execute(FLOOD, timeout=120)
    text = result.stdout()
    assert text.count("\n") == CHUNKS and len(text) == CHUNKS * (CHUNK + 1)
    assert not reader.closed.is_set(), (reader.conn.close_code, reader.conn.close_reason)
    assert (await reader.execute("print('still open')")).stdout() == "still open\n"
    await reader.close()
    for conn in idle:
        conn.close()


async def test_the_gateway_budget_closes_the_clients_furthest_behind(make_gateway: Any) -> None:
    budget = 100_000_000
    gw = make_gateway(f"--max-buffered-bytes={budget}", "--log-level=INFO")
    model = await start_kernel(gw)
    kid = model["id"]
    idle = await _idle_clients(gw, kid, 10)
    reader = await WSClient.connect(gw, kid)
    result = await reader.execute(FLOOD, timeout=120)
    text = result.stdout()  # the reader that keeps up gets everything ...
    assert text.count("\n") == CHUNKS and len(text) == CHUNKS * (CHUNK + 1)
    assert not reader.closed.is_set(), (reader.conn.close_code, reader.conn.close_reason)
    # ... and the idle ones were let go, each with the reason, before holding more than
    # the budget between them (10 x 100 MB would have been 1 GB)
    _, kernel = await rest(gw, "GET", f"/api/kernels/{kid}")
    assert kernel["connections"] == 1
    log = gw.output()
    closed = [line for line in log.splitlines() if "gateway output budget exceeded" in line]
    too_slow = [line for line in log.splitlines() if "closing client idle: 1008 client too" in line]
    # the budget closes idle clients until the last one or two fit in it; those then
    # meet their own bound (--client-buffer, 64 MB)
    assert len(closed) >= 7 and len(closed) + len(too_slow) == 10, log[-3000:]
    assert all(": 1008 " in line and "furthest behind" in line for line in closed)
    reasons = [len(line.split(": 1008 ", 1)[1].encode()) for line in closed]
    assert max(reasons) <= 123  # fits a close frame
    await reader.close()
    for conn in idle:
        conn.close()


def test_budget_picks_the_furthest_behind_and_spares_those_keeping_up() -> None:
    from dataclasses import dataclass

    from gateway.budget import OutputBudget

    @dataclass
    class C:
        backlog: int
        stalled: int
        closed: bool = False

        def close(self, code: int, reason: str) -> None:
            self.closed = True

    budget = OutputBudget(100)
    budget.charge(95)
    # the reader has the most bytes waiting, but its socket took a write 5 bytes ago
    small, stalled, longest, reading = C(10, 10), C(30, 30), C(25, 40), C(60, 5)
    clients = [small, stalled, longest, reading]
    assert budget.laggards(clients, 4) == []  # fits
    assert budget.laggards(clients, 10) == [longest]  # stalled the most goes first
    assert budget.laggards(clients, 40) == [longest, stalled]  # only as many as needed
    # neither the reader nor the one within its fair share (100 / 4) is ever chosen
    assert budget.laggards(clients, 10**6) == [longest, stalled]
    assert OutputBudget(0).laggards(clients, 10**9) == []  # 0: no limit
