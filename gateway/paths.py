"""Confining client-supplied paths to the gateway's root directory.

Notebook session paths and kernel working directories come from clients. A
path is accepted only if, after resolving every symlink, it still lies inside
the root: ``..`` components are refused outright (400), and anything that
resolves outside the root - an absolute path elsewhere, or a symlink that
escapes - is forbidden (403). Callers get the resolved absolute path (what the
kernel is given) and the root-relative POSIX path (what REST models show).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class PathError(Exception):
    """A refused path; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Confined:
    absolute: Path
    relative: str


def confine(root: Path, path: str) -> Confined:
    """Resolve ``path`` (relative to ``root``, or absolute inside it)."""
    if not isinstance(path, str) or not path.strip():
        raise PathError(400, "path must be a non-empty string")
    if "\x00" in path:
        raise PathError(400, "path must not contain NUL characters")
    parts = PurePosixPath(path.replace(os.sep, "/")).parts
    if ".." in parts:
        raise PathError(400, f"path {path!r} must not contain '..'")
    real_root = root.resolve()
    candidate = Path(path) if os.path.isabs(path) else real_root / path
    resolved = Path(os.path.realpath(candidate))
    try:
        relative = resolved.relative_to(real_root)
    except ValueError:
        raise PathError(403, f"path {path!r} is outside the gateway's root directory") from None
    if resolved == real_root:
        raise PathError(400, "path must name a file inside the root directory, not the root")
    return Confined(resolved, relative.as_posix())


def confine_dir(root: Path, path: str | None) -> Path:
    """A working directory inside ``root``; ``None``/empty means the root itself."""
    real_root = root.resolve()
    if not path:
        return real_root
    if os.path.isabs(path) and Path(os.path.realpath(path)) == real_root:
        return real_root
    confined = confine(root, path)
    if not confined.absolute.is_dir():
        raise PathError(400, f"{path!r} is not a directory")
    return confined.absolute
