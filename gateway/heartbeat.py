"""Is the kernel alive? The heartbeat ping and the restart policy.

:class:`Heartbeat` pings the kernel's ``hb`` channel (a REQ socket that the
kernel echoes from a thread of its own, so a busy kernel still answers). A
ping that gets no echo within its timeout counts as a miss, and the socket is
replaced, because a REQ socket that never got its reply cannot send again.
The supervisor combines misses with the provisioner's ``poll()``: a killed
local process is seen at the next tick, a hung or unreachable one after a few
misses.

:class:`RestartPolicy` is pure: at most ``max_restarts`` automatic restarts
within ``window`` seconds, so a kernel that dies at every start is reported
dead instead of being relaunched forever.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import zmq
import zmq.asyncio


class Heartbeat:
    """Ping/echo on the hb channel with a bounded wait."""

    def __init__(self, connect: Callable[[], zmq.asyncio.Socket]) -> None:
        self._connect = connect
        self._socket: zmq.asyncio.Socket | None = None

    async def ping(self, timeout: float) -> bool:
        """``True`` if the kernel echoed within ``timeout`` seconds."""
        if self._socket is None:
            self._socket = self._connect()
            self._socket.linger = 0
        sock = self._socket
        try:
            await sock.send(b"ping")
            if await sock.poll(int(timeout * 1000)):
                await sock.recv()
                return True
        except zmq.ZMQError:
            pass
        self.close()  # a REQ socket without its reply is stuck; start over
        return False

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None


class RestartPolicy:
    """Sliding-window limit on automatic restarts."""

    def __init__(self, max_restarts: int, window: float) -> None:
        self.max_restarts = max_restarts
        self.window = window
        self._times: deque[float] = deque()

    def allow(self, now: float) -> bool:
        """May the kernel be restarted automatically at ``now`` (monotonic seconds)?"""
        while self._times and now - self._times[0] > self.window:
            self._times.popleft()
        return len(self._times) < self.max_restarts

    def record(self, now: float) -> None:
        self._times.append(now)

    def reset(self) -> None:
        """Forget past restarts (a user asked for a restart explicitly)."""
        self._times.clear()

    @property
    def recent(self) -> int:
        return len(self._times)
