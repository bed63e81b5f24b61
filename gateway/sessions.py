"""Notebook sessions: one kernel per notebook file, shared by every client.

``POST /api/sessions {path, kernel: {name}}`` binds a kernel to a notebook
file under the root dir. The kernel learns its notebook from the environment
variable ``REACTIVE_NOTEBOOK`` (absolute path), so the gateway does not need
to know the kernel's command line, and a restarted kernel (same env) reloads
the same file. A second POST for the same file returns the running session,
so several browsers share one live notebook; a per-path lock makes two
concurrent POSTs start one kernel, not two. Opening a notebook whose kernel the
gateway gave up on (too many automatic restarts) restarts it, with a fresh
restart limit: reopening is the user's next action, and the page then shows the
notebook instead of a dead kernel with nothing in it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .notebooks import notebook_target
from .registry import KernelRegistry

NOTEBOOK_ENV = "REACTIVE_NOTEBOOK"


@dataclass
class Session:
    id: str
    path: str  # relative to the root, POSIX
    absolute: Path
    name: str
    type: str
    kernel_id: str


class NotebookSessions:
    """Sessions by id, at most one per notebook path."""

    def __init__(self, registry: KernelRegistry, root: Path) -> None:
        self.registry = registry
        self.root = root
        self.sessions: dict[str, Session] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def by_path(self, relative: str) -> Session | None:
        for session in self.sessions.values():
            if session.path == relative:
                return session
        return None

    def get(self, session_id: str) -> Session:
        return self.sessions[session_id]

    def list(self) -> list[Session]:
        self._forget_gone_kernels()
        return list(self.sessions.values())

    async def open(
        self, path: str, kernel_name: str, name: str = "", type_: str = "notebook"
    ) -> tuple[Session, bool]:
        """The session for ``path``: ``(session, created)``.

        Raises :class:`~gateway.paths.PathError` for paths outside the root or
        files that must not be bound (:func:`~gateway.notebooks.notebook_target`)
        and :class:`~gateway.registry.UnknownKernelSpec` for unknown kernels.
        """
        confined = notebook_target(self.root, path)
        lock = self._locks.setdefault(confined.relative, asyncio.Lock())
        async with lock:
            self._forget_gone_kernels()
            existing = self.by_path(confined.relative)
            if existing is not None:
                kernel = self.registry.get(existing.kernel_id)
                if kernel.failed:  # given up after a crash loop: opening it again is the
                    await kernel.restart()  # user's explicit wish, with a fresh restart limit
                return existing, False
            env = {NOTEBOOK_ENV: str(confined.absolute), "JPY_SESSION_NAME": str(confined.absolute)}
            kernel = await self.registry.start(
                kernel_name, confined.absolute.parent, env, notebook=confined.absolute
            )
            session = Session(
                id=str(uuid.uuid4()),
                path=confined.relative,
                absolute=confined.absolute,
                name=name or confined.absolute.name,
                type=type_,
                kernel_id=kernel.id,
            )
            self.sessions[session.id] = session
            return session, True

    async def close(self, session_id: str) -> None:
        """Delete a session and shut its kernel down."""
        session = self.sessions.pop(session_id)
        if session.kernel_id in self.registry:
            await self.registry.shutdown(session.kernel_id)

    def model(self, session: Session) -> dict[str, Any]:
        """jupyter_server's session model."""
        kernel = (
            self.registry.get(session.kernel_id).model()
            if session.kernel_id in self.registry
            else None
        )
        return {
            "id": session.id,
            "path": session.path,
            "name": session.name,
            "type": session.type,
            "kernel": kernel,
            "notebook": {"path": session.path, "name": session.name},
        }

    def _forget_gone_kernels(self) -> None:
        """Sessions whose kernel was deleted through /api/kernels end too."""
        for sid, session in list(self.sessions.items()):
            if session.kernel_id not in self.registry:
                del self.sessions[sid]
