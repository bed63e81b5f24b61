"""Publishing comm events and per-cell messages on IOPub, batched in cascades.

ipykernel hands every IOPub message to its IOPub thread separately: one wake-up
of that thread (and a fight for the GIL) per message, which costs more than
building the message. During a cascade :class:`IOPubPublisher` therefore holds
what the runner publishes and hands it over in one go:

- every ``flush_ms`` milliseconds (a timer on the IOPub thread), or when
  ``max_entries`` status changes are waiting, or at the end of the cascade;
- and always *before any output message* of the kernel (the session calls
  :meth:`IOPubPublisher.before_output`, on whichever thread sends it), so a
  cell's ``running`` status and ``execute_input`` still precede its outputs.

Status changes are coalesced into one ``cell_statuses`` event per hand-over,
built and signed on the IOPub thread; a client that wants the per-cell
``cell_status`` events asks with ``configure {status_events: "per_cell"}``.
Every message goes through the IOPub thread's ordered queue, so whichever
thread hands a batch over, the order clients see is the order of publishing.
"""

from __future__ import annotations

import threading
from typing import Any

from jupyter_client.session import DELIM, Session, extract_header

from ..core.cells import Cell
from ..core.outputs import OUTPUT_MSG_TYPES
from ..core.protocol import (
    COMM_ID,
    StatusChange,
    cell_status_event,
    cell_statuses,
    status_change,
)


class _Collector:
    """Stands in for the IOPub socket while a batch is open: keeps frames."""

    __slots__ = ("frames",)

    def __init__(self) -> None:
        self.frames: list[Any] = []

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

    def __init__(
        self,
        session: Session,
        iopub_socket: Any,
        io_thread: Any,
        topic: Any,
        flush_ms: float = 5.0,
        max_entries: int = 500,
    ) -> None:
        self.session = session
        self.socket = iopub_socket
        self.io_thread = io_thread
        self.topic = topic
        self.flush_ms = flush_ms
        self.max_entries = max_entries
        self.status_events = "batched"
        """``batched`` (``cell_statuses``) or ``per_cell`` (``cell_status``)."""
        self.outputs_hooked = False
        """Set when the session calls :meth:`before_output`: then held messages
        need not be handed over before every cell, only before outputs."""
        self._lock = threading.Lock()
        self._batch: _Collector | None = None
        self._items: list[Any] = []
        """Held, in order: frames (lists) and status changes (tuples)."""
        self._entries = 0
        self._cascade: tuple[str, int, dict[str, Any]] | None = None
        self._armed = False

    # -- publishing --------------------------------------------------------------

    def _send(self, msg_type: str, content: dict[str, Any], parent: dict[str, Any]) -> None:
        batch = self._batch
        if batch is None:
            self.session.send(
                self.socket, msg_type, content, parent=parent, ident=self.topic(msg_type)
            )
            return
        if msg_type in OUTPUT_MSG_TYPES:  # the session shows outputs to the router
            self.session.send(batch, msg_type, content, parent=parent, ident=self.topic(msg_type))
            frames = batch.frames[0]
            batch.frames.clear()
        else:
            frames = self._frames(msg_type, content, extract_header(parent))
        with self._lock:
            self._items.append(frames)
            self._arm()

    def _frames(
        self, msg_type: str, content: dict[str, Any], parent_header: dict[str, Any]
    ) -> list[bytes]:
        """What ``Session.send`` would send, made directly.

        A cascade sends one ``execute_input`` per cell; ``Session.msg`` and
        ``serialize`` build and pack a full message dict for it, which costs
        more than the cell's own code. The wire format is the same: packed
        header, parent header, metadata and content, signed.
        """
        session = self.session
        pack = session.pack
        parts = [pack(session.msg_header(msg_type)), pack(parent_header), b"{}", pack(content)]
        return [self.topic(msg_type), DELIM, session.sign(parts), *parts]

    def event(self, data: dict[str, Any], parent: dict[str, Any]) -> None:
        """A ``reactive`` comm event."""
        self._send("comm_msg", {"comm_id": COMM_ID, "data": data}, parent)

    def iopub(self, msg_type: str, content: dict[str, Any], header: dict[str, Any]) -> None:
        """Any IOPub message whose parent header is ``header``."""
        self._send(msg_type, content, {"header": header})

    def status(
        self, cell: Cell, cascade_id: str, index: int, total: int, parent: dict[str, Any]
    ) -> None:
        """A cell's status changed during cascade ``cascade_id``.

        In a batch the change is held (a tuple; the event is built on the
        IOPub thread); otherwise a ``cell_status`` event goes out at once.
        """
        entry = status_change(cell, index)
        if self._batch is None:
            self.event(cell_status_event(entry, cascade_id, total), parent)
            return
        with self._lock:
            cascade = self._cascade
            if cascade is None or cascade[0] != cascade_id:
                if self._entries:
                    self._hand_over()
                self._cascade = (cascade_id, total, parent)
            self._items.append(entry)
            self._entries += 1
            if self._entries >= self.max_entries:
                self._hand_over()
            else:
                self._arm()

    # -- batches -----------------------------------------------------------------

    def start_batch(self) -> None:
        if self._batch is None and self._can_batch():
            self._batch = _Collector()

    def flush(self) -> None:
        """Hand what is held to the IOPub thread; keep batching."""
        if self._batch is None:
            return
        with self._lock:
            self._hand_over()

    def checkpoint(self) -> None:
        """A cell is about to run: without the output hook, flush now so its
        status and input precede its outputs; with it, keep holding."""
        if not self.outputs_hooked:
            self.flush()

    def end_batch(self) -> None:
        self.flush()
        self._batch = None
        with self._lock:
            self._cascade = None

    def before_output(self, stream: Any) -> None:
        """The session is about to send an output message on ``stream`` (any
        thread): what is held goes first."""
        if self._items and not isinstance(stream, _Collector):
            with self._lock:
                self._hand_over()

    def _can_batch(self) -> bool:
        thread = self.io_thread
        return hasattr(thread, "_really_send") and hasattr(thread, "schedule")

    # -- hand-over (called with the lock held) --------------------------------

    def _arm(self) -> None:
        """Make sure a timer hands the held items over within ``flush_ms``."""
        if self._armed or not self._items:
            return
        self._armed = True
        loop = self.io_thread.io_loop
        loop.add_callback(loop.call_later, self.flush_ms / 1000, self._on_timer)

    def _on_timer(self) -> None:
        with self._lock:
            self._armed = False
            self._hand_over()

    def _hand_over(self) -> None:
        items = self._items
        if not items:
            return
        self._items = []
        self._entries = 0
        cascade = self._cascade
        per_cell = self.status_events == "per_cell"
        self.io_thread.schedule(lambda: self._send_items(items, cascade, per_cell))

    def _send_items(
        self,
        items: list[Any],
        cascade: tuple[str, int, dict[str, Any]] | None,
        per_cell: bool,
    ) -> None:
        """On the IOPub thread: build the status events, send in order.

        The batched form puts the status changes first: a cell's ``running``
        (and a failed cell's ``error``) then precede its ``execute_input`` and
        error output, which is all the ordering clients rely on.
        """
        send = self.io_thread._really_send
        frames: list[Any] = []
        entries: list[StatusChange] = []
        if per_cell:
            for item in items:
                if isinstance(item, tuple):
                    assert cascade is not None
                    event = cell_status_event(item, cascade[0], cascade[1])
                    frames.append(self._event_frames(event, cascade))
                else:
                    frames.append(item)
        else:
            for item in items:
                (entries if isinstance(item, tuple) else frames).append(item)
            if entries:
                assert cascade is not None
                event = cell_statuses(entries, cascade[0], cascade[1])
                frames.insert(0, self._event_frames(event, cascade))
        for frame in frames:
            send(frame)

    def _event_frames(
        self, data: dict[str, Any], cascade: tuple[str, int, dict[str, Any]]
    ) -> list[bytes]:
        return self._frames("comm_msg", {"comm_id": COMM_ID, "data": data}, cascade[2]["header"])
