"""Which files a session may bind: never a user's file that is not a notebook.

A kernel bound to a file rewrites it after every edit, so binding ``notes.txt`` or a
plain ``module.py`` would turn it into a notebook.  PROTOCOL §5a: a path is bound only
if it is an existing percent notebook (a ``# %%`` cell marker or the notebook's
``# ---`` header), an empty file, or a file that does not exist yet (the kernel creates
it on the first edit).  Everything else is refused before a kernel starts, with the
HTTP status to answer: 400 for a path that cannot name a notebook file (a directory,
a trailing ``/``, a name longer than the file system allows), 409 for an existing
file that is not a notebook.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .paths import Confined, PathError, confine

SNIFF_BYTES = 64 * 1024
NAME_MAX = 255  # bytes per path component on every common file system
PATH_MAX = 4096


def is_notebook(path: Path) -> bool:
    """A percent notebook (a line starting with ``# %%``, or our ``# ---`` header at the
    top), or an empty (whitespace-only) file."""
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return False
    if not head.strip():
        return True
    return head.startswith((b"# %%", b"# ---\n", b"# ---\r\n")) or b"\n# %%" in head


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return NAME_MAX


def notebook_target(root: Path, path: str) -> Confined:
    """``path`` confined to ``root`` (:func:`~gateway.paths.confine`) and checked to be
    bindable as a notebook; raises :class:`~gateway.paths.PathError` otherwise."""
    if isinstance(path, str) and path.rstrip().endswith(("/", os.sep)):
        raise PathError(400, f"path {path[:80]!r} names a directory; give a notebook file")
    if isinstance(path, str) and len(os.fsencode(path)) > PATH_MAX:
        raise PathError(400, "path is too long")
    confined = confine(root, path)
    folder = confined.absolute.parent
    longest = max(len(os.fsencode(part)) for part in Path(path).parts)
    if longest > _name_max(folder if folder.is_dir() else root):
        raise PathError(400, f"a file name in the path is longer than {NAME_MAX} bytes")
    if not folder.is_dir():
        raise PathError(400, f"the directory of {path!r} does not exist")
    try:
        exists = confined.absolute.exists()
        is_file = confined.absolute.is_file()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise PathError(400, "path is too long") from None
        raise
    if exists and not is_file:
        raise PathError(400, f"{confined.relative!r} is not a regular file")
    if exists and not is_notebook(confined.absolute):
        raise PathError(
            409,
            f"{confined.relative!r} is not a percent notebook (no '# %%' cell markers) and is "
            "not empty; it is not opened as a notebook, so it is never rewritten",
        )
    return confined
