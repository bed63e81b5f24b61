"""Shared pieces of the percent format: its types, cell markers and escaping.

Split out of :mod:`.nbformat_percent` (which documents the format) so that
the reader and the writer use one definition of what a marker is and how a
code line that looks like one is escaped: the exact round trip depends on
both sides agreeing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ESC = "# "
"""Prefix that keeps a marker-like code line from starting a cell."""
START = re.compile(r"^\s*#\s*%%(%*)\s(.*)$")
ALT_START = re.compile(r"^\s*#\s*(%%|<codecell>|In\[[0-9 ]*\]:?)\s*$")
"""jupytext's two cell-start patterns for ``.py`` percent scripts."""
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_UNSAFE = re.compile("[\x85\u2028\u2029\ufeff\ud800-\udfff]")
_PASSWORD = re.compile(r"^([A-Za-z][\w+.-]*://[^:/@]*):([^@]*)@")


class FormatError(ValueError):
    """The file cannot be read as a notebook; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class NotebookCell:
    """One cell as stored in a file. ``markdown`` cells are python cells of
    comments that were (and will be written back as) ``[markdown]``."""

    id: str
    type: str
    code: str
    name: str | None = None
    markdown: bool = False
    disabled: bool = False
    """``disabled="true"`` in the marker (PROTOCOL.md section 8)."""
    cache: bool = False
    """``cache="true"`` in the marker."""


@dataclass(frozen=True)
class NotebookDoc:
    """A notebook file's content: cells in order and the ``reactive`` settings."""

    cells: tuple[NotebookCell, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """What :func:`parse` read, and notes on what it did not keep or changed."""

    doc: NotebookDoc
    notes: tuple[str, ...] = ()


# -- escaping ---------------------------------------------------------------


def is_marker(line: str) -> bool:
    """Would jupytext (and this reader) start a new cell at ``line``?"""
    return "#" in line and (START.match(line) is not None or ALT_START.match(line) is not None)


def needs_escape(line: str) -> bool:
    """Does a code line need ``ESC`` in front: it is a marker, or an escaped one."""
    while True:
        if is_marker(line):
            return True
        if not line.startswith(ESC):
            return False
        line = line[len(ESC) :]


def unescape(line: str) -> str:
    """Inverse of the writer's escaping (remove one ``ESC``)."""
    return line[len(ESC) :] if line.startswith(ESC) and needs_escape(line[len(ESC) :]) else line


def project(code: str) -> str:
    """``code`` as a body can hold it: ``\\n`` line breaks only, no surrogates."""
    return _SURROGATE.sub("\ufffd", _LINE_BREAKS.sub("\n", code))


def json_string(value: str) -> str:
    """A JSON string that stays on one line for every reader (splitlines too)."""
    text = json.dumps(value, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_valid_name(name: object) -> bool:
    """A cell ``name``: a non-empty one-line string (nbformat reserves cell
    metadata ``name`` with the pattern ``^.+$``)."""
    return isinstance(name, str) and name != "" and "\n" not in name and name == project(name)


def mask_password(url: str) -> str:
    """``scheme://user:password@...`` with the password replaced by ``***``."""
    return _PASSWORD.sub(r"\1:***@", url)


def masked(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the settings with every URL password masked (see :func:`mask_password`)."""
    out: dict[str, Any] = {}
    for key, value in metadata.items():
        if isinstance(value, str):
            value = mask_password(value)
        elif isinstance(value, Mapping):
            value = masked(value)
        elif isinstance(value, (list, tuple)):
            value = [mask_password(v) if isinstance(v, str) else v for v in value]
        out[key] = value
    return out
