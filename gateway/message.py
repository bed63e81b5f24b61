"""The one in-memory form of a Jupyter message inside the gateway.

A kernel message crosses the gateway as four JSON documents (header, parent
header, metadata, content) plus binary buffers, exactly as the ZMQ wire
protocol carries them. :class:`Message` keeps those parts as *bytes*, so a
message read from the kernel can be re-framed for a WebSocket without being
decoded and re-encoded; only the header (and, when a reply must be routed,
the parent header) is ever parsed. Each WebSocket encoding is computed once
per message and cached, so fanning one IOPub message out to many clients of
the same protocol costs one encoding.

This module is pure: no sockets, no event loop.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

PROTOCOL_VERSION = "5.3"
GATEWAY_USERNAME = "reactive-gateway"


def dumps(obj: Any) -> bytes:
    """JSON the way jupyter_client's Session packs it (UTF-8, no NaN)."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


@dataclass(slots=True, eq=False)
class Message:
    """One Jupyter message on one channel.

    ``header``, ``parent_header``, ``metadata`` and ``content`` are JSON
    documents (bytes). ``cache`` holds the WebSocket encodings already built,
    keyed by protocol; callers must not mutate the parts after encoding.
    """

    channel: str
    header: bytes
    parent_header: bytes
    metadata: bytes
    content: bytes
    buffers: list[bytes] = field(default_factory=list)
    cache: dict[str, tuple[bytes, bool]] = field(default_factory=dict)
    _header: dict[str, Any] | None = None
    _parent: dict[str, Any] | None = None

    @property
    def parts(self) -> list[bytes]:
        """The four JSON parts in wire order."""
        return [self.header, self.parent_header, self.metadata, self.content]

    @property
    def header_dict(self) -> dict[str, Any]:
        if self._header is None:
            value = json.loads(self.header)
            self._header = value if isinstance(value, dict) else {}
        return self._header

    @property
    def parent_dict(self) -> dict[str, Any]:
        if self._parent is None:
            value = json.loads(self.parent_header) if self.parent_header else {}
            self._parent = value if isinstance(value, dict) else {}
        return self._parent

    @property
    def msg_id(self) -> str:
        return str(self.header_dict.get("msg_id", ""))

    @property
    def msg_type(self) -> str:
        return str(self.header_dict.get("msg_type", ""))

    @property
    def parent_msg_id(self) -> str:
        return str(self.parent_dict.get("msg_id", ""))

    def content_dict(self) -> dict[str, Any]:
        """The decoded content (not cached: only status messages need it)."""
        value = json.loads(self.content)
        return value if isinstance(value, dict) else {}


def from_dicts(
    channel: str,
    header: dict[str, Any],
    parent_header: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    content: dict[str, Any] | None = None,
    buffers: list[bytes] | None = None,
) -> Message:
    """Build a :class:`Message` from decoded parts (the header is kept parsed)."""
    msg = Message(
        channel,
        dumps(header),
        dumps(parent_header or {}),
        dumps(metadata or {}),
        dumps(content or {}),
        list(buffers or []),
    )
    msg._header = header
    msg._parent = parent_header or {}
    return msg


def new_header(msg_type: str, session: str) -> dict[str, Any]:
    """A fresh header for a message the gateway itself originates."""
    return {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": GATEWAY_USERNAME,
        "session": session,
        "date": datetime.now(timezone.utc).isoformat(),
        "version": PROTOCOL_VERSION,
    }


def status_message(state: str, session: str) -> Message:
    """An IOPub ``status`` the gateway sends on the kernel's behalf.

    Used for ``dead`` and ``restarting``, which the kernel cannot announce
    itself (jupyter_server sends the same two for the same reasons).
    """
    return from_dicts("iopub", new_header("status", session), {}, {}, {"execution_state": state})


GATEWAY_ERROR = "gateway_error"


def gateway_error(
    code: str, text: str, session: str, parent: dict[str, Any] | None = None
) -> Message:
    """An IOPub ``gateway_error`` telling one client its frame was refused.

    ``content`` is ``{"code": <machine code>, "message": <one sentence>}``;
    ``parent_header`` is the refused message's header when it could be read,
    so the client can tell which request failed.
    """
    return from_dicts(
        "iopub",
        new_header(GATEWAY_ERROR, session),
        parent or {},
        {},
        {"code": code, "message": text},
    )
