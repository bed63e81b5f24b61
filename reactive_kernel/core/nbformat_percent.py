"""Notebooks as jupytext "percent" scripts: read and write, exactly (stdlib only).

A file looks like this::

    # ---
    # jupyter:
    #   jupytext:
    #     comment_magics: false
    #   kernelspec:
    #     display_name: Python 3 (reactive)
    #     language: python
    #     name: reactive
    #   reactive:
    #     database: sqlite://
    # ---

    # %% id="load"
    rows = [1, 2, 3]

    # %% id="total"
    %%sql df
    SELECT 1

The header is jupytext's YAML header in comments (:mod:`.percent_yaml`);
notebook settings live under ``jupyter: reactive:``. ``comment_magics: false``
tells jupytext to read lines such as ``%time x`` and ``# ls`` as they are.
Cell markers use jupytext's ``key=value`` cell metadata (JSON values):
``id``, ``type`` and ``name`` (below), the cell options ``disabled="true"`` and
``cache="true"`` (omitted when off), and two keys that make the round trip
exact, ``tail`` and ``exact`` (below). jupytext keeps all of them as cell
metadata, so a file opens there as the same cells.

SQL cells are written as the kernel runs them everywhere: the body starts with
``%%sql [name]`` (:func:`sql_magic_line`). jupytext (``comment_magics: false``)
passes that line on as it is, so JupyterLab's "Open With → Jupytext Notebook",
nbclient on ``jupytext.read(...)`` and VS Code's Run Cell all send the kernel a
``%%sql`` cell. jupytext takes such a file for its "hydrogen" flavour of the
percent format and saves it back alike; written as ``py:percent`` instead, a
``%%sql`` cell takes jupytext's form of a cell magic,
``# %% id="q" magic_args="df" language="sql"`` with the query commented out,
which the reader takes back to the same cell. The marker form
``type="sql" name="..."`` (earlier files) is read too, and written for a name
``%%sql`` cannot carry (not an identifier) or a query that itself starts with
``%%sql``; a python cell whose code starts with ``%%sql`` says ``type="python"``.

Exact round trip (``loads(dumps(doc)) == doc``), by construction:

- A cell's body is its code, followed by one blank line before the next
  marker. The reader drops trailing whitespace-only lines, so the writer moves
  the code's trailing whitespace-only lines (and a final newline) to
  ``tail="..."``: ``"a = 1\\n\\n"`` is written as the body ``a = 1`` with
  ``tail="\\n\\n"``. Leading blank lines stay in the body.
- A code line that a reader would take for a cell marker (jupytext's
  patterns: ``# %%...``, ``#%%``, ``# <codecell>``, ``# In[3]:``, indented or
  not) is written with ``# `` in front; so is a line that is already such an
  escape (``# # %%``), so unescaping (remove one ``# ``) is unambiguous.
  jupytext shows the escaped line, and does not split the cell there.
- The body only ever holds ``\\n`` line breaks. Code containing other line
  breaks (``\\r``, CRLF, form feed, ``\\x85``, ``\\u2028``...) or lone
  surrogates is written with those mapped to ``\\n`` (U+FFFD) and the exact
  code in ``exact="..."``; the reader uses ``exact`` only while the body still
  matches it, so a hand edit of the body wins. Reading therefore normalises
  CRLF files from Windows editors.

Hand-edited files: cells without ``id`` get ``cell-<position>`` (1-based;
suffixed ``-2``, ``-3``... if taken); a duplicate id is renamed
``<id>-2``... (noted); text before the first marker is a cell of its own;
blank lines between cells do not matter; ``id=c1`` and ``id='c1'`` are read
like ``id="c1"``, and jupytext's JSON form ``# %% {"id": "c1"}`` too.

Markdown cells (``# %% [markdown]``) are kept, because our kernel only knows
python and sql cells but nothing of the file's text may be lost: they become
python cells of comments with ``markdown=True`` and are written back with
``[markdown]``. A kernel that ignores the flag runs them as no-ops (and saves
them as plain cells); ``run`` skips them; ``convert`` keeps them markdown.
What is not kept, each with a note from :func:`parse`: the raw flag of
``[raw]`` cells (their text stays, as a python cell), marker titles, unknown
cell metadata keys, a shebang or coding line before the header, and header
keys outside ``jupyter``. Other keys inside ``jupyter`` (jupytext's section,
``kernelspec``, ``language_info``) are regenerated, without a note.

Differences from jupytext: jupytext does not split a cell at a marker-like
line inside a triple-quoted string, this reader does (and an unterminated
triple quote makes jupytext merge the following cells); jupytext's view of a
cell with ``tail``/``exact`` lacks the trailing blank lines / CRs (it keeps
the keys); files jupytext writes with ``comment_magics`` on (its default) have
magics commented out (``# %time``), which this reader leaves as comments.

Settings: strings, numbers, booleans, null, nested mappings and lists of
scalars (``ValueError`` otherwise). Passwords: the writer masks
``user:password@`` in every string setting that looks like a URL
(``postgresql://u:***@host/db``). Docs holding such a URL are the one
exception to the exact round trip; the password must come from elsewhere
(``run --db``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from keyword import iskeyword
from typing import Any

from .cells import CELL_TYPES, is_valid_cell_id
from .percent_reader import assign_ids, parse
from .percent_syntax import (
    ESC,
    FormatError,
    NotebookCell,
    NotebookDoc,
    Parsed,
    is_marker,
    is_valid_name,
    json_string,
    mask_password,
    masked,
    needs_escape,
    project,
)
from .percent_yaml import dump_mapping
from .sql_magic import split_sql_magic

__all__ = [
    "KERNELSPEC",
    "FormatError",
    "NotebookCell",
    "NotebookDoc",
    "Parsed",
    "PercentWriter",
    "assign_ids",
    "comment_markdown",
    "dumps",
    "is_marker",
    "loads",
    "mask_password",
    "parse",
    "render_cell",
    "render_header",
    "sql_magic_line",
    "uncomment_markdown",
]

KERNELSPEC = {"display_name": "Python 3 (reactive)", "language": "python", "name": "reactive"}


# -- writing ----------------------------------------------------------------


def render_header(metadata: Mapping[str, Any]) -> str:
    """The YAML header, ending with a newline. Raises ``ValueError`` for
    settings outside the supported value types."""
    jupyter: dict[str, Any] = {"jupytext": {"comment_magics": False}, "kernelspec": KERNELSPEC}
    if metadata:
        jupyter["reactive"] = masked(metadata)
    lines = ["---", *dump_mapping({"jupyter": jupyter}), "---"]
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


def sql_magic_line(cell: NotebookCell) -> str | None:
    """``%%sql [name]``, the first body line of an SQL cell, or None for a cell
    written with ``type="sql"`` (and ``name=``) in its marker instead: a name
    that is not a Python identifier, or a query that itself starts with a
    ``%%sql`` line."""
    if cell.type != "sql" or cell.markdown:
        return None
    if cell.name is not None and (not cell.name.isidentifier() or iskeyword(cell.name)):
        return None
    try:
        if split_sql_magic(cell.code) is not None:
            return None
    except ValueError:
        return None
    return "%%sql" if cell.name is None else f"%%sql {cell.name}"


def _looks_sql(cell: NotebookCell) -> bool:
    """A python cell whose code starts with a ``%%sql`` line: its marker says
    ``type="python"``, or the reader would take it for an SQL cell."""
    if cell.type != "python" or cell.markdown or "%%sql" not in cell.code[:200]:
        return False
    try:
        return split_sql_magic(cell.code) is not None
    except ValueError:
        return True


def render_cell(cell: NotebookCell) -> str:
    """A cell's marker line and body, ending with a newline (no separator)."""
    if not is_valid_cell_id(cell.id):
        raise ValueError(f"invalid cell id {cell.id!r}")
    if cell.type not in CELL_TYPES:
        raise ValueError(f"cell {cell.id}: unknown type {cell.type!r}")
    if cell.markdown and cell.type != "python":
        raise ValueError(f"cell {cell.id}: a markdown cell must have type 'python'")
    if not isinstance(cell.code, str) or not isinstance(cell.markdown, bool):
        raise ValueError(f"cell {cell.id}: code must be a string and markdown a bool")
    if cell.name is not None and not is_valid_name(cell.name):
        raise ValueError(f"cell {cell.id}: name must be None or a non-empty one-line string")
    magic = sql_magic_line(cell)
    code = cell.code if magic is None else f"{magic}\n{cell.code}"
    body = project(code)
    lines = body.split("\n")
    keep = len(lines)
    while keep and not lines[keep - 1].strip():
        keep -= 1
    core = "\n".join(lines[:keep])
    marker = ["# %% [markdown]" if cell.markdown else "# %%", f'id="{cell.id}"']
    if (cell.type != "python" and magic is None) or _looks_sql(cell):
        marker.append(f"type={json_string(cell.type)}")
    if cell.name is not None and magic is None:
        marker.append(f"name={json_string(cell.name)}")
    marker.extend(f'{key}="true"' for key in ("disabled", "cache") if getattr(cell, key))
    if len(core) != len(body):
        marker.append(f"tail={json_string(body[len(core) :])}")
    if body != code:
        marker.append(f"exact={json_string(code)}")
    out = [" ".join(marker)]
    if keep:
        out.extend(ESC + line if needs_escape(line) else line for line in lines[:keep])
    return "\n".join(out) + "\n"


def _check_unique(cells: Iterable[NotebookCell]) -> None:
    seen: set[str] = set()
    for cell in cells:
        if cell.id in seen:
            raise ValueError(f"duplicate cell id {cell.id!r}")
        seen.add(cell.id)


class PercentWriter:
    """Serializes docs, reusing each unchanged cell's text from the last call.

    The cache is keyed by the cell value (cells are frozen), so saving a
    5,000-cell notebook after one edit renders one cell and joins strings.
    Keep one writer per notebook file; it holds only the last doc's cells.
    """

    def __init__(self) -> None:
        self._cache: dict[NotebookCell, str] = {}

    def dumps(self, doc: NotebookDoc) -> str:
        cells = doc.cells
        _check_unique(cells)
        cache, fresh = self._cache, {}
        parts = [render_header(doc.metadata)]
        for cell in cells:
            text = cache.get(cell)
            if text is None:
                text = render_cell(cell)
            fresh[cell] = text
            parts.append(text)
        self._cache = fresh
        return "\n".join(parts)


def dumps(doc: NotebookDoc) -> str:
    """The file text for ``doc``; ``ValueError`` for an invalid doc."""
    return PercentWriter().dumps(doc)


def loads(text: str) -> NotebookDoc:
    """The doc in ``text``; see :func:`parse` for the notes it drops."""
    return parse(text).doc


def comment_markdown(text: str) -> str:
    """Markdown source as the comment lines of a ``[markdown]`` cell."""
    return "\n".join("# " + line if line else "#" for line in text.split("\n"))


def uncomment_markdown(code: str) -> str:
    """Inverse of :func:`comment_markdown` (lines that are not comments stay)."""
    return "\n".join(
        line[2:] if line.startswith("# ") else line[1:] if line.startswith("#") else line
        for line in code.split("\n")
    )
