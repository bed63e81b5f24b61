"""SQL cells in percent files as ``%%sql [name]`` bodies: the form jupytext, VS Code
and nbclient pass to the kernel unchanged (core/nbformat_percent.py)."""

from __future__ import annotations

import pytest

from reactive_kernel.core.nbformat_percent import (
    NotebookCell,
    NotebookDoc,
    dumps,
    parse,
    render_cell,
    sql_magic_line,
)

HEADER = "# ---\n# jupyter:\n#   jupytext:\n#     comment_magics: false\n# ---\n\n"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('# %% id="q"\n%%sql df\nSELECT 1', NotebookCell("q", "sql", "SELECT 1", "df")),
        ('# %% id="q"\n%%sql\nSELECT 1', NotebookCell("q", "sql", "SELECT 1")),
        ('# %% id="q"\n\n%%sql  df  \nSELECT 1', NotebookCell("q", "sql", "SELECT 1", "df")),
        # the marker form of earlier files is still read
        ('# %% id="q" type="sql" name="df"\nSELECT 1', NotebookCell("q", "sql", "SELECT 1", "df")),
        # a marker name is kept when the magic has none
        ('# %% id="q" name="df"\n%%sql\nSELECT 1', NotebookCell("q", "sql", "SELECT 1", "df")),
        # an explicit type wins over the body
        ('# %% id="q" type="python"\n%%sql\nx', NotebookCell("q", "python", "%%sql\nx")),
        ('# %% id="q" type="sql"\n%%sql x\nSELECT', NotebookCell("q", "sql", "%%sql x\nSELECT")),
        ("# %%\n%%sqlx\n1", NotebookCell("cell-1", "python", "%%sqlx\n1")),
    ],
)
def test_reader_takes_a_sql_magic_body_for_an_sql_cell(text: str, cell: NotebookCell) -> None:
    parsed = parse(HEADER + text + "\n")
    assert parsed.doc.cells == (cell,)
    assert parsed.notes == ()


def test_an_invalid_magic_name_is_a_python_cell_with_a_note() -> None:
    parsed = parse(HEADER + '# %% id="q"\n%%sql 1x\nSELECT 1\n')
    assert parsed.doc.cells == (NotebookCell("q", "python", "%%sql 1x\nSELECT 1"),)
    assert len(parsed.notes) == 1 and "invalid result name '1x'" in parsed.notes[0]


@pytest.mark.parametrize(
    ("cell", "magic", "text"),
    [
        (NotebookCell("q", "sql", "SQL", "df"), "%%sql df", '# %% id="q"\n%%sql df\nSQL\n'),
        (NotebookCell("q", "sql", "SELECT 1"), "%%sql", '# %% id="q"\n%%sql\nSELECT 1\n'),
        # names %%sql cannot carry, and queries starting with %%sql: the marker form
        (NotebookCell("q", "sql", "x", "a b"), None, '# %% id="q" type="sql" name="a b"\nx\n'),
        (NotebookCell("q", "sql", "x", "class"), None, '# %% id="q" type="sql" name="class"\nx\n'),
        (NotebookCell("q", "sql", "%%sql\nx"), None, '# %% id="q" type="sql"\n%%sql\nx\n'),
        # a python cell that looks like SQL says it is python
        (NotebookCell("q", "python", "%%sql\nx"), None, '# %% id="q" type="python"\n%%sql\nx\n'),
        (NotebookCell("q", "python", "x = 1"), None, '# %% id="q"\nx = 1\n'),
    ],
)
def test_writer(cell: NotebookCell, magic: str | None, text: str) -> None:
    assert sql_magic_line(cell) == magic
    assert render_cell(cell) == text
    assert parse(HEADER + text).doc.cells == (cell,)


def test_round_trip_through_jupytext_keeps_ids_types_names_and_options() -> None:
    """What jupytext reads from our file (JupyterLab's "Open With → Jupytext
    Notebook") and writes back on save reads as the same doc, cell options in
    the marker included."""
    jupytext = pytest.importorskip("jupytext")
    doc = NotebookDoc(
        (
            NotebookCell("md", "python", "# Title", markdown=True),
            NotebookCell("orders", "sql", "CREATE TABLE t (x INT)"),
            NotebookCell("n", "python", "n = 2\n"),
            NotebookCell("by", "sql", "SELECT x FROM t\nWHERE x > :n", "by"),
            NotebookCell("odd", "sql", "SELECT 1", "not an identifier"),
        ),
        {"database": "sqlite://"},
    )
    text = dumps(doc)
    nb = jupytext.reads(text, fmt="py:percent")
    sources = [c.source for c in nb.cells]
    assert sources[1] == "%%sql\nCREATE TABLE t (x INT)"
    assert sources[3] == "%%sql by\nSELECT x FROM t\nWHERE x > :n"
    assert nb.cells[4].metadata["type"] == "sql"
    back = jupytext.writes(nb, fmt="py:percent")  # what a JupyterLab save writes
    # jupytext's form of a cell magic of a language it knows: the body commented out
    assert '# %% id="by" magic_args="by" language="sql"\n# SELECT x FROM t\n' in back
    parsed = parse(back)
    assert parsed.doc.cells == doc.cells
    assert parsed.doc.metadata == doc.metadata
    assert parsed.notes == ()
    again = jupytext.writes(jupytext.reads(back, fmt="py:percent"), fmt="py:percent")
    assert parse(again).doc == doc


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (
            '# %% id="q" magic_args="df" language="sql"\n# SELECT 1\n#\n# FROM t',
            NotebookCell("q", "sql", "SELECT 1\n\nFROM t", "df"),
        ),
        ('# %% id="q" language="sql"\n# SELECT 1', NotebookCell("q", "sql", "SELECT 1")),
        ('# %% id="q" language="bash"\n# ls', NotebookCell("q", "python", "%%bash\nls")),
    ],
)
def test_reader_takes_jupytexts_cell_magic_form(text: str, cell: NotebookCell) -> None:
    parsed = parse(HEADER + text + "\n")
    assert parsed.doc.cells == (cell,)
    assert parsed.notes == ()


def test_cell_options_set_in_jupyterlab_reach_the_file() -> None:
    """Cell metadata survives jupytext's save (the marker keys of PROTOCOL §8)."""
    jupytext = pytest.importorskip("jupytext")
    doc = NotebookDoc((NotebookCell("by", "sql", "SELECT 1", "by"),), {})
    nb = jupytext.reads(dumps(doc), fmt="py:percent")
    nb.cells[0].metadata["cache"] = "true"
    back = jupytext.writes(nb, fmt="py:percent")
    assert '# %% id="by" cache="true" magic_args="by" language="sql"\n' in back
