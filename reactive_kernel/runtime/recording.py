"""Keeping each cell's outputs as they are published.

Every output of a cell run goes out on IOPub under a parent header carrying
``cellId`` (PROTOCOL.md section 4), whoever produced it: the display hook, the
display publisher, stdout/stderr from the IOPub thread, or the traceback
formatter. So the one place that sees all of them is the :class:`Session` that
signs and sends them; :class:`RecordingSession` hands output messages to an
:class:`OutputRouter`, which files them under the cell's current run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from jupyter_client.session import Session

from ..core.outputs import OUTPUT_MSG_TYPES, OutputLog


class OutputRouter:
    """Files output messages under the run they belong to.

    A run is identified by ``(msg_id, cellId)`` of its parent header; outputs
    that arrive late from an earlier run of the same cell (a background thread
    still printing) are published live but not kept, so a snapshot shows the
    current run only. Called from the main thread and the IOPub thread.
    """

    def __init__(self) -> None:
        self._runs: dict[str, tuple[str, OutputLog]] = {}
        self._lock = threading.Lock()

    def begin(self, cell_id: str, msg_id: str, log: OutputLog) -> None:
        with self._lock:
            log.clear()
            self._runs[cell_id] = (msg_id, log)

    def forget(self, cell_id: str) -> None:
        with self._lock:
            self._runs.pop(cell_id, None)

    def record(self, msg_type: str, header: dict[str, Any], content: dict[str, Any]) -> None:
        cell_id = header.get("cellId")
        if cell_id is None:
            return
        with self._lock:
            run = self._runs.get(cell_id)
            if run is not None and run[0] == header.get("msg_id"):
                run[1].add_message(msg_type, content)


class RecordingSession(Session):
    """A Session that shows every output message it sends to a router, and
    lets a publisher hand over what it holds before any output goes out."""

    router: OutputRouter | None = None
    before_output: Callable[[Any], None] | None = None
    """Called with the stream before an output message is sent (any thread)."""

    def send(
        self,
        stream: Any,
        msg_or_type: Any,
        content: Any = None,
        parent: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        hook = self.before_output
        if hook is not None:
            msg_type = msg_or_type if isinstance(msg_or_type, str) else msg_or_type["msg_type"]
            if msg_type in OUTPUT_MSG_TYPES:
                hook(stream)
        msg = super().send(stream, msg_or_type, content, parent, *args, **kwargs)
        router = self.router
        if router is not None and msg is not None and msg["msg_type"] in OUTPUT_MSG_TYPES:
            parent_header = msg.get("parent_header")
            if parent_header:
                router.record(msg["msg_type"], parent_header, msg["content"])
        return msg
