"""The running kernels, by id: starting them and shutting them all down.

Kernels are launched through jupyter_client's ``AsyncKernelManager``, one per
kernel, so the kernelspec's ``metadata.kernel_provisioner`` is honoured: a
provisioner registered under the ``jupyter_client.kernel_provisioners`` entry
point can start the kernel in a container or on a cluster node, and the
gateway only needs the connection info it returns (see gateway/README.md).
All managers share one ZMQ context (one I/O thread, not one per kernel).
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import zmq.asyncio
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from .filesync import NotebookRelay, keeps_file
from .kernels import KernelSettings, ManagedKernel

ENV_PREFIX = "KERNEL_"
"""Client-supplied environment variables must start with this (as in Jupyter
Kernel Gateway); anything else in a request's ``env`` is ignored."""


class UnknownKernelSpec(KeyError):
    """No kernelspec of that name."""


class KernelRegistry:
    """Every kernel this gateway runs."""

    def __init__(
        self,
        spec_manager: KernelSpecManager,
        settings: KernelSettings,
        runtime_dir: Path,
        log: logging.Logger,
        config_parent: Any = None,
    ) -> None:
        self.spec_manager = spec_manager
        self.settings = settings
        self.runtime_dir = runtime_dir
        self.log = log
        self.config_parent = config_parent
        self.kernels: dict[str, ManagedKernel] = {}
        self.context = zmq.asyncio.Context()

    def __contains__(self, kernel_id: str) -> bool:
        return kernel_id in self.kernels

    def get(self, kernel_id: str) -> ManagedKernel:
        return self.kernels[kernel_id]

    def list(self) -> list[ManagedKernel]:
        return list(self.kernels.values())

    async def start(
        self,
        name: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        notebook: Path | None = None,
    ) -> ManagedKernel:
        """Launch a kernel of kernelspec ``name`` in ``cwd`` with extra ``env``.

        Returns once the kernel answers, or once it has given up (then its
        model says ``dead`` with a reason); raises :class:`UnknownKernelSpec`.
        """
        try:
            spec = self.spec_manager.get_kernel_spec(name)
        except NoSuchKernel:
            raise UnknownKernelSpec(name) from None
        kernel_id = str(uuid.uuid4())
        km = AsyncKernelManager(
            parent=self.config_parent,
            kernel_name=name,
            kernel_spec_manager=self.spec_manager,
            context=self.context,
            connection_file=str(self.runtime_dir / f"kernel-{kernel_id}.json"),
            shutdown_wait_time=self.settings.shutdown_wait,
            log=self.log,
        )
        km.kernel_id = kernel_id
        kernel = ManagedKernel(kernel_id, name, km, self.settings, self.log)
        kernel.launch = {"env": dict(env or {}), "cwd": str(cwd)}
        if notebook is not None and keeps_file(spec):  # a kernel elsewhere: we keep its file
            kernel.relay = NotebookRelay(notebook, self.log)
        self.kernels[kernel_id] = kernel
        full_env = {**os.environ, **(env or {})}
        try:
            await kernel.start(full_env, cwd)
        except BaseException:
            self.kernels.pop(kernel_id, None)
            try:
                await kernel.shutdown(now=True)
            except Exception:
                pass
            raise
        return kernel

    async def shutdown(self, kernel_id: str, now: bool = False) -> None:
        kernel = self.kernels.pop(kernel_id)
        await kernel.shutdown(now=now)

    async def shutdown_all(self) -> None:
        """Shut every kernel down concurrently (graceful first, then killed)."""
        kernels, self.kernels = list(self.kernels.values()), {}
        await asyncio.gather(*(k.shutdown() for k in kernels), return_exceptions=True)

    def close(self) -> None:
        self.context.destroy(linger=0)


def client_env(requested: Any) -> dict[str, str]:
    """The ``KERNEL_*`` string variables of a request's ``env`` object."""
    if not isinstance(requested, dict):
        return {}
    return {
        k: v
        for k, v in requested.items()
        if isinstance(k, str) and k.startswith(ENV_PREFIX) and isinstance(v, str)
    }
