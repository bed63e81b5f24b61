"""Notebook files on disk: ``.py`` (percent) and ``.ipynb``, and converting between them.

``python -m reactive_kernel convert SRC DST`` converts in any direction
between ``.py`` and ``.ipynb`` (``.py`` to ``.py`` normalises a hand-edited
file: ids assigned, spacing made regular). Cell ids, types, SQL names and
order are kept:

- an ``.ipynb`` code cell whose source starts with a ``%%sql [name]`` line is
  an SQL cell (the rule the kernel applies to execute requests); cells that
  jupytext converted from our ``.py`` files carry ``type``/``name``/``id``
  in their metadata, which is honoured too;
- markdown cells stay markdown both ways: in ``.py`` they are ``[markdown]``
  cells of comments (:func:`~reactive_kernel.core.nbformat_percent.comment_markdown`);
- raw ``.ipynb`` cells become markdown cells (noted: the kernel has no raw
  cells), and outputs of the source ``.ipynb`` are not carried over.

Errors (missing file, unknown extension, a parse error with its line) print
one clear line and exit 2. The input is never overwritten, and outputs are
written atomically (temp file, fsync, rename), as PROTOCOL.md section 5 asks.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .core.cells import is_valid_cell_id
from .core.nbformat_percent import (
    KERNELSPEC,
    FormatError,
    NotebookCell,
    NotebookDoc,
    assign_ids,
    comment_markdown,
    dumps,
    parse,
    uncomment_markdown,
)
from .core.percent_syntax import is_valid_name, masked
from .runtime.notebook_file import atomic_write

EXTENSIONS = (".py", ".ipynb")
_SQL_MAGIC = re.compile(r"%%sql(?:[ \t]+(?P<name>[^\n]*?))?[ \t]*(?:\n|$)")

Results = Mapping[str, Mapping[str, Any]]
"""Per cell id: ``outputs`` (nbformat output dicts) and ``execution_count``."""


class NotebookFileError(Exception):
    """A notebook file that cannot be read or written; the message says why."""


# -- ipynb <-> doc --------------------------------------------------------------


def _code_cell(raw: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """``(type, code, name)`` of an ipynb code cell."""
    source = _source(raw)
    meta = raw.get("metadata") or {}
    match = _SQL_MAGIC.match(source)
    if match:
        return "sql", source[match.end() :], match["name"] or None
    name = meta.get("name")
    name = name if is_valid_name(name) else None
    return ("sql" if meta.get("type") == "sql" else "python"), source, name


def _source(raw: Mapping[str, Any]) -> str:
    source = raw.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def doc_from_notebook(nb: Mapping[str, Any]) -> tuple[NotebookDoc, list[str]]:
    """The doc of an nbformat notebook (a dict), and notes on what changed."""
    notes: list[str] = []
    wanted: list[str | None] = []
    cells: list[tuple[str, str, str | None, bool]] = []
    for index, raw in enumerate(nb.get("cells", [])):
        meta = raw.get("metadata") or {}
        cell_id = next((c for c in (meta.get("id"), raw.get("id")) if is_valid_cell_id(c)), None)
        wanted.append(cell_id)
        kind = raw.get("cell_type")
        if kind == "code":
            cells.append((*_code_cell(raw), False))
        else:
            if kind != "markdown":
                notes.append(f"cell {index + 1}: {kind} cell kept as a markdown cell")
            cells.append(("python", comment_markdown(_source(raw)), None, True))
    ids, renamed = assign_ids(wanted)
    for index, old, new in renamed:
        notes.append(f"cell {index + 1}: duplicate id {old!r} renamed to {new!r}")
    settings = (nb.get("metadata") or {}).get("reactive") or {}
    if not isinstance(settings, dict):
        notes.append("notebook metadata 'reactive' is not a mapping: not kept")
        settings = {}
    doc = NotebookDoc(
        tuple(
            NotebookCell(cid, kind, code, name, md)
            for cid, (kind, code, name, md) in zip(ids, cells, strict=True)
        ),
        settings,
    )
    return doc, notes


def notebook_from_doc(doc: NotebookDoc, results: Results | None = None) -> dict[str, Any]:
    """An nbformat 4.5 notebook dict for ``doc``, with outputs from ``results``."""
    cells: list[dict[str, Any]] = []
    for cell in doc.cells:
        if cell.markdown:
            cells.append(
                {"id": cell.id, "cell_type": "markdown", "metadata": {},
                 "source": uncomment_markdown(cell.code)}
            )  # fmt: skip
            continue
        source, cell_meta = cell.code, {}
        if cell.type == "sql":
            source = f"%%sql{' ' + cell.name if cell.name else ''}\n{cell.code}"
        elif cell.name is not None:
            cell_meta["name"] = cell.name
        result = (results or {}).get(cell.id, {})
        cells.append(
            {
                "id": cell.id,
                "cell_type": "code",
                "metadata": cell_meta,
                "execution_count": result.get("execution_count"),
                "source": source,
                "outputs": list(result.get("outputs", [])),
            }
        )
    metadata: dict[str, Any] = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    if doc.metadata:
        metadata["reactive"] = masked(doc.metadata)
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}


# -- files ---------------------------------------------------------------------


def read_doc(path: Path) -> tuple[NotebookDoc, list[str]]:
    """Read a ``.py`` or ``.ipynb`` notebook; :class:`NotebookFileError` on failure."""
    kind = _kind(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookFileError(f"{path}: cannot read: {exc}") from None
    if kind == ".py":
        try:
            parsed = parse(text)
        except FormatError as exc:
            raise NotebookFileError(f"{path}:{exc.line}: {exc.message}") from None
        return parsed.doc, list(parsed.notes)
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)
    except (ValueError, KeyError, TypeError, AttributeError, nbformat.ValidationError) as exc:
        raise NotebookFileError(f"{path}: not a valid notebook: {_first_line(exc)}") from None
    return doc_from_notebook(nb)


def write_doc(path: Path, doc: NotebookDoc, results: Results | None = None) -> None:
    """Write ``doc`` as ``.py`` or ``.ipynb`` (by extension), atomically."""
    if _kind(path) == ".py":
        text = dumps(doc)
    else:
        import nbformat

        nb = nbformat.from_dict(notebook_from_doc(doc, results))
        try:
            nbformat.validate(nb)
        except nbformat.ValidationError as exc:
            raise NotebookFileError(f"{path}: would not be a valid notebook: {exc}") from None
        text = nbformat.writes(nb)
    write_atomic(path, text)


def write_atomic(path: Path, text: str) -> None:
    """Write atomically (see :func:`~reactive_kernel.runtime.notebook_file.atomic_write`):
    readers and crashes see the old file or the new one, whole."""
    try:
        atomic_write(path, text)
    except (OSError, UnicodeEncodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise NotebookFileError(f"{path}: cannot write: {why}") from None


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        raise NotebookFileError(
            f"{path}: unknown notebook extension {suffix or '(none)'!r}: use .py or .ipynb"
        )
    return suffix


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def convert(src: Path, dst: Path) -> list[str]:
    """Convert ``src`` to ``dst``; returns notes. :class:`NotebookFileError` on failure."""
    _kind(src)
    _kind(dst)
    if same_file(src, dst):
        raise NotebookFileError(f"{dst}: is the input file; refusing to overwrite it")
    doc, notes = read_doc(src)
    write_doc(dst, doc)
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reactive_kernel convert",
        description="Convert a notebook between .ipynb and .py (jupytext percent format), "
        "keeping cell ids, types and order.",
    )
    parser.add_argument("src", type=Path, help="the notebook to read (.py or .ipynb)")
    parser.add_argument("dst", type=Path, help="the file to write (.py or .ipynb)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        notes = convert(args.src, args.dst)
    except NotebookFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {args.src}: {note}", file=sys.stderr)
    print(f"wrote {args.dst}")
    return 0
