"""WebSocket framings of Jupyter messages: pure functions, bytes in, frames out.

Three framings, chosen per connection by WebSocket subprotocol:

``""`` (no subprotocol): jupyter_server's legacy JSON form. A text frame is
    one JSON object with ``header``, ``parent_header``, ``metadata``,
    ``content``, ``buffers`` and ``channel``. A message with binary buffers is
    a binary frame laid out as jupyter_server's ``serialize_binary_message``:
    ``uint32 BE nbufs``, ``nbufs`` offsets (``uint32 BE``, from the frame's
    start), then the JSON (without ``buffers``) and each buffer.

``v1.kernel.websocket.jupyter.org``: jupyter_server's
    ``serialize_msg_to_ws_v1``: ``uint64 LE n``, then ``n`` offsets
    (``uint64 LE``) delimiting the channel name and each part; parts are the
    raw header, parent header, metadata and content JSON, then buffers. Kernel
    messages go out without being decoded at all.

``msgpack.reactive.v1`` (ours): each binary frame is one msgpack map
    ``{"channel", "header", "parent_header", "metadata", "content",
    "buffers"}``; maps mirror the JSON documents, buffers are msgpack ``bin``.

Client frames are validated completely (a kernel never receives a message the
gateway could not parse): any defect raises :class:`FrameError` with a machine
code and one sentence, which the handler sends back to that client.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import msgpack  # type: ignore[import-untyped]

from .message import Message, dumps

JSON = ""
V1 = "v1.kernel.websocket.jupyter.org"
MSGPACK = "msgpack.reactive.v1"
SUBPROTOCOLS = (V1, MSGPACK)
CLIENT_CHANNELS = frozenset({"shell", "control", "stdin"})


class FrameError(ValueError):
    """A client frame the gateway refuses; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str, header: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.header = _echoable(header)


def _echoable(header: dict[str, Any] | None) -> dict[str, Any] | None:
    """The scalar fields of a refused header, to echo as the error's parent header:
    a field that JSON cannot carry (msgpack ``bin``, a nested document) is left out,
    so the answer can always be built."""
    if not isinstance(header, dict):
        return None
    return {
        k: v
        for k, v in header.items()
        if isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
    }


def choose_subprotocol(offered: Sequence[str]) -> str | None:
    """The first subprotocol the client offers that we speak (its order is its
    preference); ``None`` selects the legacy JSON form."""
    for name in offered:
        if name in SUBPROTOCOLS:
            return name
    return None


# -- outgoing: kernel message -> frame -------------------------------------------


def encode(msg: Message, protocol: str) -> tuple[bytes, bool]:
    """``(payload, is_binary)`` for one client protocol, cached on the message."""
    cached = msg.cache.get(protocol)
    if cached is None:
        cached = _ENCODERS[protocol](msg)
        msg.cache[protocol] = cached
    return cached


def _json_body(msg: Message, with_buffers_key: bool) -> bytes:
    """The legacy JSON object, built from the raw parts without re-encoding them."""
    header = msg.header_dict
    return b"".join(
        (
            b'{"header":',
            msg.header,
            b',"msg_id":',
            dumps(header.get("msg_id", "")),
            b',"msg_type":',
            dumps(header.get("msg_type", "")),
            b',"parent_header":',
            msg.parent_header or b"{}",
            b',"metadata":',
            msg.metadata or b"{}",
            b',"content":',
            msg.content or b"{}",
            b',"buffers":[]' if with_buffers_key else b"",
            b',"channel":',
            dumps(msg.channel),
            b"}",
        )
    )


def encode_json(msg: Message) -> tuple[bytes, bool]:
    if not msg.buffers:
        return _json_body(msg, True), False
    return pack_binary_json(_json_body(msg, False), msg.buffers), True


def encode_v1(msg: Message) -> tuple[bytes, bool]:
    return pack_v1(msg.channel, [*msg.parts, *msg.buffers]), True


def encode_msgpack(msg: Message) -> tuple[bytes, bool]:
    body = {
        "channel": msg.channel,
        "header": msg.header_dict,
        "parent_header": msg.parent_dict,
        "metadata": json.loads(msg.metadata) if msg.metadata else {},
        "content": json.loads(msg.content) if msg.content else {},
        "buffers": [bytes(b) for b in msg.buffers],
    }
    return msgpack.packb(body, use_bin_type=True), True


_ENCODERS: dict[str, Callable[[Message], tuple[bytes, bool]]] = {
    JSON: encode_json,
    V1: encode_v1,
    MSGPACK: encode_msgpack,
}


def pack_binary_json(body: bytes, buffers: Sequence[bytes]) -> bytes:
    """jupyter_server's ``serialize_binary_message`` layout."""
    blobs = [body, *buffers]
    offsets = [4 * (len(blobs) + 1)]
    for blob in blobs[:-1]:
        offsets.append(offsets[-1] + len(blob))
    return struct.pack(f"!{len(blobs) + 1}I", len(blobs), *offsets) + b"".join(blobs)


def pack_v1(channel: str, parts: Sequence[bytes]) -> bytes:
    """jupyter_server's ``serialize_msg_to_ws_v1`` layout."""
    name = channel.encode()
    offsets = [8 * (1 + 1 + len(parts) + 1)]
    offsets.append(offsets[-1] + len(name))
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    head = struct.pack(f"<{len(offsets) + 1}Q", len(offsets), *offsets)
    return b"".join((head, name, *parts))


# -- incoming: frame -> message ----------------------------------------------------


def decode(data: bytes | str, protocol: str) -> Message:
    """Validate one client frame and return the message it carries."""
    if protocol == JSON:
        return decode_json(data)
    if isinstance(data, str):
        raise FrameError("bad_frame", f"the {protocol} subprotocol takes binary frames only")
    if protocol == V1:
        return decode_v1(data)
    if protocol == MSGPACK:
        return decode_msgpack(data)
    raise FrameError("bad_protocol", f"unknown subprotocol {protocol!r}")


def decode_json(data: bytes | str) -> Message:
    """Legacy form: a JSON text frame, or the binary form with buffers."""
    buffers: list[bytes] = []
    if isinstance(data, bytes):
        blobs = unpack_binary_json(data)
        data, buffers = blobs[0], blobs[1:]
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise FrameError("bad_json", "the frame is not valid JSON") from None
    except RecursionError:
        raise FrameError("too_deep", "the frame's JSON is nested too deeply") from None
    if not isinstance(obj, dict):
        raise FrameError("bad_message", "a message must be a JSON object")
    return _from_mapping(obj, buffers)


def unpack_binary_json(data: bytes) -> list[bytes]:
    """Inverse of :func:`pack_binary_json`, checking every offset."""
    if len(data) < 8:
        raise FrameError("bad_frame", "binary frame shorter than its offset table")
    (count,) = struct.unpack_from("!I", data)
    table = 4 * (count + 1)
    if count < 1 or table > len(data):
        raise FrameError("bad_offsets", f"binary frame declares {count} parts it cannot hold")
    offsets = [*struct.unpack_from(f"!{count}I", data, 4), len(data)]
    if offsets[0] < table or any(a > b for a, b in pairwise(offsets)):
        raise FrameError("bad_offsets", "binary frame offsets are out of order or out of range")
    return [data[a:b] for a, b in pairwise(offsets)]


def decode_v1(data: bytes) -> Message:
    channel, parts = unpack_v1(data)
    if len(parts) < 4:
        raise FrameError("bad_layout", f"a v1 frame needs 4 JSON parts, got {len(parts)}")
    docs = [_json_doc(name, part) for name, part in zip(_PART_NAMES, parts[:4], strict=True)]
    header = _check_header(docs[0])
    _check_channel(channel, header)
    msg = Message(channel, parts[0], parts[1], parts[2], parts[3], list(parts[4:]))
    msg._header = header
    msg._parent = docs[1]
    return msg


def unpack_v1(data: bytes) -> tuple[str, list[bytes]]:
    """Inverse of :func:`pack_v1`, checking the layout and every offset."""
    if len(data) < 8:
        raise FrameError("bad_layout", "v1 frame shorter than its offset count")
    (count,) = struct.unpack_from("<Q", data)
    table = 8 * (count + 1)
    if count < 2 or table > len(data):
        raise FrameError("bad_offsets", f"v1 frame declares {count} offsets it cannot hold")
    offsets = list(struct.unpack_from(f"<{count}Q", data, 8))
    if offsets[0] != table or offsets[-1] != len(data):
        raise FrameError("bad_offsets", "v1 offsets do not span the frame")
    if any(a > b for a, b in pairwise(offsets)):
        raise FrameError("bad_offsets", "v1 offsets are out of order")
    try:
        channel = data[offsets[0] : offsets[1]].decode()
    except UnicodeDecodeError:
        raise FrameError("bad_layout", "v1 channel name is not UTF-8") from None
    return channel, [data[a:b] for a, b in pairwise(offsets[1:])]


def decode_msgpack(data: bytes) -> Message:
    try:
        obj = msgpack.unpackb(data, raw=False)
    except Exception:
        raise FrameError("bad_msgpack", "the frame is not a valid msgpack document") from None
    if not isinstance(obj, dict):
        raise FrameError("bad_message", "a message must be a msgpack map")
    buffers = obj.get("buffers") or []
    if not isinstance(buffers, list) or not all(isinstance(b, bytes) for b in buffers):
        raise FrameError("bad_message", "buffers must be a list of msgpack bin values")
    return _from_mapping(obj, buffers)


_PART_NAMES = ("header", "parent_header", "metadata", "content")


def _from_mapping(obj: dict[str, Any], buffers: list[bytes]) -> Message:
    header = obj.get("header")
    if not isinstance(header, dict):
        raise FrameError("bad_header", "the message has no header object")
    header = _check_header(header)
    channel = obj.get("channel")
    if channel is None:
        channel = "shell"  # as jupyter_server does
    _check_channel(channel, header)
    docs: list[bytes] = []
    for name in _PART_NAMES:
        value = obj.get(name)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise FrameError("bad_message", f"{name} must be an object", header)
        try:
            docs.append(dumps(value))
        except (TypeError, ValueError, RecursionError):
            raise FrameError("bad_message", f"{name} is not JSON-serializable", header) from None
    msg = Message(channel, docs[0], docs[1], docs[2], docs[3], buffers)
    msg._header = header
    msg._parent = obj.get("parent_header") or {}
    return msg


def _json_doc(name: str, part: bytes) -> dict[str, Any]:
    try:
        value = json.loads(part)
    except (ValueError, UnicodeDecodeError):
        raise FrameError("bad_json", f"the {name} part is not valid JSON") from None
    except RecursionError:
        raise FrameError("too_deep", f"the {name} part is nested too deeply") from None
    if not isinstance(value, dict):
        raise FrameError("bad_message", f"the {name} part must be a JSON object")
    return value


def _check_header(header: dict[str, Any]) -> dict[str, Any]:
    for key in ("msg_id", "msg_type"):
        if not isinstance(header.get(key), str) or not header[key]:
            raise FrameError("bad_header", f"the header has no {key} string", header)
    return header


def _check_channel(channel: Any, header: dict[str, Any]) -> None:
    if not isinstance(channel, str) or channel not in CLIENT_CHANNELS:
        raise FrameError(
            "unknown_channel",
            f"channel {str(channel)[:40]!r} is not one of {', '.join(sorted(CLIENT_CHANNELS))}",
            header,
        )
