"""The kernel channels WebSocket: ``/api/kernels/{id}/channels``.

Each connection is one :class:`WebSocketClient` attached to the kernel's
bridge. Frames are decoded by :mod:`gateway.framing` in the protocol the
client chose (legacy JSON, ``v1.kernel.websocket.jupyter.org`` or
``msgpack.reactive.v1``); a frame that does not decode gets a
``gateway_error`` message back and nothing reaches the kernel.

Sending is bounded per client and for the whole gateway: bytes queued for a
client but not yet written to its socket are counted; a client that lets more
than ``max_client_buffer`` pile up is closed with code 1008 and a reason
saying so, and when all clients together would hold more than
``max_buffered_bytes`` (:mod:`gateway.budget`), the clients furthest behind
are closed first (1008, saying so), never one that keeps up. Fan-out never
awaits a client. Frames are built here (:func:`server_frame`) once per message
and protocol and shared by every client (tornado keeps large writes by
reference), so N clients waiting for the same output hold one copy of it;
small frames delivered to a client in one turn leave in one write.

Close codes: 1000 kernel or session shut down; 1001 gateway shutting down;
1008 too slow, or too many malformed frames; 1009 frame over
``max_message_size`` (tornado's own check).
"""

from __future__ import annotations

import asyncio
import logging
import struct
import uuid
from asyncio import Future
from functools import partial
from typing import Any

from tornado import web
from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketHandler

from . import framing
from .auth import check_token, origin_allowed, token_from
from .budget import OutputBudget
from .handlers import KERNEL_ID
from .kernels import KernelUnavailable, ManagedKernel
from .message import Message, gateway_error
from .services import Services

log = logging.getLogger("gateway.websocket")

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
COALESCE = 64 * 1024  # frames up to this size are joined into one write; larger go as they are


def server_frame(payload: bytes, binary: bool) -> bytes:
    """One unmasked, unfragmented RFC 6455 data frame (what a server sends)."""
    first = 0x82 if binary else 0x81
    n = len(payload)
    if n < 126:
        return struct.pack("!BB", first, n) + payload
    if n <= 0xFFFF:
        return struct.pack("!BBH", first, 126, n) + payload
    return struct.pack("!BBQ", first, 127, n) + payload


class WebSocketClient:
    """One browser (or other) connection, as the bridge sees it.

    Frames delivered during one turn of the event loop are written with one
    ``write`` (one syscall) at the end of the turn: the bridge drains every
    ready kernel message before yielding, so a burst of IOPub costs each
    client one send, not one per message.
    """

    def __init__(
        self,
        handler: ChannelsHandler,
        protocol: str,
        session_id: str,
        limit: int,
        budget: OutputBudget | None = None,
        peers: set[Any] | None = None,
    ):
        self.handler = handler
        self.protocol = protocol
        self.session_id = session_id
        self.limit = limit
        self.budget = budget or OutputBudget(0)
        self.peers = peers if peers is not None else set()  # every client, for the budget
        self.pending = 0  # bytes handed to the stream, not yet on the socket
        self.closed = False
        self.bad_frames = 0
        self._outbox: list[bytes] = []
        self._queued = 0
        self._loop = asyncio.get_running_loop()
        self.stalled = 0  # bytes queued since its socket last took a write

    @property
    def backlog(self) -> int:
        """Bytes queued for this client and not yet on its socket."""
        return self.pending + self._queued

    def deliver(self, msg: Message) -> None:
        if self.closed:
            return
        try:
            frame = _shared_frame(msg, self.protocol)
        except (ValueError, TypeError) as e:  # a kernel message this framing cannot carry
            log.warning("not sent to client %s: %s message: %s", self.session_id, msg.msg_type, e)
            return
        size = len(frame)
        if self.backlog + size > self.limit:
            self.close(
                CLOSE_POLICY,
                f"client too slow: more than {self.limit} bytes waiting to be sent",
            )
            return
        if self.budget.exceeded_by(size) > 0:
            for laggard in self.budget.laggards(self.peers, size):
                laggard.close(
                    CLOSE_POLICY,
                    f"gateway output budget exceeded: furthest behind ({laggard.backlog} bytes"
                    f" waiting of {self.budget.limit} for all clients)",
                )
            if self.closed:
                return
        if not self._outbox:
            self._loop.call_soon(self._flush)
        self._outbox.append(frame)
        self._queued += size
        self.stalled += size
        self.budget.charge(size)

    def _flush(self) -> None:
        frames, self._outbox, size, self._queued = self._outbox, [], self._queued, 0
        connection = self.handler.ws_connection
        stream = getattr(connection, "stream", None)  # tornado's WebSocketProtocol13.stream
        if self.closed or not frames or connection is None or connection.is_closing():
            stream = None
        if stream is None:
            if not self._released:  # (a closed client's bytes were released on closing)
                self.budget.release(size)
            return
        # whole frames only, so tornado's own pings and close frame interleave safely;
        # small ones joined (one syscall), large ones passed as they are (shared, no copy)
        writes: list[bytes] = []
        small: list[bytes] = []
        for frame in frames:
            if len(frame) <= COALESCE:
                small.append(frame)
                continue
            if small:
                writes.append(b"".join(small))
                small = []
            writes.append(frame)
        if small:
            writes.append(b"".join(small))
        for i, chunk in enumerate(writes):
            try:
                future = stream.write(chunk)
            except StreamClosedError:
                self.budget.release(sum(len(c) for c in writes[i:]))
                self._release()
                return
            self.pending += len(chunk)
            future.add_done_callback(partial(self._written, size=len(chunk)))

    def _written(self, future: Future[None], size: int) -> None:
        self.pending -= size
        if not self._released:
            self.budget.release(size)
        if not future.cancelled() and future.exception() is None:
            self.stalled = 0
        # (an exception is consumed here: a closed stream is handled by on_close)

    _released = False

    def _release(self) -> None:
        """Closed: what it still holds no longer counts against the budget (tornado
        frees it when the connection ends, within its close timeout)."""
        self.closed = True
        if not self._released:
            self._released = True
            self.budget.release(self.backlog)

    def error(self, code: str, text: str, parent: dict[str, Any] | None = None) -> None:
        """Tell this client (only) that its frame was refused."""
        self.deliver(gateway_error(code, text, self.session_id or "gateway", parent))

    def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self._release()
        log.info("closing client %s: %s %s", self.session_id, code, reason)
        # a close frame's reason is at most 123 bytes (RFC 6455 §5.5)
        self.handler.close(code, reason.encode()[:123].decode(errors="ignore"))
        self.handler.unregister()  # at once: a slow client may take seconds to finish closing


class ChannelsHandler(WebSocketHandler):
    """Authenticates, picks the framing, and pumps frames to the kernel."""

    services: Services
    kernel: ManagedKernel
    client: WebSocketClient | None = None

    def initialize(self, services: Services) -> None:
        self.services = services

    def prepare(self) -> None:
        """Refuse before the upgrade, with a plain HTTP status (401/403/404)."""
        presented = token_from(
            self.request.headers.get("Authorization"), self.get_query_argument("token", None)
        )
        status = check_token(presented, self.services.token)
        if status is not None:
            raise web.HTTPError(status, reason="Unauthorized" if status == 401 else "Forbidden")
        kernel_id = self.path_kwargs["kernel_id"]
        if kernel_id not in self.services.registry:
            raise web.HTTPError(404, reason="No such kernel")
        self.kernel = self.services.registry.get(kernel_id)

    def check_origin(self, origin: str) -> bool:
        return origin_allowed(origin, self.request.host, self.services.allow_origin)

    def select_subprotocol(self, subprotocols: list[str]) -> str | None:
        return framing.choose_subprotocol(subprotocols)

    def get_compression_options(self) -> dict[str, Any] | None:
        return None  # latency over bandwidth: frames are small and local

    def open(self, kernel_id: str) -> None:
        self.set_nodelay(True)
        session_id = self.get_query_argument("session_id", "") or uuid.uuid4().hex
        self.client = WebSocketClient(
            self,
            self.selected_subprotocol or framing.JSON,
            session_id,
            self.services.max_client_buffer,
            self.services.budget,
            self.services.clients,
        )
        self.services.clients.add(self.client)
        self.kernel.attach(self.client)

    async def on_message(self, message: str | bytes) -> None:
        client = self.client
        if client is None or client.closed:
            return
        try:
            msg = framing.decode(message, client.protocol)
        except framing.FrameError as e:
            client.bad_frames += 1
            if client.bad_frames > self.services.max_bad_frames:
                client.close(CLOSE_POLICY, "too many malformed frames")
                return
            client.error(e.code, e.message, e.header)
            return
        try:
            await self.kernel.send(client, msg)
        except KernelUnavailable as e:
            client.error(e.code, str(e), msg.header_dict)
        except Exception:  # a frame the checks above let through but routing cannot use
            log.exception("client %s: frame refused", client.session_id)
            client.error("bad_message", "the gateway could not route this message")

    def on_close(self) -> None:
        if self.client is not None:
            self.client._release()
        self.unregister()

    def unregister(self) -> None:
        client = self.client
        if client is not None:
            self.kernel.detach(client)
            self.services.clients.discard(client)


def _shared_frame(msg: Message, protocol: str) -> bytes:
    """The complete WebSocket frame of ``msg`` for ``protocol``, built once and shared
    by every client of that protocol."""
    key = f"frame:{protocol}"
    cached = msg.cache.get(key)
    if cached is None:
        cached = (server_frame(*framing.encode(msg, protocol)), True)
        msg.cache[key] = cached
    return cached[0]


def websocket_handlers(services: Services) -> list[tuple[str, Any, dict[str, Any]]]:
    return [(rf"/api/kernels/{KERNEL_ID}/channels", ChannelsHandler, {"services": services})]
