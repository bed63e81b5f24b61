"""An async client of a real reactive kernel: start it, send comm requests, wait boundedly.

Used by ``python -m reactive_kernel run`` (:mod:`.headless`). Async only
(jupyter_client's ``AsyncKernelManager``), and every wait has a bound: the
kernel's start, and each request, where the bound is the longest time allowed
*without progress* (a reply or a cell status), so a long cascade of quick
cells never times out but one stuck cell does. A dead kernel is noticed within
a second (the IOPub wait is sliced and the process polled).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import queue
import tempfile
from collections.abc import Callable
from typing import IO, Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from .kernelspec import KERNEL_NAME, get_kernel_dict

STARTUP_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0


class KernelStartError(Exception):
    """The kernel could not be started (no kernelspec, no ready signal)."""


class KernelLost(Exception):
    """The kernel died or stopped answering within the bound."""


class SpecManager(KernelSpecManager):
    """The installed ``reactive`` kernelspec, or this interpreter's when none
    is installed, so ``run`` works straight from a checkout."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        try:
            return super().get_kernel_spec(kernel_name)
        except NoSuchKernel:
            if kernel_name != KERNEL_NAME:
                raise
            return KernelSpec(resource_dir="", **get_kernel_dict())


class KernelLink:
    """A kernel process, its client, and bounded ``reactive`` comm requests.

    The kernel's own stdout/stderr go to a temp file (:meth:`kernel_log`), so
    its warnings do not mix with what the caller prints. ``handlers`` see
    every IOPub message caused by requests sent through this link.
    """

    _reqs = itertools.count()

    def __init__(self, km: AsyncKernelManager, log: IO[bytes]) -> None:
        self.km = km
        self.kc = km.client()
        self.log = log
        self.mine: set[str] = set()
        self.handlers: list[Callable[[dict[str, Any]], None]] = []

    @classmethod
    async def start(cls, attempts: int = 3, env: dict[str, str] | None = None) -> KernelLink:
        """Start a kernel and wait until it is ready.

        jupyter_client picks free TCP ports before the kernel binds them, so
        another process starting at the same moment can take one ("Address
        already in use"); only that failure is retried, with new ports.
        """
        for attempt in range(1, attempts + 1):
            try:
                return await cls._start(env)
            except KernelStartError as exc:
                if attempt == attempts or "Address already in use" not in str(exc):
                    raise
        raise AssertionError("unreachable")

    @classmethod
    async def _start(cls, env: dict[str, str] | None = None) -> KernelLink:
        log = tempfile.TemporaryFile()
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=SpecManager())
        extra = {} if env is None else {"env": {**os.environ, **env}}
        try:
            await km.start_kernel(stdout=log, stderr=log, **extra)
        except (NoSuchKernel, OSError, RuntimeError) as exc:
            log.close()
            raise KernelStartError(f"the kernel did not start: {exc}") from None
        link = cls(km, log)
        link.kc.start_channels()
        try:
            await link.kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        except RuntimeError as exc:
            log_tail = link.kernel_log()
            await link.close()
            raise KernelStartError(f"the kernel did not start: {exc}\n{log_tail}") from None
        return link

    def kernel_log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]

    async def close(self) -> None:
        self.kc.stop_channels()
        try:
            await asyncio.wait_for(self.km.shutdown_kernel(now=True), REQUEST_TIMEOUT)
        finally:
            self.log.close()

    def send(self, op: str, **args: Any) -> str:
        """Send one comm request; returns its ``req``."""
        req = f"headless-{next(self._reqs)}"
        data = {"op": op, "req": req, **args}
        msg = self.kc.session.msg("comm_msg", {"comm_id": "reactive", "data": data})
        self.mine.add(msg["header"]["msg_id"])
        self.kc.shell_channel.send(msg)
        return req

    async def replies(self, reqs: set[str], per_step: float) -> dict[str, dict[str, Any]]:
        """Wait for the replies to ``reqs``, handing every message of ours to
        the handlers. At most ``per_step`` seconds may pass without a reply
        or a cell status; then :class:`TimeoutError`."""
        loop = asyncio.get_running_loop()
        got: dict[str, dict[str, Any]] = {}
        deadline = loop.time() + per_step
        while len(got) < len(reqs):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            try:
                msg = await self.kc.get_iopub_msg(timeout=min(1.0, remaining))
            except queue.Empty:
                if not await self.km.is_alive():
                    raise KernelLost("the kernel died") from None
                continue
            parent = msg["parent_header"].get("msg_id", "")
            if parent.split(":", 1)[0] not in self.mine:
                continue
            for handler in self.handlers:
                handler(msg)
            data = msg["content"].get("data") if msg["msg_type"] == "comm_msg" else None
            if not isinstance(data, dict):
                continue
            if data.get("event") == "reply" and data.get("req") in reqs:
                got[data["req"]] = data
                deadline = loop.time() + per_step
            elif data.get("event") in ("cell_status", "cell_statuses"):
                deadline = loop.time() + per_step
        return got

    async def request(
        self, op: str, timeout: float = REQUEST_TIMEOUT, **args: Any
    ) -> dict[str, Any]:
        req = self.send(op, **args)
        try:
            return (await self.replies({req}, timeout))[req]
        except TimeoutError:
            raise KernelLost(f"no reply to {op!r} within {timeout:g} s") from None
