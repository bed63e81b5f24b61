"""The channels WebSocket: three framings, routing, fan-out, auth, origin, bad input."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from gwtools import MSGPACK, V1, GatewayProcess, WSClient, rest, start_kernel, wait_for
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

PROTOCOLS = ["", V1, MSGPACK]
ECHO_COMM = """
from comm import get_comm_manager
def _target(comm, msg):
    @comm.on_msg
    def _echo(m):
        comm.send({"n": len(m["buffers"])}, buffers=[bytes(b)[::-1] for b in m["buffers"]])
get_comm_manager().register_target("echo", _target)
"""


@pytest.fixture(scope="module")
def kernel_id(gateway: GatewayProcess) -> Iterator[str]:
    """One python3 kernel shared by this module's tests."""
    model = gateway.call("POST", "/api/kernels", {"name": "python3"})
    yield model["id"]
    gateway.call("DELETE", f"/api/kernels/{model['id']}")


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=["json", "v1", "msgpack"])
async def test_execute_in_each_protocol(
    gateway: GatewayProcess, kernel_id: str, protocol: str
) -> None:
    client = await WSClient.connect(gateway, kernel_id, protocol)
    try:
        assert client.conn.selected_subprotocol == (protocol or None)
        result = await client.execute("print('hi', 6 * 7)")
        assert result.stdout() == "hi 42\n"
        assert result.reply is not None and result.reply["channel"] == "shell"
        assert result.reply["header"]["msg_type"] == "execute_reply"
        assert result.reply["content"]["status"] == "ok"
        kinds = [m["header"]["msg_type"] for m in result.iopub]
        assert kinds[0] == "status" and "execute_input" in kinds and kinds[-1] == "status"
    finally:
        await client.close()


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=["json", "v1", "msgpack"])
async def test_binary_buffers_both_ways(
    gateway: GatewayProcess, kernel_id: str, protocol: str
) -> None:
    client = await WSClient.connect(gateway, kernel_id, protocol)
    try:
        assert (await client.execute(ECHO_COMM)).reply["content"]["status"] == "ok"
        comm_id = f"echo-{protocol or 'json'}"
        await client.send(
            "shell", "comm_open", {"comm_id": comm_id, "target_name": "echo", "data": {}}
        )
        await client.send(
            "shell", "comm_msg", {"comm_id": comm_id, "data": {}}, buffers=[b"abc", b"\x00\xff"]
        )
        echoed = await client.next(
            lambda m: (
                m["header"]["msg_type"] == "comm_msg" and m["content"].get("comm_id") == comm_id
            )
        )
        assert echoed["content"]["data"] == {"n": 2}
        assert [bytes(b) for b in echoed["buffers"]] == [b"cba", b"\xff\x00"]
    finally:
        await client.close()


async def test_replies_go_to_the_requester_iopub_to_everyone(
    gateway: GatewayProcess, kernel_id: str
) -> None:
    a = await WSClient.connect(gateway, kernel_id)
    b = await WSClient.connect(gateway, kernel_id, V1)
    try:
        result = await a.execute("print('from a')")
        seen_by_b = await b.collect(result.msg_id, reply=False)
        assert [m["header"]["msg_id"] for m in seen_by_b.iopub] == [
            m["header"]["msg_id"] for m in result.iopub
        ]
        # b asks something itself: its reply comes to b, and a's execute_reply never did
        info = await b.send("control", "kernel_info_request", {})
        reply = await b.next(
            lambda m: m["channel"] != "iopub" and m["parent_header"].get("msg_id") == info
        )
        assert reply["channel"] == "control" and reply["header"]["msg_type"] == "kernel_info_reply"
        assert not [m for m in b.backlog if m["channel"] == "shell"]
        assert not [m for m in a.backlog if m["parent_header"].get("msg_id") == info]
    finally:
        await a.close()
        await b.close()


async def test_stdin_goes_to_the_client_that_asked(gateway: GatewayProcess, kernel_id: str) -> None:
    a = await WSClient.connect(gateway, kernel_id)
    b = await WSClient.connect(gateway, kernel_id)
    try:
        msg_id = await a.send(
            "shell",
            "execute_request",
            {"code": "print('got', input('name? '))", "silent": False, "allow_stdin": True},
        )
        request = await a.next(lambda m: m["channel"] == "stdin")
        assert request["header"]["msg_type"] == "input_request"
        assert request["content"]["prompt"] == "name? "
        await a.send("stdin", "input_reply", {"value": "ada"})
        result = await a.collect(msg_id)
        assert "got ada" in result.stdout()
        await b.collect(msg_id, reply=False)
        assert not [m for m in b.backlog if m["channel"] in ("stdin", "shell")]
    finally:
        await a.close()
        await b.close()


BAD: list[tuple[str, Any, str]] = [
    ("", "not json at all", "bad_json"),
    ("", json.dumps({"channel": "shell", "content": {}}), "bad_header"),
    (
        "",
        json.dumps({"channel": "nowhere", "header": {"msg_id": "x", "msg_type": "y"}}),
        "unknown_channel",
    ),
    ("", b"\x00\x00\x00\x09\x00\x00\x00\x00", "bad_offsets"),
    (V1, b"\x01\x00", "bad_layout"),
    (V1, b"\xff" * 64, "bad_offsets"),
    (V1, "a text frame", "bad_frame"),
    (MSGPACK, b"\xc1\xc1", "bad_msgpack"),
]


@pytest.mark.parametrize(("protocol", "data", "code"), BAD)
async def test_malformed_frames_get_an_error_and_harm_no_one(
    gateway: GatewayProcess, kernel_id: str, protocol: str, data: Any, code: str
) -> None:
    bad = await WSClient.connect(gateway, kernel_id, protocol)
    other = await WSClient.connect(gateway, kernel_id)
    try:
        await bad.raw(data)
        error = await bad.next(lambda m: m["header"]["msg_type"] == "gateway_error")
        assert error["channel"] == "iopub" and error["content"]["code"] == code
        assert error["content"]["message"]
        assert (await bad.execute("print(1)")).stdout() == "1\n"  # the same socket still works
        assert (await other.execute("print(2)")).stdout() == "2\n"
        assert not [m for m in other.backlog if m["header"]["msg_type"] == "gateway_error"]
    finally:
        await bad.close()
        await other.close()


async def test_too_many_bad_frames_close_the_client(make_gateway: Any) -> None:
    gw = make_gateway("--GatewayApp.max_bad_frames=3")
    model = await start_kernel(gw)
    client = await WSClient.connect(gw, model["id"])
    for _ in range(4):
        await client.raw("junk")
    await asyncio.wait_for(client.closed.wait(), 10)
    assert client.conn.close_code == 1008 and "malformed" in client.conn.close_reason


async def test_oversized_frame_closes_only_that_client(make_gateway: Any) -> None:
    gw = make_gateway("--max-message-size=65536")
    model = await start_kernel(gw)
    big = await WSClient.connect(gw, model["id"])
    other = await WSClient.connect(gw, model["id"])
    await big.send("shell", "execute_request", {"code": "x = '" + "a" * 100_000 + "'"})
    await asyncio.wait_for(big.closed.wait(), 10)
    assert big.conn.close_code == 1009
    assert (await other.execute("print('still here')")).stdout() == "still here\n"
    await other.close()


@pytest.mark.parametrize(
    ("headers", "query", "code"),
    [({}, "", 401), ({"Authorization": "token nope"}, "", 403), ({}, "?token=nope", 403)],
)
async def test_websocket_needs_the_token(
    gateway: GatewayProcess, kernel_id: str, headers: dict[str, str], query: str, code: int
) -> None:
    url = f"{gateway.ws_url}/api/kernels/{kernel_id}/channels{query}"
    with pytest.raises(HTTPClientError) as info:
        await websocket_connect(HTTPRequest(url, headers=headers))
    assert info.value.code == code


async def test_token_in_query_opens_the_websocket(gateway: GatewayProcess, kernel_id: str) -> None:
    url = f"{gateway.ws_url}/api/kernels/{kernel_id}/channels?token={gateway.token}"
    conn = await websocket_connect(url)
    conn.close()


async def test_unknown_kernel_is_404(gateway: GatewayProcess) -> None:
    url = f"{gateway.ws_url}/api/kernels/00000000-0000-0000-0000-000000000000/channels"
    with pytest.raises(HTTPClientError) as info:
        await websocket_connect(HTTPRequest(url, headers=gateway.auth))
    assert info.value.code == 404


async def test_cross_origin_is_refused(gateway: GatewayProcess, kernel_id: str) -> None:
    url = f"{gateway.ws_url}/api/kernels/{kernel_id}/channels"
    with pytest.raises(HTTPClientError) as info:
        await websocket_connect(
            HTTPRequest(url, headers={**gateway.auth, "Origin": "http://evil.example"})
        )
    assert info.value.code == 403
    same = await websocket_connect(
        HTTPRequest(url, headers={**gateway.auth, "Origin": f"http://127.0.0.1:{gateway.port}"})
    )
    same.close()


async def test_allowed_origin(make_gateway: Any) -> None:
    gw = make_gateway("--allow-origin=https://app.example")
    model = await start_kernel(gw)
    url = f"{gw.ws_url}/api/kernels/{model['id']}/channels"
    conn = await websocket_connect(
        HTTPRequest(url, headers={**gw.auth, "Origin": "https://app.example"})
    )
    conn.close()
    with pytest.raises(HTTPClientError):
        await websocket_connect(
            HTTPRequest(url, headers={**gw.auth, "Origin": "https://other.example"})
        )
    request = HTTPRequest(
        f"{gw.url}/api/kernels", headers={**gw.auth, "Origin": "https://app.example"}
    )
    response = await AsyncHTTPClient().fetch(request)
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    preflight = await AsyncHTTPClient().fetch(
        HTTPRequest(f"{gw.url}/api/kernels", method="OPTIONS",
                    headers={"Origin": "https://app.example"}),
        raise_error=False,
    )  # fmt: skip
    assert preflight.code == 204
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    other = await AsyncHTTPClient().fetch(
        HTTPRequest(f"{gw.url}/api/kernels", headers={**gw.auth, "Origin": "https://x.example"})
    )
    assert "Access-Control-Allow-Origin" not in other.headers


async def test_small_messages_are_not_delayed(gateway: GatewayProcess, kernel_id: str) -> None:
    """TCP_NODELAY: without it, Nagle + delayed ACKs add ~40 ms to each small reply."""
    client = await WSClient.connect(gateway, kernel_id)
    try:
        times = []
        for _ in range(15):
            started = time.perf_counter()
            await client.execute("pass")
            times.append(time.perf_counter() - started)
        # With Nagle every round trip waits for the ~40 ms delayed ACK; without it
        # even a loaded machine gets some round trips through quickly.
        assert min(times) < 0.030, times
    finally:
        await client.close()


async def test_connections_are_counted(gateway: GatewayProcess, kernel_id: str) -> None:
    async def connections() -> int:
        return int((await rest(gateway, "GET", f"/api/kernels/{kernel_id}"))[1]["connections"])

    before = await connections()
    client = await WSClient.connect(gateway, kernel_id)
    assert await connections() == before + 1
    await client.close()
    await wait_for(lambda: _equals(connections, before))


async def _equals(get: Any, value: int) -> bool:
    return bool(await get() == value)
