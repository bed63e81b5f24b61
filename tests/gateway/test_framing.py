"""Framing is pure: bytes in, frames out, checked against jupyter_server's own functions."""

from __future__ import annotations

import json
import struct
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_server.services.kernels.connection.base import (
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)

from gateway import framing
from gateway.framing import JSON, MSGPACK, V1, FrameError
from gateway.message import Message, dumps, from_dicts, gateway_error, status_message
from gateway.websocket import server_frame

HEADER = {
    "msg_id": "m1",
    "msg_type": "execute_request",
    "session": "s",
    "username": "u",
    "date": "2026-01-01T00:00:00Z",
    "version": "5.3",
}


def kernel_msg(buffers: list[bytes] | None = None, channel: str = "iopub") -> Message:
    return from_dicts(
        channel,
        {**HEADER, "msg_type": "stream", "msg_id": "k1"},
        HEADER,
        {"m": 1},
        {"name": "stdout", "text": "héllo\n"},
        buffers,
    )


def client_dict(**over: Any) -> dict[str, Any]:
    msg = {
        "channel": "shell",
        "header": HEADER,
        "parent_header": {},
        "metadata": {},
        "content": {"code": "1"},
        "buffers": [],
    }
    msg.update(over)
    return msg


# -- outgoing ------------------------------------------------------------------------


def test_json_text_frame_is_jupyter_servers_shape() -> None:
    payload, binary = framing.encode(kernel_msg(), JSON)
    assert not binary
    obj = json.loads(payload)
    assert obj == {
        "header": {**HEADER, "msg_type": "stream", "msg_id": "k1"},
        "msg_id": "k1",
        "msg_type": "stream",
        "parent_header": HEADER,
        "metadata": {"m": 1},
        "content": {"name": "stdout", "text": "héllo\n"},
        "buffers": [],
        "channel": "iopub",
    }


def test_json_binary_frame_decodes_with_jupyter_server() -> None:
    payload, binary = framing.encode(kernel_msg([b"\x00\x01", b"abc"]), JSON)
    assert binary
    msg = deserialize_binary_message(payload)
    assert msg["buffers"] == [b"\x00\x01", b"abc"]
    assert msg["channel"] == "iopub" and msg["content"]["text"] == "héllo\n"


def test_v1_frame_is_byte_identical_to_jupyter_server() -> None:
    msg = kernel_msg([b"buf"])
    payload, binary = framing.encode(msg, V1)
    assert binary
    assert payload == serialize_msg_to_ws_v1([*msg.parts, b"buf"], "iopub")
    channel, parts = deserialize_msg_from_ws_v1(payload)
    assert channel == "iopub" and parts == [*msg.parts, b"buf"]


def test_msgpack_frame_mirrors_the_json_documents() -> None:
    payload, binary = framing.encode(kernel_msg([b"\xff"]), MSGPACK)
    obj = msgpack.unpackb(payload, raw=False)
    assert binary and obj["channel"] == "iopub" and obj["buffers"] == [b"\xff"]
    assert obj["content"] == {"name": "stdout", "text": "héllo\n"}
    assert obj["parent_header"] == HEADER


def test_encodings_are_cached_per_protocol() -> None:
    msg = kernel_msg()
    first = framing.encode(msg, V1)
    assert framing.encode(msg, V1) is first
    assert set(msg.cache) == {V1}


def test_gateway_messages() -> None:
    err = gateway_error("bad_json", "no", "sess", HEADER)
    obj = json.loads(framing.encode(err, JSON)[0])
    assert obj["msg_type"] == "gateway_error" and obj["channel"] == "iopub"
    assert obj["content"] == {"code": "bad_json", "message": "no"}
    assert obj["parent_header"]["msg_id"] == "m1"
    status = json.loads(framing.encode(status_message("dead", "s"), JSON)[0])
    assert status["content"] == {"execution_state": "dead"}


# -- incoming --------------------------------------------------------------------------


def test_decode_json_text() -> None:
    msg = framing.decode(json.dumps(client_dict()), JSON)
    assert msg.channel == "shell" and msg.msg_id == "m1" and msg.msg_type == "execute_request"
    assert json.loads(msg.content) == {"code": "1"} and msg.buffers == []


def test_decode_json_without_channel_defaults_to_shell() -> None:
    data = client_dict()
    del data["channel"]
    assert framing.decode(json.dumps(data), JSON).channel == "shell"


def test_decode_json_binary_from_jupyter_server() -> None:
    payload = serialize_binary_message(client_dict(buffers=[b"a", b"bc"]))
    msg = framing.decode(payload, JSON)
    assert msg.buffers == [b"a", b"bc"] and msg.msg_id == "m1"


def test_decode_v1_from_jupyter_server() -> None:
    parts = [dumps(HEADER), b"{}", b"{}", dumps({"code": "x"}), b"raw"]
    msg = framing.decode(serialize_msg_to_ws_v1(parts, "control"), V1)
    assert msg.channel == "control" and msg.parts == parts[:4] and msg.buffers == [b"raw"]


def test_decode_msgpack() -> None:
    msg = framing.decode(msgpack.packb(client_dict(buffers=[b"\x00"])), MSGPACK)
    assert msg.msg_id == "m1" and msg.buffers == [b"\x00"]


def v1(parts: list[bytes], channel: str = "shell") -> bytes:
    return framing.pack_v1(channel, parts)


GOOD_PARTS = [dumps(HEADER), b"{}", b"{}", b"{}"]

BAD_FRAMES: list[tuple[str, Any, str]] = [
    (JSON, "not json", "bad_json"),
    (JSON, "[1, 2]", "bad_message"),
    (JSON, json.dumps({"channel": "shell", "content": {}}), "bad_header"),
    (JSON, json.dumps(client_dict(header={"msg_id": "x"})), "bad_header"),
    (JSON, json.dumps(client_dict(header={**HEADER, "msg_id": 5})), "bad_header"),
    (JSON, json.dumps(client_dict(channel="iopub")), "unknown_channel"),
    (JSON, json.dumps(client_dict(channel="nope")), "unknown_channel"),
    (JSON, json.dumps(client_dict(content=[1])), "bad_message"),
    (JSON, b"\x00\x00", "bad_frame"),
    (JSON, struct.pack("!II", 0, 8), "bad_offsets"),
    (JSON, struct.pack("!III", 2, 12, 999) + b"{}", "bad_offsets"),
    (JSON, struct.pack("!II", 1, 2) + b"{}", "bad_offsets"),
    (JSON, struct.pack("!II", 1, 8) + b"\xff\xfe", "bad_json"),
    (V1, "text frame", "bad_frame"),
    (V1, b"\x01", "bad_layout"),
    (V1, struct.pack("<Q", 10**9), "bad_offsets"),
    (V1, v1(GOOD_PARTS) + b"trailing", "bad_offsets"),
    (V1, v1(GOOD_PARTS[:3]), "bad_layout"),
    (V1, v1([b"nope", b"{}", b"{}", b"{}"]), "bad_json"),
    (V1, v1([b"[]", b"{}", b"{}", b"{}"]), "bad_message"),
    (V1, v1([b"{}", b"{}", b"{}", b"{}"]), "bad_header"),
    (V1, v1(GOOD_PARTS, channel="iopub"), "unknown_channel"),
    (V1, v1(GOOD_PARTS, channel="x").replace(b"x{", b"\xff{", 1), "bad_layout"),
    (MSGPACK, b"\xc1", "bad_msgpack"),
    (MSGPACK, msgpack.packb([1]), "bad_message"),
    (MSGPACK, msgpack.packb(client_dict(buffers="x")), "bad_message"),
    (MSGPACK, msgpack.packb(client_dict(content={"b": b"\x00"})), "bad_message"),
    (MSGPACK, msgpack.packb(client_dict(header=None)), "bad_header"),
    (MSGPACK, "text frame", "bad_frame"),
]


@pytest.mark.parametrize(("protocol", "data", "code"), BAD_FRAMES)
def test_bad_frames_are_refused_with_a_code(protocol: str, data: Any, code: str) -> None:
    with pytest.raises(FrameError) as info:
        framing.decode(data, protocol)
    assert info.value.code == code
    assert info.value.message


def test_v1_offsets_out_of_order() -> None:
    good = bytearray(v1(GOOD_PARTS))
    # swap the 2nd and 3rd offsets
    a, b = good[16:24], good[24:32]
    good[16:24], good[24:32] = b, a
    with pytest.raises(FrameError) as info:
        framing.decode(bytes(good), V1)
    assert info.value.code == "bad_offsets"


def test_frame_error_carries_the_header_when_readable() -> None:
    with pytest.raises(FrameError) as info:
        framing.decode(json.dumps(client_dict(channel="iopub")), JSON)
    assert info.value.header is not None and info.value.header["msg_id"] == "m1"


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [([], None), (["x"], None), ([V1], V1), ([MSGPACK, V1], MSGPACK), (["x", V1, MSGPACK], V1)],
)
def test_subprotocol_is_the_clients_first_supported(offered: list[str], chosen: Any) -> None:
    assert framing.choose_subprotocol(offered) == chosen


@pytest.mark.parametrize(
    ("payload", "binary", "head"),
    [
        (b"Hello", False, b"\x81\x05"),
        (b"x" * 125, True, b"\x82\x7d"),
        (b"x" * 256, True, b"\x82\x7e\x01\x00"),
        (b"x" * 65536, True, b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
    ],
)
def test_server_frames_follow_rfc_6455(payload: bytes, binary: bool, head: bytes) -> None:
    """Unmasked single frames (RFC 6455 section 5.7's "Hello" and the length forms)."""
    assert server_frame(payload, binary) == head + payload


# -- properties -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=5)


@settings(max_examples=100, deadline=None)
@given(
    content=json_objects,
    metadata=json_objects,
    buffers=st.lists(st.binary(max_size=32), max_size=3),
    channel=st.sampled_from(sorted(framing.CLIENT_CHANNELS)),
    protocol=st.sampled_from([JSON, V1, MSGPACK]),
)
def test_what_a_client_encodes_the_gateway_decodes(
    content: dict[str, Any],
    metadata: dict[str, Any],
    buffers: list[bytes],
    channel: str,
    protocol: str,
) -> None:
    """A message framed for the client side survives decode -> encode unchanged."""
    original = from_dicts(channel, HEADER, {}, metadata, content, buffers)
    payload, binary = framing.encode(original, protocol)
    decoded = framing.decode(payload if binary else payload.decode(), protocol)
    assert decoded.channel == channel and decoded.buffers == buffers
    assert [json.loads(p) for p in decoded.parts] == [json.loads(p) for p in original.parts]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), protocol=st.sampled_from([JSON, V1, MSGPACK]))
def test_arbitrary_bytes_only_ever_raise_frame_error(data: bytes, protocol: str) -> None:
    try:
        framing.decode(data, protocol)
    except FrameError:
        pass
