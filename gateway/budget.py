"""One budget for all output the gateway holds for its clients.

Every WebSocket client has its own bound (``max_client_buffer``), but N clients that
stop reading would still hold N times that. :class:`OutputBudget` counts the bytes
waiting to be sent to *all* clients together; when a new frame would take the total
past ``limit``, :meth:`OutputBudget.laggards` names the clients to close, only as many
as needed, furthest behind first: behind is measured as ``stalled``, the bytes queued
for the client since its socket last took a write. A reader's ``stalled`` drops to
zero at every completed write; one that stopped reading accumulates everything sent
since. A client whose ``stalled`` is within its fair share (``limit`` divided among the
open clients) keeps up and is never closed to make room for others. (Bytes waiting
alone would not do: the kernel's socket buffers hide the first megabytes sent to a
stalled client, so under load a reading client can briefly have more bytes waiting in
the gateway than one that stopped reading long ago.)

Pure bookkeeping, no I/O: the WebSocket client charges bytes when it queues a frame,
releases them when the socket has taken them (or when it is closed) and closes the
clients this module names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Budgeted(Protocol):
    """What the budget needs to know about a client."""

    @property
    def backlog(self) -> int:
        """Bytes queued for this client and not yet written to its socket."""

    @property
    def stalled(self) -> int:
        """Bytes queued for this client since its socket last took a write."""

    @property
    def closed(self) -> bool:
        """True once the client is closed (its backlog is no longer charged)."""

    def close(self, code: int, reason: str) -> None:
        """Close the client with a WebSocket close code and reason."""


class OutputBudget:
    """Bytes waiting for every client together, against one limit (0: no limit)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.peak = 0

    def charge(self, size: int) -> None:
        self.total += size
        self.peak = max(self.peak, self.total)

    def release(self, size: int) -> None:
        self.total = max(0, self.total - size)

    def exceeded_by(self, incoming: int) -> int:
        """How far ``incoming`` more bytes would take the total past the limit (<= 0: not)."""
        if self.limit <= 0:
            return 0
        return self.total + incoming - self.limit

    def laggards(self, clients: Iterable[Budgeted], incoming: int) -> list[Budgeted]:
        """The clients to close so that ``incoming`` bytes fit, furthest behind first;
        never one that keeps up (see the module docstring). May free less than needed:
        then every remaining client keeps up, and the frame is queued anyway (each
        client's own bound still holds)."""
        excess = self.exceeded_by(incoming)
        if excess <= 0:
            return []
        live = [c for c in clients if not c.closed]
        fair = self.limit // max(1, len(live))
        behind = [c for c in live if c.stalled > fair]
        chosen: list[Budgeted] = []
        for client in sorted(behind, key=lambda c: c.stalled, reverse=True):
            if excess <= 0:
                break
            chosen.append(client)
            excess -= client.backlog
        return chosen
