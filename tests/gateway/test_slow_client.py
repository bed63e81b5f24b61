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
