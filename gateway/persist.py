"""Gateway restarts that keep kernels: record on the way out, re-attach on the way in.

Enterprise Gateway calls this session persistence. With ``--keep-kernels`` the
gateway starts kernels independent of itself (no parent-death polling), and
on shutdown, instead of stopping them, writes one state file (mode 0600: it
holds each kernel's HMAC key) under the Jupyter runtime dir naming, per kernel,
its id, kernelspec, connection info, its provisioner's own persistence record
(``get_provisioner_info``: a pid for local kernels, a host and pid for remote
ones) and the notebook session bound to it.

The next gateway on the same root dir reads that file, removes it, and for each
kernel builds a kernel manager from the recorded connection info, loads the
provisioner record (:class:`AttachedProvisioner` stands in for jupyter_client's
local provisioner, which can only watch a child process), checks the kernel
answers, and registers it and its session again under the same ids; clients
reconnect to ``/api/kernels/<id>/channels`` and find the kernel with its state.
A kernel that is gone, or does not answer, is dropped (and stopped, if its
process is still there) and logged; the others are re-attached regardless.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.factory import KernelProvisionerFactory
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from jupyter_core.paths import jupyter_runtime_dir

from .filesync import NotebookRelay
from .kernels import ManagedKernel
from .registry import KernelRegistry
from .sessions import NotebookSessions, Session

VERSION = 1
LOCAL = "local-provisioner"


def state_path(root: Path, runtime_dir: str | None = None) -> Path:
    """The state file of gateways serving ``root`` (one per root dir)."""
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return Path(runtime_dir or jupyter_runtime_dir()) / f"reactive-gateway-{digest}.json"


def _plain(value: Any) -> Any:
    """JSON-ready: connection info carries its key as bytes."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def write_private(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


async def record(registry: KernelRegistry, sessions: NotebookSessions, path: Path) -> int:
    """Record every live kernel and its session in ``path``, then let go of them
    (bridges closed, supervision stopped, processes left running). Returns how
    many were recorded; kernels the gateway had given up on are shut down."""
    by_kernel = {s.kernel_id: s for s in sessions.sessions.values()}
    entries: list[dict[str, Any]] = []
    for kernel in registry.list():
        km = kernel.km
        if kernel.failed or km.provisioner is None or not await km.is_alive():
            await kernel.shutdown(now=True)
            continue
        session = by_kernel.get(kernel.id)
        entries.append(
            {
                "kernel_id": kernel.id,
                "name": kernel.name,
                "connection_info": _plain(km.get_connection_info(session=False)),
                "provisioner_name": _provisioner_name(km),
                "provisioner_info": _plain(await km.provisioner.get_provisioner_info()),
                "launch": kernel.launch,
                "relay": None
                if kernel.relay is None
                else {"path": str(kernel.relay.path), "comm_id": kernel.relay.comm_id},
                "session": None
                if session is None
                else {
                    "id": session.id,
                    "path": session.path,
                    "name": session.name,
                    "type": session.type,
                },
            }
        )
        await kernel.release()
    registry.kernels.clear()
    write_private(path, {"version": VERSION, "kernels": entries})
    return len(entries)


def _provisioner_name(km: Any) -> str:
    spec = km.kernel_spec
    config = (spec.metadata or {}).get("kernel_provisioner", {}) if spec is not None else {}
    return str(config.get("provisioner_name") or LOCAL)


def load(path: Path) -> list[dict[str, Any]]:
    """The recorded kernels, and the file removed (it is consumed once).
    A missing or unreadable file is no kernels."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return []
    path.unlink(missing_ok=True)
    kernels = data.get("kernels") if isinstance(data, dict) else None
    if not isinstance(kernels, list) or data.get("version") != VERSION:
        return []
    return [k for k in kernels if isinstance(k, dict)]


async def reattach(registry: KernelRegistry, sessions: NotebookSessions, path: Path) -> list[str]:
    """Re-attach the kernels recorded in ``path``; the ids of those that answered."""
    entries = load(path)
    results = await asyncio.gather(
        *(_reattach_one(registry, sessions, e) for e in entries), return_exceptions=True
    )
    attached = []
    for entry, result in zip(entries, results, strict=True):
        if isinstance(result, BaseException):
            registry.log.warning("kernel %s not re-attached: %s", entry.get("kernel_id"), result)
        elif result:
            attached.append(str(entry["kernel_id"]))
    return attached


async def _reattach_one(
    registry: KernelRegistry, sessions: NotebookSessions, entry: dict[str, Any]
) -> bool:
    kernel_id = str(entry["kernel_id"])
    name = str(entry["name"])
    km = AsyncKernelManager(
        parent=registry.config_parent,
        kernel_name=name,
        kernel_spec_manager=registry.spec_manager,
        context=registry.context,
        connection_file=str(registry.runtime_dir / f"kernel-{kernel_id}.json"),
        shutdown_wait_time=registry.settings.shutdown_wait,
        log=registry.log,
    )
    km.kernel_id = kernel_id
    km.load_connection_info(entry["connection_info"])
    km.write_connection_file()
    launch = entry.get("launch") or {}
    extra_env = launch.get("env") or {}
    cwd = str(launch.get("cwd") or registry.runtime_dir)
    launch_args: dict[str, Any] = {"env": {**os.environ, **extra_env}, "cwd": cwd}
    if registry.settings.independent:
        launch_args["independent"] = True
    km._launch_args = launch_args  # what a restart relaunches with
    info = dict(entry.get("provisioner_info") or {})
    if entry.get("provisioner_name", LOCAL) == LOCAL:
        provisioner: Any = AttachedProvisioner(
            kernel_id=kernel_id, kernel_spec=km.kernel_spec, parent=km
        )
    else:
        provisioner = KernelProvisionerFactory.instance(
            parent=registry.config_parent
        ).create_provisioner_instance(kernel_id, km.kernel_spec, parent=km)
    await provisioner.load_provisioner_info(info)
    km.provisioner = provisioner
    kernel = ManagedKernel(kernel_id, name, km, registry.settings, registry.log)
    kernel.launch = {"env": dict(extra_env), "cwd": cwd}
    relay = entry.get("relay")
    if isinstance(relay, dict):  # the same comm: the kernel already has its notebook
        kernel.relay = NotebookRelay(Path(relay["path"]), registry.log, str(relay["comm_id"]))
    if not await km.is_alive() or not await kernel.adopt():
        registry.log.warning("kernel %s: recorded but gone or not answering; dropped", kernel_id)
        await kernel.shutdown(now=True)
        return False
    registry.kernels[kernel_id] = kernel
    s = entry.get("session")
    if isinstance(s, dict):
        session = Session(
            id=str(s["id"]),
            path=str(s["path"]),
            absolute=(sessions.root / str(s["path"])).resolve(),
            name=str(s["name"]),
            type=str(s["type"]),
            kernel_id=kernel_id,
        )
        sessions.sessions[session.id] = session
    registry.log.info("kernel %s (%s) re-attached", kernel_id, name)
    return True


class AttachedProvisioner(LocalProvisioner):
    """A local kernel another gateway process launched: known by pid and
    process group, not as a child. Once restarted, it is an ordinary child."""

    def _alive(self) -> bool:
        if not self.pid:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:  # a zombie (not ours to reap) is dead too
            with open(f"/proc/{self.pid}/stat") as f:
                return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
        except OSError:
            return True

    @property
    def has_process(self) -> bool:
        return bool(self.process is not None or self._alive())

    async def poll(self) -> int | None:
        if self.process is not None:
            return await super().poll()
        return None if self._alive() else 0

    async def wait(self) -> int | None:
        if self.process is not None:
            return await super().wait()
        while self._alive():
            await asyncio.sleep(0.1)  # not our child: no wait(2), poll with the kill() deadline
        self.pid = None
        return 0

    async def send_signal(self, signum: int) -> None:
        if self.process is not None:
            await super().send_signal(signum)
            return
        if not self._alive() or self.pid is None:
            return
        try:
            if self.pgid:
                os.killpg(self.pgid, signum)
            else:
                os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    async def kill(self, restart: bool = False) -> None:
        if self.process is not None:
            await super().kill(restart)
            return
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        if self.process is not None:
            await super().terminate(restart)
            return
        await self.send_signal(signal.SIGTERM)
