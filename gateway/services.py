"""What every request handler shares, built once by the application."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager

from .budget import OutputBudget
from .registry import KernelRegistry
from .sessions import NotebookSessions


@dataclass
class Services:
    """The gateway's state and limits, as handlers see them.

    ``clients`` holds every open WebSocket client so shutdown can close them
    with a reason before the kernels go away.
    """

    registry: KernelRegistry
    sessions: NotebookSessions
    spec_manager: KernelSpecManager
    root: Path
    token: str
    allow_origin: str = ""
    allowed_hosts: frozenset[str] | None = None
    """Host names served besides local ones; ``None``: every host (remote access on)."""
    default_kernel_name: str = "python3"
    max_client_buffer: int = 64 * 1024 * 1024
    max_bad_frames: int = 100
    budget: OutputBudget = field(default_factory=lambda: OutputBudget(0))
    clients: set[Any] = field(default_factory=set)
