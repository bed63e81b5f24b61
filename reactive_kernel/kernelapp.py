"""The kernel process: ``python -m reactive_kernel.kernelapp -f CONNECTION_FILE``.

``IPKernelApp`` with two changes: the kernel class, and a Session that shows
output messages to the kernel so it can keep each cell's last outputs.
"""

from __future__ import annotations

from typing import Any

from ipykernel.kernelapp import IPKernelApp
from traitlets import Type

from .kernel import ReactiveKernel
from .runtime.recording import RecordingSession


class ReactiveKernelApp(IPKernelApp):
    name = "reactive-kernel"
    kernel_class = Type(  # type: ignore[assignment]
        ReactiveKernel,
        klass="ipykernel.kernelbase.Kernel",
        help="The kernel class; a ReactiveKernel subclass to extend it.",
    ).tag(config=True)

    def _session_default(self) -> Any:
        return RecordingSession(parent=self)


main = launch_new_instance = ReactiveKernelApp.launch_instance

if __name__ == "__main__":
    main()
