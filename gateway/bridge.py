"""The ZMQ side of one kernel: its only reader, and the router of its replies.

One :class:`KernelBridge` per running kernel owns four sockets (IOPub SUB;
shell, control and stdin DEALERs) and one task that reads them all: woken by
the sockets' file descriptors or by the poll interval, it asks a
``zmq.Poller`` which sockets have messages and drains them without blocking,
so no read can block forever and a closed bridge stops within one interval.
What it reads:

- IOPub: read once, handed to ``on_iopub`` (state tracking) and delivered to
  every attached client; encodings are cached on the message, so N clients of
  one protocol cost one encoding.
- shell / control / stdin: routed by the parent header's ``msg_id`` to the
  client that sent that request (every client's requests go out through the
  same sockets, so replies cannot be told apart any other way). Shell and
  stdin share one ZMQ identity because a kernel sends ``input_request`` to the
  identity its shell request came from.

Requests the gateway makes itself (the ``kernel_info`` nudge that proves the
kernel is up and IOPub is subscribed) are answered to internal futures and
never reach clients.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import zmq
import zmq.asyncio

from . import wire
from .message import Message, from_dicts, new_header

CHANNELS = ("iopub", "shell", "control", "stdin")
READ_BATCH = 256  # messages drained from one socket before the others get a turn
READ_BYTES = 2 * 1024 * 1024  # bytes read before clients' writes get a turn of the loop


class Client(Protocol):
    """What the bridge needs from a WebSocket client."""

    def deliver(self, msg: Message) -> None:
        """Queue ``msg`` for sending; must not block or raise."""

    def close(self, code: int, reason: str) -> None:
        """Close the connection with a WebSocket close code and reason."""


class BridgeClosed(RuntimeError):
    """The bridge's sockets are closed (the kernel is restarting or gone)."""


class BridgeBusy(RuntimeError):
    """The kernel has left a full queue unread for ``send_timeout`` seconds."""


class KernelBridge:
    """Sockets, reader task and reply routing for one kernel process."""

    def __init__(
        self,
        km: Any,
        clients: set[Client],
        on_iopub: Callable[[Message], bool | None],
        log: logging.Logger,
        poll_interval: float = 1.0,
        max_routes: int = 10_000,
        send_timeout: float = 30.0,
    ) -> None:
        self.km = km
        self.clients = clients
        self.on_iopub = on_iopub
        self.log = log
        self.poll_ms = max(1, int(poll_interval * 1000))
        self.max_routes = max_routes
        self.send_timeout = send_timeout
        self.session = f"gateway-{uuid.uuid4().hex}"
        self._routes: OrderedDict[str, Client] = OrderedDict()
        self._waiters: dict[str, asyncio.Future[Message]] = {}
        self._sockets: dict[str, zmq.asyncio.Socket] = {}
        self._raw: dict[str, zmq.Socket[bytes]] = {}
        self._waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._iopub_seen = asyncio.Event()
        info = km.get_connection_info(session=False)
        key = info.get("key", b"")
        self.signer = wire.Signer(
            key.encode() if isinstance(key, str) else key,
            info.get("signature_scheme", "hmac-sha256"),
        )

    def open(self) -> None:
        """Connect the sockets (ZMQ connects lazily) and start the reader."""
        identity = self.session.encode()
        self._sockets = {
            "iopub": _connect_iopub(self.km),
            "shell": self.km.connect_shell(identity=identity),
            "control": self.km.connect_control(identity=identity),
            "stdin": self.km.connect_stdin(identity=identity),
        }
        # All I/O goes through blocking shadows of these sockets, used without
        # blocking: no future per message, and the zmq.asyncio wrappers never
        # register their own reader on the FDs our reader task watches.
        self._raw = {name: zmq.Socket.shadow(s.underlying) for name, s in self._sockets.items()}
        self._task = asyncio.create_task(self._read(), name=f"bridge-{self.km.kernel_id}")

    async def close(self) -> None:
        """Stop reading and close the sockets; pending internal requests fail."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        for sock in self._sockets.values():
            sock.close(linger=0)
        self._sockets, self._raw = {}, {}
        self._routes.clear()
        for fut in self._waiters.values():
            if not fut.done():
                fut.set_exception(BridgeClosed("bridge closed"))
        self._waiters.clear()

    # -- reading --------------------------------------------------------------

    async def _read(self) -> None:
        """Wait for a socket to signal (or the poll interval), zmq-poll, drain.

        The sockets' file descriptors wake the task; a ``zmq.Poller`` then says
        which sockets really have messages (a ZMQ FD only signals that its
        state changed). Each wait is bounded by the poll interval, so the task
        notices cancellation and never blocks forever on a read.
        """
        loop = asyncio.get_running_loop()
        poller = zmq.Poller()
        names: dict[Any, str] = {}
        fds = []
        for name, sock in self._raw.items():
            poller.register(sock, zmq.POLLIN)
            names[sock] = name
            fds.append(sock.FD)
            loop.add_reader(sock.FD, self._wake)
        since_yield = bytes_since_yield = 0
        try:
            while True:
                ready = poller.poll(0)
                if not ready:
                    since_yield = bytes_since_yield = 0
                    await self._sleep(loop)  # the batch's writes go out meanwhile
                    continue
                for sock, _ in ready:
                    name = names[sock]
                    for _ in range(READ_BATCH):
                        try:
                            frames = sock.recv_multipart(zmq.NOBLOCK)
                        except zmq.Again:
                            break
                        since_yield += 1
                        bytes_since_yield += sum(len(f) for f in frames)
                        try:
                            self._dispatch(name, frames)
                        except Exception:  # a bad message must not stop the reader
                            self.log.exception("bridge: could not handle a %s message", name)
                        if bytes_since_yield >= READ_BYTES:
                            break
                # a long burst (many messages, or a few large ones): let clients'
                # writes go out, so one that keeps up is never buried under a burst
                if since_yield >= READ_BATCH or bytes_since_yield >= READ_BYTES:
                    since_yield = bytes_since_yield = 0
                    await asyncio.sleep(0)
        finally:
            for fd in fds:
                loop.remove_reader(fd)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _sleep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Until a socket FD signals, or the poll interval passes."""
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(self.poll_ms / 1000, self._wake)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _dispatch(self, channel: str, frames: list[bytes]) -> None:
        try:
            msg = wire.from_frames(channel, frames, self.signer)
        except wire.WireError as e:
            self.log.warning("bridge: dropped a %s message from the kernel: %s", channel, e)
            return
        if channel == "iopub":
            self._iopub_seen.set()
            if self.on_iopub(msg):  # the gateway's own (gateway/filesync.py)
                return
            for client in list(self.clients):
                client.deliver(msg)
            return
        parent = msg.parent_msg_id
        waiter = self._waiters.pop(parent, None)
        if waiter is not None:
            if not waiter.done():
                waiter.set_result(msg)
            return
        requester = self._routes.get(parent)
        if requester is None:
            self.log.debug("bridge: no client for %s reply to %s", channel, parent)
            return
        if channel != "stdin" and msg.msg_type.endswith("_reply"):
            del self._routes[parent]
        if requester in self.clients:
            requester.deliver(msg)

    # -- writing --------------------------------------------------------------

    async def send(self, client: Client | None, msg: Message) -> None:
        """Send a client's message; its reply will come back to ``client``."""
        if msg.channel not in self._raw:
            raise BridgeClosed(f"no {msg.channel} socket: the kernel is not connected")
        if client is not None and msg.msg_type.endswith("_request"):
            self._routes[msg.msg_id] = client
            self._routes.move_to_end(msg.msg_id)
            while len(self._routes) > self.max_routes:
                self._routes.popitem(last=False)  # requests whose reply never came
        frames = wire.to_frames(msg, self.signer)
        raw = self._raw[msg.channel]
        deadline = asyncio.get_running_loop().time() + self.send_timeout
        while True:
            try:  # ZMQ queues it at once unless the kernel left HWM messages unread
                raw.send_multipart(frames, zmq.NOBLOCK)
                return
            except zmq.Again:
                pass
            except zmq.ZMQError as e:
                raise BridgeClosed(f"{msg.channel} socket: {e}") from None
            if asyncio.get_running_loop().time() > deadline:
                raise BridgeBusy(f"the kernel has not read its {msg.channel} queue")
            await asyncio.sleep(0.005)  # rare: wait for the kernel to drain, bounded
            if raw is not self._raw.get(msg.channel):
                raise BridgeClosed("the kernel was disconnected meanwhile")

    async def request(self, channel: str, msg_type: str, timeout: float) -> Message | None:
        """A request of the gateway's own; its reply, or ``None`` after ``timeout``."""
        msg = from_dicts(channel, new_header(msg_type, self.session))
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._waiters[msg.msg_id] = fut
        try:
            await self.send(None, msg)
            return await asyncio.wait_for(fut, timeout)
        except (asyncio.TimeoutError, BridgeClosed, BridgeBusy):
            return None
        finally:
            self._waiters.pop(msg.msg_id, None)

    async def nudge(self, timeout: float, alive: Callable[[], Awaitable[bool]]) -> bool:
        """Wait until the kernel answers ``kernel_info`` *and* IOPub delivers.

        A SUB socket drops what is published before its subscription reaches
        the kernel, so a reply alone does not prove clients will see outputs;
        the kernel's busy/idle around our request does. Retries every 0.5 s,
        gives up at ``timeout`` or as soon as ``alive()`` says the process died.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._iopub_seen.clear()
        answered = False
        while loop.time() < deadline:
            step = min(0.5, max(0.01, deadline - loop.time()))
            if not answered:
                answered = await self.request("shell", "kernel_info_request", step) is not None
            if answered:
                try:
                    await asyncio.wait_for(self._iopub_seen.wait(), step)
                    return True
                except asyncio.TimeoutError:
                    answered = False  # ask again: its busy/idle will show on IOPub
            if not await alive():
                return False
        return False


def _connect_iopub(km: Any) -> Any:
    """``km.connect_iopub()`` with no receive high-water mark.

    A SUB socket's ``RCVHWM`` (1,000 by default) must be set before it
    connects to apply to the connection; the kernel manager's context gives
    its defaults to the sockets it makes, so the default is set around this
    one call. With it, a burst (a cascade over thousands of cells) waits in
    this process until the reader takes it, instead of backing up to the
    kernel's IOPub queue.
    """
    context = km.context
    context.setsockopt(zmq.RCVHWM, 0)
    try:
        return km.connect_iopub()
    finally:
        context.sockopts.pop(zmq.RCVHWM, None)
