"""The Jupyter ZMQ wire format: frames in, :class:`Message` out, and back.

``[identities..., b"<IDS|MSG>", signature, header, parent_header, metadata,
content, buffers...]`` with an HMAC over the four JSON parts (the kernel's
connection file names the key and the scheme). Messages whose signature does
not match are refused: the kernel's sockets are reachable by anything on the
host, and the gateway must not forward a forged message to browsers.

Pure: the bridge feeds frames in and sends the frames this returns.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from .message import Message

DELIM = b"<IDS|MSG>"


class WireError(ValueError):
    """Frames that are not a valid, correctly signed Jupyter message."""


class Signer:
    """HMAC signing as jupyter_client's Session does it.

    ``scheme`` is ``hmac-<hashlib name>`` (``hmac-sha256`` in practice); an
    empty key means messages are not signed (signature ``b""``).
    """

    def __init__(self, key: bytes, scheme: str = "hmac-sha256") -> None:
        if not scheme.startswith("hmac-"):
            raise ValueError(f"unsupported signature scheme {scheme!r}")
        digest = getattr(hashlib, scheme[len("hmac-") :], None)
        if digest is None:
            raise ValueError(f"unsupported signature scheme {scheme!r}")
        self._auth = hmac.new(key, digestmod=digest) if key else None

    def sign(self, parts: Sequence[bytes]) -> bytes:
        if self._auth is None:
            return b""
        h = self._auth.copy()
        for part in parts:
            h.update(part)
        return h.hexdigest().encode("ascii")

    def verify(self, signature: bytes, parts: Sequence[bytes]) -> bool:
        if self._auth is None:
            return True
        return hmac.compare_digest(signature, self.sign(parts))


def split(frames: Sequence[bytes]) -> tuple[list[bytes], bytes, list[bytes], list[bytes]]:
    """``(identities, signature, four JSON parts, buffers)`` of raw frames."""
    try:
        at = list(frames).index(DELIM)
    except ValueError:
        raise WireError("no <IDS|MSG> delimiter") from None
    rest = list(frames[at + 1 :])
    if len(rest) < 5:
        raise WireError(f"expected signature and 4 parts after the delimiter, got {len(rest)}")
    return list(frames[:at]), bytes(rest[0]), [bytes(p) for p in rest[1:5]], rest[5:]


def from_frames(channel: str, frames: Sequence[bytes], signer: Signer) -> Message:
    """Verify and wrap frames read from a kernel socket."""
    _, signature, parts, buffers = split(frames)
    if not signer.verify(signature, parts):
        raise WireError("invalid message signature")
    return Message(channel, parts[0], parts[1], parts[2], parts[3], [bytes(b) for b in buffers])


def to_frames(msg: Message, signer: Signer) -> list[bytes]:
    """Frames to send to a kernel's DEALER socket (no identities needed)."""
    parts = msg.parts
    return [DELIM, signer.sign(parts), *parts, *msg.buffers]
