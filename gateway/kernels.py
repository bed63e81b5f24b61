"""One supervised kernel: launch, watch, restart, shut down.

:class:`ManagedKernel` pairs a jupyter_client ``AsyncKernelManager`` (so the
kernelspec's ``kernel_provisioner`` decides *where* the kernel runs) with a
:class:`~gateway.bridge.KernelBridge` (how messages reach it) and a watch task
that decides whether it is alive:

- every ``heartbeat_interval`` the provisioner is polled and the hb channel
  pinged; a dead process, or ``heartbeat_misses`` missed pings in a row, is a
  death;
- on death clients get ``status: dead``; if the restart policy allows, then
  ``status: restarting``, the kernel is relaunched with the same id, argv, env
  (so ``REACTIVE_NOTEBOOK`` still binds it to its notebook) and cwd, the
  bridge reconnects, and clients carry on over the same WebSockets;
- past the policy the kernel stays ``dead``, with a ``reason`` shown by REST,
  until someone restarts it explicitly (REST restart, or opening its notebook
  session again: :class:`~gateway.sessions.NotebookSessions`).

Clients' messages wait (bounded) while the kernel comes back, instead of
being dropped, so a request sent during a restart is answered after it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .bridge import BridgeBusy, BridgeClosed, Client, KernelBridge
from .filesync import NotebookRelay
from .heartbeat import Heartbeat, RestartPolicy
from .message import Message, status_message


@dataclass(frozen=True)
class KernelSettings:
    """Supervision knobs (the application's traits, passed down as values)."""

    heartbeat_interval: float = 1.0
    heartbeat_misses: int = 5
    kernel_info_timeout: float = 60.0
    max_restarts: int = 3
    restart_window: float = 60.0
    poll_interval: float = 1.0
    shutdown_wait: float = 5.0
    independent: bool = False
    """Kernels outlive the gateway (``--keep-kernels``: see gateway/persist.py)."""


class KernelUnavailable(RuntimeError):
    """A client message cannot reach the kernel; ``code`` goes to the client."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class ManagedKernel:
    """A kernel process, its bridge, its clients and its supervisor task."""

    def __init__(
        self, kernel_id: str, name: str, km: Any, settings: KernelSettings, log: logging.Logger
    ) -> None:
        self.id = kernel_id
        self.name = name
        self.km = km
        self.settings = settings
        self.log = log
        self.clients: set[Client] = set()
        self.execution_state = "starting"
        self.reason = ""
        self.last_activity = _now_iso()
        self.restarts = 0
        self.failed = False
        self.policy = RestartPolicy(settings.max_restarts, settings.restart_window)
        self.bridge: KernelBridge | None = None
        self._ready = asyncio.Event()
        self._settled = asyncio.Event()  # ready, or given up
        self._lock = asyncio.Lock()
        self._generation = 0
        self._closing = False
        self._watch_task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.relay: NotebookRelay | None = None
        """Keeps the notebook file for a kernel that cannot reach it (gateway/filesync.py)."""
        self.launch: dict[str, Any] = {}
        """The extra env and the cwd it was started with (recorded by gateway/persist.py)."""

    # -- model ------------------------------------------------------------------

    def model(self) -> dict[str, Any]:
        """The Jupyter REST kernel model (plus ``reason`` once it has one)."""
        model: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "last_activity": self.last_activity,
            "execution_state": self.execution_state,
            "connections": len(self.clients),
            "restarts": self.restarts,  # automatic restarts after deaths (front ends' run-on-open)
        }
        if self.reason:
            model["reason"] = self.reason
        return model

    # -- lifecycle ----------------------------------------------------------------

    async def start(self, env: dict[str, str], cwd: Path) -> None:
        """Launch the kernel and wait (bounded) until it answers or gives up."""
        async with self._lock:
            extra = {"independent": True} if self.settings.independent else {}
            await self.km.start_kernel(env=env, cwd=str(cwd), **extra)
            await self._bring_up()
        self._watch_task = asyncio.create_task(self._watch(), name=f"watch-{self.id}")
        try:
            await asyncio.wait_for(self._settled.wait(), self.settings.kernel_info_timeout)
        except asyncio.TimeoutError:
            self.log.warning("kernel %s: not ready after its start timeout", self.id)

    async def _bring_up(self) -> None:
        """Connect a fresh bridge and wait for the kernel to answer on it."""
        self._generation += 1
        self.bridge = KernelBridge(
            self.km, self.clients, self._on_iopub, self.log, self.settings.poll_interval
        )
        self.bridge.open()
        if await self.bridge.nudge(self.settings.kernel_info_timeout, self.km.is_alive):
            if self.relay is not None:  # its notebook, before any client's message
                await self.relay.bind(self.bridge, self.settings.kernel_info_timeout)
            self.execution_state = "idle"
            self.reason = ""
            self._ready.set()
            self._settled.set()
            self.log.info("kernel %s (%s) is ready", self.id, self.name)

    async def _relaunch(self, now: bool) -> None:
        if self.bridge is not None:
            await self.bridge.close()
        try:
            await self.km.restart_kernel(now=now)
        except Exception as e:  # the next watch tick sees it dead and counts it
            self.log.error("kernel %s: relaunch failed: %s", self.id, e)
            self.bridge = None
            return
        await self._bring_up()

    async def restart(self) -> None:
        """An explicit restart (REST): resets the policy, revives a dead kernel."""
        async with self._lock:
            self._ready.clear()
            self.execution_state = "restarting"
            self._broadcast_status("restarting")
            self.policy.reset()
            was_failed, self.failed = self.failed, False
            await self._relaunch(now=was_failed or not await self.km.is_alive())
        if self._watch_task is None or self._watch_task.done():
            self._watch_task = asyncio.create_task(self._watch(), name=f"watch-{self.id}")

    async def adopt(self) -> bool:
        """Supervise a kernel that is already running (re-attached after a
        gateway restart); False if it does not answer."""
        async with self._lock:
            await self._bring_up()
        if not self._ready.is_set():
            return False
        self._watch_task = asyncio.create_task(self._watch(), name=f"watch-{self.id}")
        return True

    async def _stop_watching(self) -> None:
        self._closing = True
        self._stop.set()
        if self._watch_task is not None:
            self._watch_task.cancel()
            await asyncio.gather(self._watch_task, return_exceptions=True)

    async def _disconnect(self) -> None:
        """Close the bridge; the caller holds ``_lock``."""
        if self.bridge is not None:
            await self.bridge.close()
            self.bridge = None
        self._ready.clear()

    async def release(self) -> None:
        """Stop watching and disconnect, leaving the kernel process running."""
        await self._stop_watching()
        async with self._lock:
            await self._disconnect()

    async def interrupt(self) -> None:
        await self.km.interrupt_kernel()

    async def shutdown(self, now: bool = False) -> None:
        """Stop watching, disconnect, and shut the kernel process down."""
        await self._stop_watching()
        async with self._lock:
            await self._disconnect()
            self.execution_state = "dead"
            try:
                await self.km.shutdown_kernel(now=now or self.failed)
            except Exception as e:
                self.log.warning("kernel %s: shutdown: %s", self.id, e)

    # -- supervision ------------------------------------------------------------------

    async def _watch(self) -> None:
        hb = Heartbeat(self.km.connect_hb)
        generation, misses = self._generation, 0
        interval = self.settings.heartbeat_interval
        try:
            while not self._closing and not self.failed:
                if generation != self._generation:
                    hb.close()
                    generation, misses = self._generation, 0
                started = time.monotonic()
                reason = ""
                if not await self.km.is_alive():
                    reason = "the kernel process exited"
                elif self._ready.is_set():
                    misses = 0 if await hb.ping(interval) else misses + 1
                    if misses >= self.settings.heartbeat_misses:
                        reason = f"no heartbeat for {misses} intervals of {interval:g}s"
                elif self.bridge is not None and not self._lock.locked():
                    reason = "the kernel did not answer kernel_info before its timeout"
                if reason:
                    async with self._lock:
                        if generation == self._generation and not self._closing:
                            await self._on_death(reason)
                    continue
                rest = interval - (time.monotonic() - started)
                if rest > 0:
                    try:
                        await asyncio.wait_for(self._stop.wait(), rest)
                    except asyncio.TimeoutError:
                        pass
        finally:
            hb.close()

    async def _on_death(self, reason: str) -> None:
        self.log.warning("kernel %s died: %s", self.id, reason)
        self._ready.clear()
        self.execution_state = "dead"
        self.reason = reason
        self._broadcast_status("dead")
        now = time.monotonic()
        if not self.policy.allow(now):
            self.failed = True
            self.reason = (
                f"{reason}; not restarted: {self.policy.recent} automatic restarts "
                f"within {self.settings.restart_window:g}s"
            )
            self.log.error("kernel %s: %s", self.id, self.reason)
            if self.bridge is not None:
                await self.bridge.close()
                self.bridge = None
            try:  # reap the process; keep the connection file for a manual restart
                await self.km.shutdown_kernel(now=True, restart=True)
            except Exception as e:
                self.log.debug("kernel %s: reaping: %s", self.id, e)
            self._settled.set()
            return
        self.policy.record(now)
        self.restarts += 1
        self.execution_state = "restarting"
        self._broadcast_status("restarting")
        await self._relaunch(now=True)

    # -- clients ---------------------------------------------------------------------

    def attach(self, client: Client) -> None:
        """Start delivering IOPub to ``client``; a dead kernel says so at once."""
        self.clients.add(client)
        if self.failed:
            client.deliver(status_message("dead", self._session))

    def detach(self, client: Client) -> None:
        self.clients.discard(client)

    async def send(self, client: Client, msg: Message) -> None:
        """Forward a client's message, waiting (bounded) through a restart."""
        for _ in range(2):
            if not self._ready.is_set():
                if self.failed:
                    raise KernelUnavailable("kernel_dead", f"the kernel is dead: {self.reason}")
                try:
                    await asyncio.wait_for(self._ready.wait(), self.settings.kernel_info_timeout)
                except asyncio.TimeoutError:
                    raise KernelUnavailable(
                        "kernel_unavailable", "the kernel did not become ready in time"
                    ) from None
            bridge = self.bridge
            if bridge is None:
                continue
            try:
                await bridge.send(client, msg)
                return
            except BridgeClosed:
                continue  # restarted between the check and the send: wait again
            except BridgeBusy as e:
                raise KernelUnavailable("kernel_busy", str(e)) from None
        raise KernelUnavailable("kernel_unavailable", "the kernel is restarting")

    @property
    def _session(self) -> str:
        return self.bridge.session if self.bridge is not None else f"gateway-{self.id}"

    def _broadcast_status(self, state: str) -> None:
        msg = status_message(state, self._session)
        for client in list(self.clients):
            client.deliver(msg)

    def _on_iopub(self, msg: Message) -> bool:
        self.last_activity = _now_iso()
        if self.relay is not None and self.relay.on_iopub(msg):
            return True
        if msg.msg_type == "status" and self._ready.is_set():
            state = msg.content_dict().get("execution_state")
            if isinstance(state, str):
                self.execution_state = state
        return False
