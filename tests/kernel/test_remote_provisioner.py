"""reactive_kernel/remote_provisioner.py: the kernel's pid checked and signalled on its
host (here through a real POSIX shell, as the SSH server runs it), and the listener
reached without blocking the event loop, against real processes and sockets."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

pytest.importorskip("gateway_provisioners")

from gateway_provisioners.distributed import DistributedProvisioner

from reactive_kernel.remote_provisioner import ReactiveDistributedProvisioner, signal_command

KERNEL_ID = "6f1c2d9e-0b7a-4e3f-9c58-1d2e3f4a5b6c"


@pytest.fixture
def kernel_like() -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line holds the kernel id, as the launcher's does."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "--kernel-id", KERNEL_ID]
    )
    yield proc
    proc.kill()
    proc.wait(10)


def run(command: str) -> str:
    return subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


def test_the_pid_is_checked_and_signalled_only_with_its_kernel_id(
    kernel_like: subprocess.Popen[bytes],
) -> None:
    assert run(signal_command(kernel_like.pid, KERNEL_ID, 0)) == "sent"
    # another kernel's id on this pid (a reused pid): never signalled
    assert run(signal_command(kernel_like.pid, "another-kernel", signal.SIGTERM)) == "gone"
    assert kernel_like.poll() is None
    assert run(signal_command(kernel_like.pid, KERNEL_ID, signal.SIGTERM)) == "sent"
    assert kernel_like.wait(10) == -signal.SIGTERM
    assert run(signal_command(kernel_like.pid, KERNEL_ID, 0)) == "gone"


def _new(cls: type[DistributedProvisioner], port: int) -> DistributedProvisioner:
    provisioner = cls(kernel_id=KERNEL_ID, kernel_spec=None)
    provisioner.comm_ip, provisioner.comm_port = "127.0.0.1", port
    return provisioner


async def _poll_through_a_full_backlog(cls: type[DistributedProvisioner]) -> tuple[bool, int]:
    """The listener of a loaded host: it accepts late, and meanwhile its backlog is
    full, so a new connect waits for the kernel to retry its SYN (about 1 s). Return
    whether the poll reached the listener, and how often the event loop ran meanwhile."""
    server = socket.create_server(("127.0.0.1", 0), backlog=0)
    server.setblocking(False)
    waiting = socket.create_connection(server.getsockname())  # fills the backlog
    loop = asyncio.get_running_loop()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def late_listener() -> None:
        await asyncio.sleep(0.3)
        while True:
            conn, _ = await loop.sock_accept(server)
            conn.close()

    tasks = [asyncio.create_task(ticker()), asyncio.create_task(late_listener())]
    try:
        delivered = await _new(cls, server.getsockname()[1])._send_signal_via_listener(0)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        waiting.close()
        server.close()
    return delivered, ticks


def test_a_listener_slower_than_gp_socket_timeout_is_still_reached() -> None:
    delivered, ticks = asyncio.run(
        asyncio.wait_for(_poll_through_a_full_backlog(ReactiveDistributedProvisioner), 30)
    )
    assert delivered
    assert ticks >= 10  # the event loop kept running while the connect waited


def test_gateway_provisioners_own_poll_takes_that_kernel_for_exited() -> None:
    """Why ours exists: the original gives up after GP_SOCKET_TIMEOUT (0.01 s)."""
    delivered, _ = asyncio.run(
        asyncio.wait_for(_poll_through_a_full_backlog(DistributedProvisioner), 30)
    )
    assert not delivered
