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
"""

from __future__ import annotations

import builtins
import runpy
import sys
from pathlib import Path
from typing import Any

KERNEL_CLASS = "reactive_kernel.kernel.ReactiveKernel"


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
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
