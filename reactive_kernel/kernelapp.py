"""The kernel process: ``python -m reactive_kernel.kernelapp -f CONNECTION_FILE``.

``IPKernelApp`` with three changes: the kernel class, a Session that shows
output messages to the kernel so it can keep each cell's last outputs, and an
IOPub socket that never drops a message.
"""

from __future__ import annotations

from typing import Any

import zmq
from ipykernel.kernelapp import IPKernelApp
from traitlets import Type

from .kernel import ReactiveKernel
from .runtime.recording import RecordingSession


class _LosslessIOPub:
    """The context ``IPKernelApp.init_iopub`` makes its IOPub socket from,
    setting the send high-water mark to 0 (unlimited) before the socket binds.

    A PUB/XPUB socket drops messages for a subscriber whose queue holds
    ``SNDHWM`` (default 1,000) messages; a cascade over thousands of cells to a
    client on a loaded machine outruns that, and clients lost status changes.
    PUB sockets cannot block instead, and blocking would let one stalled client
    stop every other one; so the queue is unbounded and a client that stops
    reading costs kernel memory until it disconnects (which frees its queue).
    """

    def __init__(self, context: zmq.Context[Any]) -> None:
        self._context = context

    def socket(self, socket_type: int, **kwargs: Any) -> zmq.Socket[Any]:
        sock = self._context.socket(socket_type, **kwargs)
        sock.setsockopt(zmq.SNDHWM, 0)
        return sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


class ReactiveKernelApp(IPKernelApp):
    name = "reactive-kernel"
    kernel_class = Type(  # type: ignore[assignment]
        ReactiveKernel,
        klass="ipykernel.kernelbase.Kernel",
        help="The kernel class; a ReactiveKernel subclass to extend it.",
    ).tag(config=True)

    def _session_default(self) -> Any:
        return RecordingSession(parent=self)

    def init_iopub(self, context: zmq.Context[Any]) -> None:
        super().init_iopub(_LosslessIOPub(context))


main = launch_new_instance = ReactiveKernelApp.launch_instance

if __name__ == "__main__":
    main()
