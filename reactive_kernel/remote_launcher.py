"""Start the reactive kernel on a remote host through gateway_provisioners' launcher.

``python -m reactive_kernel.remote_launcher --kernel-id ID --response-address A
--public-key K [--port-range R]`` is what a kernelspec made by
``python -m reactive_kernel.kernelspec install --provisioner distributed`` runs
on the host its provisioner picked (over SSH, in the host's own environment,
which must have ``reactive-kernel`` and ``gateway_provisioners`` installed).

It runs gateway_provisioners' own ``launch_ipykernel.py`` unchanged: that
script picks the ports, starts the listener that sends the encrypted connection
info back to the gateway and relays signals (interrupt, poll, kill), and then
starts a kernel app. The only change is which app: ``ReactiveKernelApp`` (our
Session that keeps each cell's outputs, the lossless IOPub socket) stands in for
``IPKernelApp``, whose ``instance()`` the script calls.

The listener is a forked child that gateway_provisioners ends only on a request from
the server or a SIGTERM; a kernel killed otherwise (SIGKILL, or the server gone
before it asked) left it running for good. Here it also ends, within
:data:`LISTENER_CHECK` seconds, once the kernel process is gone, and the launcher
ends its listener when the kernel app returns (a ``shutdown_request``), so the
kernel's pid on its host is gone exactly when the kernel is (what
:mod:`reactive_kernel.remote_provisioner` checks).

The listener is also reaped as soon as it exits (the server's ``{"shutdown": 1}``
ends it right before the kernel's ``shutdown_request`` is handled). Unreaped, it
stays a zombie child, and ipykernel's shutdown, which waits for its children to go,
signals it in vain for about 29 s: the kernel outlived its stop by that long.
"""

from __future__ import annotations

import builtins
import multiprocessing
import os
import runpy
import sys
import threading
from pathlib import Path
from typing import Any

KERNEL_CLASS = "reactive_kernel.kernel.ReactiveKernel"
LISTENER_CHECK = 1.0
"""Seconds between the listener's checks that its kernel process still runs."""


def launcher_script() -> Path:
    """gateway_provisioners' Python kernel launcher, as installed on this host."""
    import gateway_provisioners

    script = (
        Path(gateway_provisioners.__file__).parent
        / "kernel-launchers"
        / "python"
        / "scripts"
        / "launch_ipykernel.py"
    )
    if not script.is_file():
        raise SystemExit(f"gateway_provisioners' launcher is missing: {script}")
    return script


def _app_class() -> type:
    from .kernelapp import ReactiveKernelApp

    class LaunchedKernelApp(ReactiveKernelApp):
        """The launcher hands its own module globals over as the user namespace,
        where ``__builtins__`` is a dict; cells expect the module (as in IPython)."""

        def __init__(self, **kwargs: Any) -> None:
            user_ns = kwargs.get("user_ns")
            if isinstance(user_ns, dict):
                user_ns["__builtins__"] = builtins
            super().__init__(**kwargs)

    return LaunchedKernelApp


def _listener_ending_with_its_kernel() -> None:
    """Make gateway_provisioners' listener (module ``server_listener``) stop when its
    kernel process is gone: it waits for requests ``LISTENER_CHECK`` seconds at a
    time and checks its parent in between."""
    import server_listener

    class KernelBoundListener(server_listener.ServerListener):  # type: ignore[misc]
        def prepare_comm_socket(self, comm_port: int) -> None:
            super().prepare_comm_socket(comm_port)
            self.comm_socket.settimeout(LISTENER_CHECK)

        def get_server_request(self) -> dict[str, Any] | None:
            if os.getppid() != self.parent_pid:  # the kernel exited or was killed
                server_listener.shutdown = True
                return None
            request: dict[str, Any] | None = super().get_server_request()
            return request

    server_listener.ServerListener = KernelBoundListener
    setup = server_listener.setup_server_listener

    def setup_and_reap(*args: Any, **kwargs: Any) -> None:
        setup(*args, **kwargs)
        for child in multiprocessing.active_children():  # the listener just started
            threading.Thread(target=child.join, name="reap-listener", daemon=True).start()

    # the script imports this name from the module when it runs, after this
    server_listener.setup_server_listener = setup_and_reap


def _end_listener() -> None:
    """After the kernel app returned: the listener has nothing left to serve."""
    for child in multiprocessing.active_children():
        child.terminate()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join(5)


def main(argv: list[str] | None = None) -> None:
    import ipykernel.kernelapp

    script = launcher_script()
    args = list(sys.argv[1:] if argv is None else argv)
    if "--kernel-class-name" not in args:
        args += ["--kernel-class-name", KERNEL_CLASS]
    ipykernel.kernelapp.IPKernelApp = _app_class()  # type: ignore[misc]
    # its server_listener module: the real one is kept apart ("shared") and copied
    # next to the script by gateway_provisioners' kernelspec installers
    shared = script.parents[2] / "shared" / "scripts"
    sys.path[:0] = [str(shared), str(script.parent)]
    sys.argv = [str(script), *args]
    _listener_ending_with_its_kernel()
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        _end_listener()


if __name__ == "__main__":
    main()
