"""The ZMQ wire format agrees with jupyter_client's Session, both ways."""

from __future__ import annotations

import json

import pytest
from jupyter_client.session import Session

from gateway import wire
from gateway.message import from_dicts, new_header

KEY = b"secret-key"


def test_session_frames_verify_and_parse() -> None:
    session = Session(key=KEY)
    msg = session.msg("execute_reply", {"status": "ok"})
    frames = [b"ident", *session.serialize(msg)]
    parsed = wire.from_frames("shell", frames, wire.Signer(KEY))
    assert parsed.msg_type == "execute_reply" and json.loads(parsed.content) == {"status": "ok"}


def test_our_frames_are_accepted_by_session() -> None:
    msg = from_dicts("shell", new_header("kernel_info_request", "s"), {}, {}, {}, [b"x"])
    frames = wire.to_frames(msg, wire.Signer(KEY))
    back = Session(key=KEY).deserialize(frames[1:] if frames[0] == wire.DELIM else frames)
    assert back["header"]["msg_type"] == "kernel_info_request"
    assert [bytes(b) for b in back["buffers"]] == [b"x"]


def test_forged_signature_is_refused() -> None:
    session = Session(key=b"another-key")
    frames = session.serialize(session.msg("status", {"execution_state": "idle"}))
    with pytest.raises(wire.WireError, match="signature"):
        wire.from_frames("iopub", frames, wire.Signer(KEY))


@pytest.mark.parametrize(
    "frames", [[b"a", b"b"], [wire.DELIM, b"sig", b"{}", b"{}"]], ids=["no-delim", "short"]
)
def test_malformed_frames_are_refused(frames: list[bytes]) -> None:
    with pytest.raises(wire.WireError):
        wire.from_frames("shell", frames, wire.Signer(KEY))


def test_unsigned_sessions() -> None:
    signer = wire.Signer(b"")
    assert signer.sign([b"x"]) == b"" and signer.verify(b"", [b"x"])


def test_unknown_scheme() -> None:
    with pytest.raises(ValueError):
        wire.Signer(KEY, "hmac-nope")
