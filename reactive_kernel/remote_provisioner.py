"""gateway_provisioners' DistributedProvisioner, with a liveness check that holds under load.

The kernelspec written by ``python -m reactive_kernel.kernelspec install --provisioner
distributed`` names this provisioner (entry point ``reactive-distributed-provisioner``).
It differs from ``distributed-provisioner`` in how it decides that a remote kernel is
alive, which is what every stop relies on:

- gateway_provisioners asks the kernel's listener with a blocking connect bounded by
  ``GP_SOCKET_TIMEOUT`` (0.01 s by default). On a loaded machine that connect times
  out, ``poll()`` answers "exited", and ``kill()`` returns without signalling, so the
  kernel keeps running on its host. The same timeout bounds a socket polled from the
  server's event loop, so it cannot simply be raised. Here the listener is reached
  through a non-blocking socket awaited for up to :attr:`listener_timeout`: the event
  loop keeps running meanwhile, and a slow answer is still an answer.
- When the listener does not answer (it has been told to shut down, or it is gone),
  the kernel's pid is checked on its host, over SSH for a remote host, and signals go
  the same way. The pid is matched with the kernel id in its command line, so a
  reused pid is never signalled.

The remote side (``reactive_kernel.remote_launcher``) ends the listener with the kernel,
so "no process with that pid and kernel id" means the kernel is gone.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import socket
from typing import Any

from gateway_provisioners.distributed import DistributedProvisioner
from gateway_provisioners.remote_provisioner import RemoteProvisionerBase
from traitlets import Float

PROVISIONER_NAME = "reactive-distributed-provisioner"


class ReactiveDistributedProvisioner(DistributedProvisioner):  # type: ignore[misc]
    """Kernels on hosts reached over SSH, stopped for real (see the module docstring)."""

    listener_timeout = Float(
        5.0,
        config=True,
        help="Seconds to wait for the kernel's listener (connect and send) before asking "
        "its host over SSH whether the kernel process is alive. Waiting does not block "
        "the server's event loop.",
    )
    ssh_timeout = Float(
        30.0,
        config=True,
        help="Seconds an SSH command that checks or signals a kernel's pid may take.",
    )

    async def _send_listener_request(
        self, request: dict[str, Any], shutdown_socket: bool | None = False
    ) -> None:
        """Send ``request`` to the kernel's listener; raise ``OSError`` or
        ``TimeoutError`` when it cannot be delivered (the caller decides)."""
        if self.comm_port <= 0:
            self.log.debug("no listener port; request %s not sent", request)
            return
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(
                loop.sock_connect(sock, (self.comm_ip, self.comm_port)), self.listener_timeout
            )
            await asyncio.wait_for(
                loop.sock_sendall(sock, json.dumps(request).encode()), self.listener_timeout
            )
            if shutdown_socket:
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass  # the listener may already have closed its side
        finally:
            sock.close()

    async def poll(self) -> int | None:
        """None while the kernel runs, 0 once it is gone (its listener first, then its host)."""
        if await self._send_signal_via_listener(0):
            return None
        alive = await self._signal_pid(0)
        if alive is None:
            self.log.warning(
                "kernel %s: cannot tell whether pid %s on %s runs; taken as exited",
                self.kernel_id,
                self.pid,
                self.assigned_host,
            )
        return None if alive else 0

    async def send_signal(self, signum: int) -> None:
        """Through the listener, or else by ``kill`` on the kernel's host."""
        if not await self._send_signal_via_listener(signum):
            await self._signal_pid(signum)

    async def _signal_pid(self, signum: int) -> bool | None:
        """Send ``signum`` (0: check) to the kernel's pid on its host: True if the kernel
        process received it, False if there is no such kernel process, None if that
        cannot be told (no pid yet, SSH failed)."""
        if not self.pid or not self.ip or not self.kernel_id:
            return None
        if RemoteProvisionerBase.ip_is_local(self.ip):
            return _signal_local(int(self.pid), str(self.kernel_id), signum)
        command = signal_command(int(self.pid), str(self.kernel_id), signum)
        try:
            lines = await asyncio.wait_for(
                asyncio.to_thread(self._rsh, self.ip, command), self.ssh_timeout
            )
        except Exception as e:  # SSH refused, timed out, host down: unknown, not "gone"
            self.log.warning(
                "kernel %s: signal %s to pid %s over SSH failed: %s",
                self.kernel_id,
                signum,
                self.pid,
                e,
            )
            return None
        answer = "".join(lines or []).strip()
        if answer not in ("sent", "gone"):
            self.log.warning(
                "kernel %s: unexpected answer from %s: %r", self.kernel_id, self.ip, answer
            )
            return None
        return answer == "sent"


def signal_command(pid: int, kernel_id: str, signum: int) -> str:
    """A POSIX shell command that sends ``signum`` to ``pid`` only if that process's
    command line holds ``kernel_id``, and prints ``sent`` or ``gone``."""
    return (
        f"if ps -ww -o args= -p {pid} 2>/dev/null | grep -qF -- {shlex.quote(kernel_id)}"
        f" && kill -{signum} {pid} 2>/dev/null; then echo sent; else echo gone; fi"
    )


def _signal_local(pid: int, kernel_id: str, signum: int) -> bool | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if kernel_id.encode() not in f.read():
                return False
    except FileNotFoundError:
        return False
    except OSError:
        pass  # no /proc (not Linux): rely on the pid alone
    try:
        os.kill(pid, signum or 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True if signum == 0 else None
    return True


__all__ = ["PROVISIONER_NAME", "ReactiveDistributedProvisioner", "signal_command"]
