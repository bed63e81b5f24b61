"""Publishing comm events and per-cell messages on IOPub, batched in cascades.

ipykernel hands every IOPub message to its IOPub thread separately: one wake-up
of that thread (and a fight for the GIL) per message, which costs more than
building the message. During a cascade the kernel publishes three messages per
cell; :class:`IOPubPublisher` serializes them at once but hands them over in one
batch, flushed just before the cell's code runs (so a cell's ``running`` status
and ``execute_input`` always precede its outputs) and at the end of the cascade.
"""

from __future__ import annotations

from typing import Any

from jupyter_client.session import Session

from ..core.protocol import COMM_ID


class _Collector:
    """Stands in for the IOPub socket while a batch is open: keeps frames."""

    __slots__ = ("frames",)

    def __init__(self) -> None:
        self.frames: list[list[Any]] = []

    def send_multipart(self, msg: list[Any], *args: Any, **kwargs: Any) -> None:
        self.frames.append(msg)


def light_parent(parent: dict[str, Any]) -> dict[str, Any]:
    """The parent message reduced to a header whose date is already a string.

    Every message of a cascade carries the request's header as its parent;
    converting its datetime once instead of per message is a measurable share
    of the per-cell cost.
    """
    header = dict(parent.get("header") or {})
    date = header.get("date")
    if date is not None and not isinstance(date, str):
        header["date"] = date.isoformat()
    return {"header": header}


class IOPubPublisher:
    """Publishes under explicit parents, directly or in batches."""

    def __init__(self, session: Session, iopub_socket: Any, io_thread: Any, topic: Any) -> None:
        self.session = session
        self.socket = iopub_socket
        self.io_thread = io_thread
        self.topic = topic
        self._batch: _Collector | None = None

    def _send(self, msg_type: str, content: dict[str, Any], parent: dict[str, Any]) -> None:
        stream = self._batch if self._batch is not None else self.socket
        self.session.send(stream, msg_type, content, parent=parent, ident=self.topic(msg_type))

    def event(self, data: dict[str, Any], parent: dict[str, Any]) -> None:
        """A ``reactive`` comm event."""
        self._send("comm_msg", {"comm_id": COMM_ID, "data": data}, parent)

    def iopub(self, msg_type: str, content: dict[str, Any], header: dict[str, Any]) -> None:
        """Any IOPub message whose parent header is ``header``."""
        self._send(msg_type, content, {"header": header})

    def start_batch(self) -> None:
        if self._batch is None and self._can_batch():
            self._batch = _Collector()

    def flush(self) -> None:
        """Hand the batch to the IOPub thread in one go; keep batching."""
        batch = self._batch
        if batch is None or not batch.frames:
            return
        frames, batch.frames = batch.frames, []
        send = self.io_thread._really_send
        self.io_thread.schedule(lambda: [send(f) for f in frames])

    def end_batch(self) -> None:
        self.flush()
        self._batch = None

    def _can_batch(self) -> bool:
        thread = self.io_thread
        return hasattr(thread, "_really_send") and hasattr(thread, "schedule")
