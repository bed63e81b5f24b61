"""Reading percent files: :func:`parse` (see :mod:`.nbformat_percent` for the format).

The reader accepts what the writer emits, exactly, and what people and
jupytext write: missing or duplicate ids, odd spacing, markdown cells, foreign
header keys. What it does not keep, it reports in :attr:`Parsed.notes`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .cells import CELL_TYPES, is_valid_cell_id
from .percent_syntax import (
    ALT_START,
    START,
    FormatError,
    NotebookCell,
    NotebookDoc,
    Parsed,
    is_valid_name,
    project,
    unescape,
)
from .percent_yaml import YamlError, parse_mapping, parse_scalar
from .sql_magic import split_sql_magic

_META_KEY = re.compile(r"([A-Za-z0-9_.@/-]+)=")
_HEADER_FENCE = re.compile(r"^#\s*---\s*$")
_PREAMBLE = re.compile(r"^#!|^[ \t\f]*#.*?coding[:=]")
_JUPYTEXT_LAYOUT = frozenset({"lines_to_next_cell", "lines_to_end_of_cell_marker", "cell_marker"})
_DECODER = json.JSONDecoder()
OPTIONS = ("disabled", "cache")
"""Cell options kept in the marker as ``key="true"`` (PROTOCOL.md section 8)."""


def _option(value: Any, key: str, line: int) -> bool:
    """``"true"``/``"false"`` (as written) or a JSON boolean; anything else is an error."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise FormatError(line, f'cell option {key!r} must be "true" or "false"')


_TOKEN = re.compile(r"\S*")
_ONLY_ID = re.compile(r'\s*id="([A-Za-z0-9_-]{1,64})"\s*')
"""What the writer emits for most cells: parsed without the general loop."""


def _token_end(text: str, pos: int) -> int:
    match = _TOKEN.match(text, pos)
    return match.end() if match else pos


def _parse_value(text: str, pos: int, key: str, line: int) -> tuple[Any, int]:
    """A ``key=`` value: JSON (what jupytext writes), else a single-quoted or
    bare word (what people type: ``id=c1``), else :class:`FormatError`."""
    try:
        value, json_end = _DECODER.raw_decode(text, pos)
        if json_end >= len(text) or text[json_end].isspace():
            return value, json_end
    except json.JSONDecodeError:
        pass
    end = _token_end(text, pos)
    token = text[pos:end]
    if token[:1] in ('"', "[", "{"):
        raise FormatError(line, f"cannot read the value of {key!r} in the cell marker")
    if len(token) >= 2 and token[0] == token[-1] == "'" and "\\" not in token:
        return token[1:-1], end
    return token, end


def parse_marker(text: str, line: int) -> tuple[list[str], dict[str, Any]]:
    """Split a marker's options into words (title, ``[markdown]``) and
    metadata, given as ``key=value`` pairs or as a JSON object."""
    only_id = _ONLY_ID.fullmatch(text)
    if only_id:
        return [], {"id": only_id[1]}
    words: list[str] = []
    meta: dict[str, Any] = {}
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        match = _META_KEY.match(text, pos)
        if match:
            meta[match[1]], pos = _parse_value(text, match.end(), match[1], line)
        elif text[pos] == "{":
            try:
                obj, pos = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise FormatError(line, f"bad JSON cell metadata: {exc.msg}") from None
            if not isinstance(obj, dict):
                raise FormatError(line, "bad JSON cell metadata")
            meta.update(obj)
        else:
            end = _token_end(text, pos)
            words.append(text[pos:end])
            pos = end
    return words, meta


@dataclass
class _RawCell:
    """A cell's lines as found between markers, before interpretation."""

    line: int  # 1-based line of the marker (or of the first body line)
    options: str | None  # None: text before the first marker
    body: list[str] = field(default_factory=list)


class _Reader:
    """Interprets the header and each raw cell, collecting notes on the way."""

    def __init__(self) -> None:
        self._notes: list[tuple[int, str]] = []

    def note(self, line: int, message: str) -> None:
        self._notes.append((line, message))

    @property
    def notes(self) -> tuple[str, ...]:
        """The notes in file order (sorting is stable: same-line notes keep theirs)."""
        return tuple(f"line {n}: {m}" for n, m in sorted(self._notes, key=lambda x: x[0]))

    def header(self, lines: list[str]) -> tuple[dict[str, Any], int]:
        """Settings from a leading YAML header, and where the cells start.

        Like jupytext, a shebang and a coding line may precede the header;
        they are not kept (noted). Without a closing ``# ---`` there is no
        header, and those lines are cell text.
        """
        start = 0
        while start < min(2, len(lines)) and _PREAMBLE.match(lines[start]):
            start += 1
        if start >= len(lines) or not _HEADER_FENCE.match(lines[start]):
            return {}, 0
        body: list[tuple[int, str]] = []
        for i in range(start + 1, len(lines)):
            raw = lines[i]
            if _HEADER_FENCE.match(raw):
                for n in range(start):
                    self.note(n + 1, f"line {lines[n]!r} before the header not kept")
                return self._settings(body), i + 1
            if not raw.startswith("#"):
                break
            body.append((i + 1, raw[2:] if raw.startswith("# ") else raw[1:]))
        return {}, 0

    def _settings(self, body: list[tuple[int, str]]) -> dict[str, Any]:
        """Parse only ``jupyter.reactive``: other keys are foreign YAML, skipped
        unparsed (keys outside ``jupyter`` are noted)."""
        section: list[tuple[int, str]] = []
        inline, found, in_jupyter, in_section, child = "", 0, False, False, -1
        for number, text in body:
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            indent = len(text) - len(text.lstrip(" "))
            if indent == 0:
                key = stripped.partition(":")[0].strip()
                in_jupyter, in_section = key == "jupyter", False
                if not in_jupyter:
                    self.note(number, f"header key {key!r} outside 'jupyter' not kept")
            elif in_jupyter and child in (-1, indent):
                child = indent
                key, _, rest = stripped.partition(":")
                in_section = key.strip() == "reactive"
                if in_section:
                    found, inline = number, rest.strip()
            elif in_section and indent > child:
                section.append((number, text))
        if not found:
            return {}
        try:
            value = parse_scalar(inline, found) if inline else parse_mapping(section)
        except YamlError as exc:
            raise FormatError(exc.line, f"'reactive' header settings: {exc.message}") from None
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise FormatError(found, "the 'reactive' header settings must be a mapping")
        return value

    def cell(self, raw: _RawCell) -> tuple[NotebookCell, str | None]:
        """The cell and its explicit id (None: one must be generated)."""
        words, meta = parse_marker(raw.options, raw.line) if raw.options else ([], {})
        markdown = False
        for word in words:
            if word.lower() in ("[markdown]", "[md]"):
                markdown = True
            elif word.lower() == "[raw]":
                self.note(raw.line, "raw cell kept as a python cell")
            else:
                self.note(raw.line, f"cell marker text {word!r} not kept")
        cell_id = meta.pop("id", None)
        if cell_id is not None and not is_valid_cell_id(cell_id):
            raise FormatError(raw.line, f"invalid cell id {cell_id!r}: use 1-64 of A-Z a-z 0-9 _ -")
        typed = "type" in meta
        cell_type = meta.pop("type", "python")
        if cell_type not in CELL_TYPES:
            raise FormatError(raw.line, f"unknown cell type {cell_type!r}: use python or sql")
        if markdown and cell_type != "python":
            raise FormatError(raw.line, f"a markdown cell cannot have type {cell_type!r}")
        name = meta.pop("name", None)
        if name is not None and not is_valid_name(name):
            raise FormatError(raw.line, "the cell name must be a non-empty one-line string")
        options = {key: _option(meta.pop(key, False), key, raw.line) for key in OPTIONS}
        tail, exact = meta.pop("tail", ""), meta.pop("exact", None)
        if not isinstance(tail, str) or tail.strip() or not isinstance(exact, (str, type(None))):
            raise FormatError(raw.line, "'tail' must be whitespace and 'exact' a string")
        magic = self._cell_magic(raw.line, meta, typed or markdown)
        for key in meta:
            if key not in _JUPYTEXT_LAYOUT:
                self.note(raw.line, f"cell metadata {key!r} not kept")
        body = raw.body
        while body and not body[-1].strip():
            body.pop()
        if magic is None:
            code = "\n".join(unescape(line) for line in body) + tail
        else:  # jupytext's form of a cell magic: the body is commented out
            code = "\n".join([magic, *(_uncomment(line) for line in body)]) + tail
        if exact is not None:
            if project(exact) == code:
                code = exact
            else:
                self.note(raw.line, "cell was edited: its 'exact' line breaks were dropped")
        if not typed and not markdown and "%%sql" in code[:200]:
            cell_type, code, name = self._sql_magic(raw.line, code, name)
        return NotebookCell("", cell_type, code, name, markdown, **options), cell_id

    @staticmethod
    def _cell_magic(line: int, meta: dict[str, Any], typed: bool) -> str | None:
        """``%%sql by`` for jupytext's ``language="sql" magic_args="by"``.

        jupytext saves a cell whose source starts with a cell magic of a
        language it knows (``%%sql``, ``%%bash``...) with that language and the
        magic's arguments in the marker and the body commented out; its reader
        turns that back into the ``%%`` line and the body, and so does this one.
        """
        language, args = meta.pop("language", None), meta.pop("magic_args", None)
        if language is None or typed:
            return None
        if not isinstance(language, str) or not language.isidentifier():
            raise FormatError(line, "'language' must be the name of a cell magic")
        if not isinstance(args, (str, type(None))) or "\n" in (args or ""):
            raise FormatError(line, "'magic_args' must be a one-line string")
        return f"%%{language} {args}" if args else f"%%{language}"

    def _sql_magic(self, line: int, code: str, name: str | None) -> tuple[str, str, str | None]:
        """A python cell whose body starts with ``%%sql [name]`` is an SQL cell:
        the form the writer uses, which jupytext, VS Code and nbclient pass to
        the kernel as it is (see :mod:`.nbformat_percent`)."""
        try:
            sql = split_sql_magic(code)
        except ValueError as exc:
            self.note(line, f"{exc} Kept as a python cell.")
            return "python", code, name
        if sql is None:
            return "python", code, name
        return "sql", sql[0], sql[1] if sql[1] is not None else name


def _uncomment(line: str) -> str:
    """A line of a commented-out body (jupytext writes ``# `` + line, ``#`` if empty)."""
    if line.startswith("# "):
        return line[2:]
    return line[1:] if line.startswith("#") else line


def _split(lines: list[str], start: int) -> list[_RawCell]:
    """Cut the lines at markers. Text before the first marker is a cell of
    its own unless it is blank (the blank line after the header)."""
    cells = [_RawCell(start + 1, None)]
    for i in range(start, len(lines)):
        line = lines[i]
        match = START.match(line) if "#" in line else None
        if match or ("#" in line and ALT_START.match(line)):
            cells.append(_RawCell(i + 1, match[2] if match else ""))
        else:
            cells[-1].body.append(line)
    first = cells[0]
    while first.body and not first.body[0].strip():
        first.body.pop(0)
        first.line += 1
    if not any(line.strip() for line in first.body):
        cells.pop(0)
    return cells


def _unique(base: str, taken: set[str]) -> str:
    """``base-2``, ``base-3``... (shortened to stay within 64 characters)."""
    for n in range(2, len(taken) + 3):
        suffix = f"-{n}"
        candidate = base[: 64 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: more candidates than taken ids")


def assign_ids(wanted: list[str | None]) -> tuple[list[str], list[tuple[int, str, str]]]:
    """Final ids for cells whose ids are ``wanted`` (None: generate one).

    Explicit ids win over generated ones wherever they appear; a generated id
    is ``cell-<1-based position>``; a repeated id is renamed ``<id>-2``...
    Returns the ids and the renames ``(index, old, new)``.
    """
    taken = {w for w in wanted if w is not None}
    seen: set[str] = set()
    ids: list[str] = []
    renamed: list[tuple[int, str, str]] = []
    for index, cell_id in enumerate(wanted):
        if cell_id is None:
            cell_id = f"cell-{index + 1}"
            if cell_id in taken:
                cell_id = _unique(cell_id, taken)
        elif cell_id in seen:
            new_id = _unique(cell_id, taken)
            renamed.append((index, cell_id, new_id))
            cell_id = new_id
        seen.add(cell_id)
        taken.add(cell_id)
        ids.append(cell_id)
    return ids, renamed


def parse(text: str) -> Parsed:
    """Read a percent file; returns the doc and notes (see the module docstring).

    Raises :class:`FormatError` (with the line) for markers or settings that
    cannot be read: bad metadata syntax, invalid ids, unknown cell types.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    reader = _Reader()
    metadata, start = reader.header(lines)
    raws = _split(lines, start)
    read = [reader.cell(raw) for raw in raws]
    ids, renamed = assign_ids([cell_id for _, cell_id in read])
    for index, old, new in renamed:
        reader.note(raws[index].line, f"duplicate cell id {old!r} renamed to {new!r}")
    cells = [
        NotebookCell(cell_id, c.type, c.code, c.name, c.markdown, c.disabled, c.cache)
        for cell_id, (c, _) in zip(ids, read, strict=True)
    ]
    return Parsed(NotebookDoc(tuple(cells), metadata), reader.notes)


def loads(text: str) -> NotebookDoc:
    """The doc in ``text``; see :func:`parse` for the notes it drops."""
    return parse(text).doc
