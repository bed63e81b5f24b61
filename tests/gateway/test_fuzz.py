"""Malformed frames, by the thousand, against a real gateway and a real kernel.

A seeded generator builds frames with one or more defects in each of the three
framings (legacy JSON, ``v1.kernel.websocket.jupyter.org``, ``msgpack.reactive.v1``).
The pure decoder is the oracle: every frame must make :func:`gateway.framing.decode`
raise :class:`~gateway.framing.FrameError` (nothing else). The real gateway must then
answer each one with a ``gateway_error`` on the same connection (or close it with a
reason), stay up, and never hand anything to the kernel, which must not die.
"""

from __future__ import annotations

import json
import os
import random
import struct
import time
from collections.abc import Callable
from typing import Any

import msgpack
import pytest
from gwtools import MSGPACK, V1, GatewayProcess, WSClient, header, start_kernel

from gateway import framing

SEED = int(os.environ.get("REACTIVE_FUZZ_SEED", "20240611"))
FRAMES_PER_FRAMING = 1700  # >= 5,000 in all
BATCH = 100
DEEP = (1000, 3000, 20000)


def _message(rng: random.Random) -> dict[str, Any]:
    return {
        "channel": "shell",
        "header": header(rng.choice(["kernel_info_request", "execute_request", "comm_msg"]), "f"),
        "parent_header": {},
        "metadata": {},
        "content": {"code": "1", "silent": True},
        "buffers": [],
    }


def _junk_value(rng: random.Random) -> Any:
    return rng.choice(
        [None, 0, -1, 1.5, True, "", [], {}, [1, 2], {"a": 1}, b"\x00\xff", "x" * rng.randint(1, 9)]
    )


def _deep(rng: random.Random) -> str:
    depth = rng.choice(DEEP)
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return opener * depth + "1" + closer * depth


def _broken_mapping(rng: random.Random) -> dict[str, Any]:
    """A message dict with at least one defect the gateway must refuse."""
    msg = _message(rng)
    defect = rng.randrange(7)
    if defect == 0:
        msg["header"][rng.choice(["msg_id", "msg_type"])] = rng.choice(
            [None, 0, 1.5, True, "", [], {}, b"\x01\x02"]
        )
    elif defect == 1:
        msg["header"] = _junk_value(rng) if rng.random() < 0.7 else None
        if isinstance(msg["header"], dict):
            msg["header"] = None
    elif defect == 2:
        msg["channel"] = rng.choice(["iopub", "hb", "", "SHELL", 3, [], b"shell", "x" * 300])
    elif defect == 3:
        msg[rng.choice(["parent_header", "metadata", "content"])] = rng.choice(
            [[], "x", 3, 1.5, True, [{}]]
        )
    elif defect == 4:
        del msg["header"][rng.choice(["msg_id", "msg_type"])]
    elif defect == 5:
        msg["header"]["msg_id"] = rng.choice([b"\x00" * 16, b"id", bytearray(b"x")])
        msg["header"]["session"] = rng.choice([b"s", None, 1])
    else:
        msg["content"] = {"bad": rng.choice([b"\xff", float("nan"), float("inf"), {1: 2}])}
        if rng.random() < 0.5:
            msg["header"]["date"] = b"\x00"
    return msg


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(4)
        if op == 0 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1 and data:
            del data[rng.randrange(len(data)) :]
        elif op == 2:
            data[rng.randint(0, len(data)) : rng.randint(0, len(data))] = rng.randbytes(
                rng.randint(1, 16)
            )
        else:
            start = rng.randint(0, len(data))
            del data[start : start + rng.randint(1, 16)]
    return bytes(data)


def gen_json(rng: random.Random) -> str | bytes:
    kind = rng.randrange(6)
    if kind == 0:
        text = json.dumps(_message(rng))
        return text[: rng.randrange(len(text))]
    if kind == 1:
        return "".join(
            chr(rng.choice([rng.randint(32, 126), rng.randint(0x80, 0x2FFF)]))
            for _ in range(rng.randint(0, 60))
        )
    if kind == 2:
        return rng.choice(["[]", "1", '"s"', "null", "true", "[{}]", "NaN"])
    if kind == 3:
        msg = _message(rng)
        body = json.dumps(msg)
        return body.replace('"content": {', '"content": {"x": ' + _deep(rng) + ", ", 1)
    if kind == 4:  # legacy binary form: a corrupted offset table or body
        body = json.dumps(_message(rng)).encode()
        frame = framing.pack_binary_json(body, [rng.randbytes(rng.randint(0, 20))])
        return _mutate_bytes(rng, frame)
    msg = _broken_mapping(rng)
    return json.dumps(msg, default=lambda o: "b" if isinstance(o, bytes | bytearray) else str(o))


def _v1(rng: random.Random, msg: dict[str, Any], deep: bool = False) -> bytes:
    parts = []
    for key in ("header", "parent_header", "metadata", "content"):
        value = msg.get(key)
        text = json.dumps(value, default=lambda o: "b" if isinstance(o, bytes | bytearray) else 1)
        if deep and key == "content":
            text = _deep(rng)
        parts.append(text.encode())
    channel = msg.get("channel") if isinstance(msg.get("channel"), str) else "shell"
    return framing.pack_v1(channel, parts)


def gen_v1(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return rng.randbytes(rng.randint(0, 80))
    if kind == 1:
        return _mutate_bytes(rng, _v1(rng, _message(rng)))
    if kind == 2:  # a bogus offset table
        count = rng.choice([0, 1, 2, 5, 2**32, 2**63])
        offsets = [rng.randrange(2**16) for _ in range(rng.randint(0, 6))]
        return struct.pack(f"<Q{len(offsets)}Q", count % 2**64, *offsets) + rng.randbytes(8)
    if kind == 3:
        return _v1(rng, _message(rng), deep=True)
    if kind == 4:  # too few parts, or a channel that is not UTF-8
        if rng.random() < 0.5:
            parts = [json.dumps(_message(rng)["header"]).encode()] * rng.randint(0, 3)
            return framing.pack_v1("shell", parts)
        frame = bytearray(_v1(rng, _message(rng)))
        (first,) = struct.unpack_from("<Q", frame, 8)
        frame[first] = 0xFF
        return bytes(frame)
    return _v1(rng, _broken_mapping(rng))


def gen_msgpack(rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:
        return rng.randbytes(rng.randint(0, 80))
    if kind == 1:
        return _mutate_bytes(rng, msgpack.packb(_message(rng), use_bin_type=True))
    if kind == 2:
        return msgpack.packb(rng.choice([[], 1, "s", None, b"bin", [{}]]), use_bin_type=True)
    if kind == 3:  # deeply nested content, or an ext type where a value goes
        msg = _message(rng)
        if rng.random() < 0.5:  # {"content": [[[...1]]]}, built by hand: fast at any depth
            depth = rng.choice(DEEP)
            return b"\x81\xa7content" + b"\x91" * depth + b"\x01"
        msg["header"]["msg_id"] = msgpack.ExtType(5, b"x")
        return msgpack.packb(msg, use_bin_type=True)
    if kind == 4:
        msg = _message(rng)
        msg["buffers"] = rng.choice(["x", [1], ["s"], {"a": b""}, 3])
        return msgpack.packb(msg, use_bin_type=True)
    return msgpack.packb(_broken_mapping(rng), use_bin_type=True)


GENERATORS: dict[str, Callable[[random.Random], str | bytes]] = {
    "": gen_json,
    V1: gen_v1,
    MSGPACK: gen_msgpack,
}


def malformed_frames(protocol: str, count: int, seed: int) -> list[str | bytes]:
    """``count`` frames the decoder refuses, with the decoder checked on each."""
    rng = random.Random(f"{seed}:{protocol}")
    frames: list[str | bytes] = []
    while len(frames) < count:
        frame = GENERATORS[protocol](rng)
        try:
            framing.decode(frame, protocol)
        except framing.FrameError:
            frames.append(frame)
        # a mutation that happens to be valid is not a malformed frame: skip it
        # (any other exception fails the test: the decoder must only raise FrameError)
    return frames


@pytest.mark.parametrize("protocol", ["", V1, MSGPACK])
def test_the_decoder_refuses_with_frame_error_only(protocol: str) -> None:
    assert len(malformed_frames(protocol, 1000, SEED + 1)) == 1000


@pytest.fixture
def fuzz_gateway(make_gateway: Any) -> GatewayProcess:
    gw: GatewayProcess = make_gateway("--GatewayApp.max_bad_frames=1000000")
    return gw


async def test_regressions_binary_msg_id_and_deep_json(fuzz_gateway: GatewayProcess) -> None:
    model = await start_kernel(fuzz_gateway)
    packed = await WSClient.connect(fuzz_gateway, model["id"], MSGPACK)
    legacy = await WSClient.connect(fuzz_gateway, model["id"])
    try:
        msg = _message(random.Random(0))
        msg["header"]["msg_id"] = b"\x00\x01binary-id"
        await packed.raw(msgpack.packb(msg, use_bin_type=True))
        error = await packed.next(lambda m: m["header"]["msg_type"] == "gateway_error", 10)
        assert error["content"]["code"] == "bad_header"
        assert "msg_id" not in error["parent_header"]  # the binary id is not echoed
        await legacy.raw("[" * 1000 + "]" * 1000)
        error = await legacy.next(lambda m: m["header"]["msg_type"] == "gateway_error", 10)
        assert error["content"]["code"] == "too_deep"
        for client in (packed, legacy):
            assert (await client.execute("print(6 * 7)")).stdout() == "42\n"
    finally:
        await packed.close()
        await legacy.close()


async def test_thousands_of_malformed_frames_are_each_answered(
    fuzz_gateway: GatewayProcess,
) -> None:
    gw = fuzz_gateway
    model = await start_kernel(gw, "reactive")
    kernel_id = model["id"]
    witness = await WSClient.connect(gw, kernel_id)
    assert (await witness.execute("fuzz_witness = 41")).reply["content"]["status"] == "ok"
    started = time.monotonic()
    total = 0
    for protocol in ("", V1, MSGPACK):
        frames = malformed_frames(protocol, FRAMES_PER_FRAMING, SEED)
        client = await WSClient.connect(gw, kernel_id, protocol)
        try:
            for start in range(0, len(frames), BATCH):
                batch = frames[start : start + BATCH]
                for frame in batch:
                    await client.raw(frame)
                for i in range(len(batch)):
                    try:
                        error = await client.next(
                            lambda m: m["header"]["msg_type"] == "gateway_error", 10
                        )
                    except ConnectionError as e:  # closed: only ever with a reason
                        assert client.conn.close_reason, f"closed without a reason: {e}"
                        raise AssertionError(
                            f"{protocol!r} frame {start + i} closed: {e}"
                        ) from None
                    assert error["content"]["code"] and error["content"]["message"]
                total += len(batch)
            assert not client.backlog or all(
                m["channel"] == "iopub" and m["header"]["msg_type"] != "execute_reply"
                for m in client.backlog
            )  # nothing reached the kernel on this client's behalf
        finally:
            await client.close()
    elapsed = time.monotonic() - started
    assert total >= 5000
    assert elapsed < 60, f"{total} frames took {elapsed:.1f}s"
    assert gw.proc.poll() is None  # the gateway is up ...
    result = await witness.execute("print(fuzz_witness + 1)")  # ... and the kernel never died
    assert result.stdout() == "42\n"
    _, kernel = await __import__("gwtools").rest(gw, "GET", f"/api/kernels/{kernel_id}")
    assert kernel["execution_state"] != "dead"
    await witness.close()
