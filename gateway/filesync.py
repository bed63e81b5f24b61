"""The notebook file of a kernel that cannot reach it (a remote kernel).

A kernelspec whose ``metadata.reactive.notebook_file`` is ``"gateway"`` (the
remote ones ``python -m reactive_kernel.kernelspec install --provisioner ...``
writes) runs its kernel on another host, where the notebook under this
gateway's root dir does not exist. The gateway, which owns the root dir, keeps
the file instead:

1. when the kernel is up (at start, and after every restart) and before any
   client message reaches it, :meth:`NotebookRelay.bind` opens a comm of
   target ``reactive.file`` carrying the file's text; the kernel loads it as it
   would load the file and answers ``bound``;
2. every change the kernel saves arrives as ``{"event": "saved", "text"}`` on
   that comm, on IOPub, before the change's reply. The bridge hands IOPub
   messages to :meth:`NotebookRelay.on_iopub` one at a time, in order, before
   delivering anything later, and this writes the file atomically right there:
   so when a client sees a reply, the change is on disk. A write that fails is
   logged, and the kernel's copy stays the newest (the next save writes all).

The relay's comm messages are the gateway's own: they are not passed to clients.
This module is I/O only at its edges: reading the file and writing it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import uuid
from pathlib import Path
from typing import Any

from .message import Message, from_dicts, new_header

TARGET = "reactive.file"


def keeps_file(spec: Any) -> bool:
    """Whether kernels of ``spec`` (a KernelSpec) need the gateway to keep their file."""
    metadata = getattr(spec, "metadata", None) or {}
    reactive = metadata.get("reactive") if isinstance(metadata, dict) else None
    return isinstance(reactive, dict) and reactive.get("notebook_file") == "gateway"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a crash leaves the old file or the new one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class NotebookRelay:
    """Keeps one kernel's notebook file on this side."""

    def __init__(self, path: Path, log: logging.Logger, comm_id: str | None = None) -> None:
        self.path = path
        self.log = log
        self.comm_id = comm_id or f"reactive-file-{uuid.uuid4().hex}"
        self.saves = 0
        self.result: dict[str, Any] = {}
        self._bound = asyncio.Event()
        self._marker = self.comm_id.encode()  # seen in the raw content before decoding it

    def on_iopub(self, msg: Message) -> bool:
        """Handle the relay's own messages (True: not for clients)."""
        if msg.msg_type != "comm_msg" or self._marker not in msg.content:
            return False
        content = msg.content_dict()
        if content.get("comm_id") != self.comm_id:
            return False
        data = content.get("data")
        if not isinstance(data, dict):
            return True
        if data.get("event") == "saved" and isinstance(data.get("text"), str):
            try:
                write_atomically(self.path, data["text"])
                self.saves += 1
            except OSError as e:
                self.log.error("notebook %s: not saved: %s", self.path, e)
        elif data.get("event") == "bound":
            self.result = data
            self._bound.set()
        return True

    async def bind(self, bridge: Any, timeout: float) -> bool:
        """Load the file into the kernel behind ``bridge``; True once it answered."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except (OSError, UnicodeDecodeError) as e:
            self.log.error("notebook %s: cannot be read for the kernel: %s", self.path, e)
            return False
        self._bound.clear()
        content = {
            "comm_id": self.comm_id,
            "target_name": TARGET,
            "data": {"name": self.path.name, "text": text},
        }
        await bridge.send(
            None, from_dicts("shell", new_header("comm_open", bridge.session), content=content)
        )
        try:
            await asyncio.wait_for(self._bound.wait(), timeout)
        except asyncio.TimeoutError:
            self.log.error("notebook %s: the kernel did not load it in time", self.path)
            return False
        if self.result.get("error"):
            self.log.warning("notebook %s: %s", self.path, self.result["error"])
        return True
