"""A notebook file kept by the gateway, for a kernel that cannot reach it.

A kernel on another host cannot read or write the notebook under the
gateway's root dir. The gateway opens a comm of target ``reactive.file``
(:data:`TARGET`) with ``{"name", "text"}``: the file's name and its text. The
kernel binds to a :class:`RelayedFile` made from that text exactly as it binds
a local file (same parser, same notes, a read-only binding when the text does
not parse) and answers ``{"event": "bound", "cells": n, "error": ...}``.

Every save then sends ``{"event": "saved", "text": ...}`` on that comm instead
of writing a file. It goes out on IOPub before the reply of the change that
caused it, and the gateway writes the file when it reads the message, before it
passes on anything the kernel sent later, so a client that got a reply knows
the change is on disk (gateway/filesync.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .notebook_file import NotebookFile

TARGET = "reactive.file"


class RelayedFile(NotebookFile):
    """A bound notebook whose text comes from, and goes back to, a comm."""

    def __init__(self, name: str, text: str, comm: Any) -> None:
        super().__init__(Path(name).name or "notebook.py")
        self.path = Path(name)
        self.text = text
        self.comm = comm

    def _read(self) -> str | None:
        return self.text if self.text.strip() else None

    def _write(self, text: str) -> None:
        self.text = text
        self.comm.send({"event": "saved", "text": text})


def register(kernel: Any) -> None:
    """Accept ``reactive.file`` comms on ``kernel`` (a ReactiveKernel)."""

    def on_open(comm: Any, msg: dict[str, Any]) -> None:
        data = msg.get("content", {}).get("data") or {}
        name, text = data.get("name"), data.get("text")
        service = kernel.reactive
        if not isinstance(name, str) or not isinstance(text, str):
            comm.send({"event": "bound", "ok": False, "error": "name and text must be strings"})
            return
        if service.file is not None or len(service.notebook.cells):
            comm.send(
                {"event": "bound", "ok": False, "error": "this kernel already has a notebook"}
            )
            return
        service.bind_file(RelayedFile(name, text, comm))
        comm.send(
            {
                "event": "bound",
                "ok": service.file_error is None,
                "cells": len(service.notebook.cells),
                "error": service.file_error,
            }
        )

    kernel.comm_manager.register_target(TARGET, on_open)
