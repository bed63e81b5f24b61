"""The notebook file a kernel is bound to: loaded at start, saved atomically.

A save writes a temporary file in the same folder, fsyncs it, renames it over
the notebook and fsyncs the folder, so a crash at any moment leaves either the
old file or the new one, never a truncated mix. The kernel saves after every
change of cells and before the change's reply, so a client that got a reply
knows the change is on disk.

A file that cannot be parsed is never overwritten: the binding goes read-only
and every change reports that it was not saved.
"""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

from ..core.nbformat_percent import FormatError, NotebookDoc, PercentWriter
from ..core.percent_reader import parse


class NotebookFileError(Exception):
    """The notebook file could not be read, parsed or written (one sentence)."""


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves old or new, whole."""
    folder = path.parent
    try:  # keep the notebook's permissions; a new file gets the usual 0o666 & ~umask
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o666
    tmp = str(folder / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        if mode != 0o666:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class NotebookFile:
    """One bound notebook file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser().absolute()
        self.writer = PercentWriter()
        self.read_only_reason: str | None = None
        self.notes: tuple[str, ...] = ()
        """What loading did not keep as it was (renamed ids, dropped titles...)."""

    def load(self) -> NotebookDoc:
        """The notebook in the file; a missing file is an empty notebook.

        Raises :class:`NotebookFileError` (and makes the binding read-only)
        when the file exists but cannot be read or parsed.
        """
        text = self._read()
        if text is None:
            return NotebookDoc(cells=(), metadata={})
        try:
            parsed = parse(text)
        except FormatError as exc:
            self.read_only_reason = f"cannot parse {self.path.name}: {exc}"
            raise NotebookFileError(self.read_only_reason) from exc
        self.notes = tuple(parsed.notes)
        return parsed.doc

    def _read(self) -> str | None:
        """The file's text; ``None`` when there is none yet."""
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.read_only_reason = f"cannot read {self.path.name}: {exc}"
            raise NotebookFileError(self.read_only_reason) from exc

    def save(self, doc: NotebookDoc) -> None:
        """Write ``doc`` atomically; :class:`NotebookFileError` if it cannot be."""
        if self.read_only_reason is not None:
            raise NotebookFileError(
                f"The notebook file was not saved, to protect it: {self.read_only_reason}."
            )
        self._write(self.writer.dumps(doc))

    def _write(self, text: str) -> None:
        try:
            atomic_write(self.path, text)
        except OSError as exc:
            raise NotebookFileError(f"Could not write {self.path}: {exc.strerror or exc}.") from exc
