"""The percent notebook format: exact round trips, hand-edited files, jupytext.

Pure tests (no kernel). The jupytext tests use the real ``jupytext`` package
and are skipped when it is not installed.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reactive_kernel.core import nbformat_percent as fmt
from reactive_kernel.core.cells import is_valid_cell_id
from reactive_kernel.core.nbformat_percent import (
    FormatError,
    NotebookCell,
    NotebookDoc,
    PercentWriter,
    comment_markdown,
    dumps,
    is_marker,
    loads,
    mask_password,
    parse,
    sql_magic_line,
    uncomment_markdown,
)
from reactive_kernel.core.percent_syntax import is_valid_name
from reactive_kernel.core.percent_yaml import YamlError, dump_mapping, parse_mapping

HEADER = """\
# ---
# jupyter:
#   jupytext:
#     comment_magics: false
#   kernelspec:
#     display_name: Python 3 (reactive)
#     language: python
#     name: reactive
# ---
"""


def py(cell_id: str, code: str, **kw: Any) -> NotebookCell:
    return NotebookCell(cell_id, "python", code, **kw)


def doc(*cells: NotebookCell, **metadata: Any) -> NotebookDoc:
    return NotebookDoc(tuple(cells), metadata)


# -- the writer, table-driven ----------------------------------------------------

WRITES = [
    ("plain", py("c1", "a = 1"), '# %% id="c1"\na = 1\n'),
    (
        "sql with name",
        NotebookCell("c2", "sql", "SELECT 1", name="df"),
        '# %% id="c2"\n%%sql df\nSELECT 1\n',
    ),
    ("empty", py("e", ""), '# %% id="e"\n'),
    ("trailing newline", py("t", "a = 1\n"), '# %% id="t" tail="\\n"\na = 1\n'),
    ("several newlines", py("t", "a\n\n\n"), '# %% id="t" tail="\\n\\n\\n"\na\n'),
    ("whitespace only", py("w", "  \n\t"), '# %% id="w" tail="  \\n\\t"\n'),
    ("leading blank kept", py("l", "\n\nx"), '# %% id="l"\n\n\nx\n'),
    ("trailing spaces on a line", py("s", "x = 1   \ny"), '# %% id="s"\nx = 1   \ny\n'),
    ("marker escaped", py("m", "# %% no\n#%%"), '# %% id="m"\n# # %% no\n# #%%\n'),
    ("escape escaped", py("m", "# # %% x"), '# %% id="m"\n# # # %% x\n'),
    (
        "other markers",
        py("m", "  # In[3]:\n# <codecell>"),
        '# %% id="m"\n#   # In[3]:\n# # <codecell>\n',
    ),
    ("not a marker", py("m", "# %%time\n# %"), '# %% id="m"\n# %%time\n# %\n'),
    ("crlf", py("r", "a\r\nb"), '# %% id="r" exact="a\\r\\nb"\na\nb\n'),
    ("line separator", py("r", "a\u2028b"), '# %% id="r" exact="a\\u2028b"\na\nb\n'),
    (
        "markdown",
        py("md", "# Title\n#\n# text", markdown=True),
        '# %% [markdown] id="md"\n# Title\n#\n# text\n',
    ),
    (
        "unicode name",
        NotebookCell("u", "sql", "x", name="données"),
        '# %% id="u"\n%%sql données\nx\n',
    ),
]


@pytest.mark.parametrize(("cell", "text"), [c[1:] for c in WRITES], ids=[c[0] for c in WRITES])
def test_writer_renders_cell(cell: NotebookCell, text: str) -> None:
    assert dumps(doc(cell)) == HEADER + "\n" + text
    assert loads(dumps(doc(cell))) == doc(cell)


def test_cells_are_separated_by_one_blank_line() -> None:
    text = dumps(doc(py("a", "a = 1"), py("b", ""), py("c", "c = a")))
    assert text == HEADER + '\n# %% id="a"\na = 1\n\n# %% id="b"\n\n# %% id="c"\nc = a\n'


def test_empty_doc_is_just_the_header() -> None:
    assert dumps(doc()) == HEADER
    assert loads(HEADER) == doc()
    assert loads("") == doc()


def test_settings_header() -> None:
    text = dumps(doc(database="sqlite:///data.db", echo=True, pool={"size": 5}))
    assert "#   reactive:\n#     database: sqlite:///data.db\n#     echo: true\n" in text
    assert "#     pool:\n#       size: 5\n" in text
    assert loads(text).metadata == {
        "database": "sqlite:///data.db",
        "echo": True,
        "pool": {"size": 5},
    }


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://bob:s3cret@db:5432/app", "postgresql://bob:***@db:5432/app"),
        ("mysql+pymysql://u:p/w@h/x?a=b", "mysql+pymysql://u:***@h/x?a=b"),
        ("postgresql://:pw@h/db", "postgresql://:***@h/db"),
        ("postgresql://bob@h/db", "postgresql://bob@h/db"),
        ("sqlite:///tmp/a:b@c.db", "sqlite:///tmp/a:b@c.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_passwords_are_masked(url: str, masked: str) -> None:
    assert mask_password(url) == masked
    text = dumps(doc(database=url, nested={"url": url}, urls=[url]))
    if masked != url:
        assert "s3cret" not in text and ":pw@" not in text and ":p/w@" not in text
    assert loads(text).metadata == {"database": masked, "nested": {"url": masked}, "urls": [masked]}


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (doc(py("bad id", "")), "invalid cell id"),
        (doc(py("a", ""), py("a", "")), "duplicate cell id"),
        (doc(NotebookCell("a", "r", "")), "unknown type"),
        (doc(NotebookCell("a", "sql", "", markdown=True)), "markdown"),
        (doc(NotebookCell("a", "sql", "", name="")), "name"),
        (doc(NotebookCell("a", "sql", "", name="a\nb")), "name"),
        (doc(x=math.inf), "not finite"),
        (doc(x=object()), "not supported"),
        (doc(x=[[1]]), "only hold scalars"),
    ],
)
def test_writer_rejects_invalid_docs(bad: NotebookDoc, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        dumps(bad)


# -- the reader: hand-edited files ---------------------------------------------


def test_plain_script_without_markers_is_one_cell() -> None:
    parsed = parse("import os\n\nx = 1\n")
    assert parsed.doc == doc(py("cell-1", "import os\n\nx = 1"))
    assert parsed.notes == ()


def test_missing_ids_are_generated_from_position() -> None:
    text = 'x = 0\n# %%\na = 1\n\n\n\n# %%   \n\nb = 2\n# %% id="cell-4"\n# %%\n'
    cells = loads(text).cells
    assert [c.id for c in cells] == ["cell-1", "cell-2", "cell-3", "cell-4", "cell-5"]
    assert [c.code for c in cells] == ["x = 0", "a = 1", "\nb = 2", "", ""]


def test_generated_ids_never_take_an_explicit_id() -> None:
    cells = loads('# %%\na\n# %% id="cell-1"\nb\n').cells
    assert [c.id for c in cells] == ["cell-1-2", "cell-1"]


def test_duplicate_ids_are_renamed_and_noted() -> None:
    parsed = parse('# %% id="a"\n1\n# %% id="a"\n2\n# %% id="a-2"\n3\n')
    assert [c.id for c in parsed.doc.cells] == ["a", "a-3", "a-2"]
    assert parsed.notes == ("line 3: duplicate cell id 'a' renamed to 'a-3'",)


def test_generated_ids_are_valid_even_for_long_ids() -> None:
    long = "x" * 64
    cells = loads(f'# %% id="{long}"\n# %% id="{long}"\n').cells
    assert all(is_valid_cell_id(c.id) for c in cells)
    assert len({c.id for c in cells}) == 2


def test_markdown_cells_are_kept_as_comment_cells() -> None:
    parsed = parse('# %% [markdown]\n# # Title\n#\n# text\n\n# %% [md] id="m2"\n# more\n')
    assert parsed.doc.cells == (
        py("cell-1", "# # Title\n#\n# text", markdown=True),
        py("m2", "# more", markdown=True),
    )
    assert uncomment_markdown(parsed.doc.cells[0].code) == "# Title\n\ntext"


def test_what_is_not_kept_is_noted() -> None:
    text = (
        "#!/usr/bin/env python\n# ---\n# title: x\n# jupyter:\n#   foo: 1\n# ---\n"
        '# %% My title id="a" tags=["x"] lines_to_next_cell=2\n1\n# %% [raw]\nr\n'
    )
    parsed = parse(text)
    assert parsed.doc.cells == (py("a", "1"), py("cell-2", "r"))
    assert parsed.notes == (
        "line 1: line '#!/usr/bin/env python' before the header not kept",
        "line 3: header key 'title' outside 'jupyter' not kept",
        "line 7: cell marker text 'My' not kept",
        "line 7: cell marker text 'title' not kept",
        "line 7: cell metadata 'tags' not kept",
        "line 9: raw cell kept as a python cell",
    )


def test_shebang_without_header_stays_cell_text() -> None:
    assert loads("#!/usr/bin/env python\nx = 1\n").cells == (
        py("cell-1", "#!/usr/bin/env python\nx = 1"),
    )


def test_unclosed_header_is_cell_text() -> None:
    assert loads("# ---\n# a: 1\nx = 1\n").cells[0].code == "# ---\n# a: 1\nx = 1"


@pytest.mark.parametrize(
    ("marker", "cell"),
    [
        ("# %% id=c1", py("c1", "x")),
        ("# %% id='c1'", py("c1", "x")),
        ('#%%  id="c1"   type="sql"  name="df"  ', NotebookCell("c1", "sql", "x", name="df")),
        ('# %% {"id": "c1", "type": "sql"}', NotebookCell("c1", "sql", "x")),
        ('# %% [markdown] {"id": "c1"}', py("c1", "x", markdown=True)),
        ("  # %% id=c1", py("c1", "x")),
        ("# %%% id=c1", py("c1", "x")),
        ("# In[4]:", py("cell-1", "x")),
    ],
)
def test_marker_spellings(marker: str, cell: NotebookCell) -> None:
    assert loads(f"{marker}\nx\n").cells == (cell,)


def test_windows_line_endings_and_bom() -> None:
    text = "\ufeff" + dumps(doc(py("a", "a = 1\n\nb"), py("b", "x"))).replace("\n", "\r\n")
    assert loads(text) == doc(py("a", "a = 1\n\nb"), py("b", "x"))


def test_exact_is_dropped_when_the_body_was_edited() -> None:
    text = dumps(doc(py("r", "a\r\nb")))
    parsed = parse(text.replace("\nb\n", "\nc\n"))
    assert parsed.doc.cells == (py("r", "a\nc"),)
    assert parsed.notes == ("line 11: cell was edited: its 'exact' line breaks were dropped",)


def test_tail_survives_a_body_edit() -> None:
    text = dumps(doc(py("t", "a = 1\n")))
    assert loads(text.replace("a = 1", "a = 2")).cells == (py("t", "a = 2\n"),)


def test_header_written_by_jupytext_is_tolerated() -> None:
    text = """\
# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.0
#   kernelspec:
#     display_name: Python 3 (reactive)
#     language: python
#     name: reactive
#   language_info:
#     codemirror_mode: {name: ipython, version: 3}
#     name: python
#   reactive:
#     database: 'sqlite:///x.db'  # a comment
#     retries: 3
#     ratio: 1.5
#     tags: [a, "b c"]
#     off: null
# ---

# %%
x = 1
"""
    parsed = parse(text)
    assert parsed.doc.metadata == {
        "database": "sqlite:///x.db",
        "retries": 3,
        "ratio": 1.5,
        "tags": ["a", "b c"],
        "off": None,
    }
    assert parsed.doc.cells == (py("cell-1", "x = 1"),)
    assert parsed.notes == ()


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ('# %% id="c1\nx\n', 1, "cannot read the value of 'id'"),
        ('x\n# %% id="bad id"\n', 2, "invalid cell id"),
        ("\n\n# %% id=a type=r\n", 3, "unknown cell type 'r'"),
        ("# %% [markdown] type=sql\n", 1, "markdown cell cannot have type"),
        ("# %% name=3\n", 1, "name must be"),
        ('# %% tail="x"\n', 1, "'tail' must be whitespace"),
        ("# %% {not json}\n", 1, "bad JSON cell metadata"),
        ("# ---\n# jupyter:\n#   reactive:\n#     a: [1\n# ---\n", 4, "in a flow sequence"),
        ("# ---\n# jupyter:\n#   reactive: 3\n# ---\n", 3, "must be a mapping"),
        ("# ---\n# jupyter:\n#   reactive:\n#     a: |\n# ---\n", 4, "not supported"),
    ],
)
def test_format_errors_carry_the_line(text: str, line: int, match: str) -> None:
    with pytest.raises(FormatError, match=match) as info:
        loads(text)
    assert info.value.line == line
    assert str(info.value).startswith(f"line {line}: ")


# -- property tests: the exact round trip ------------------------------------------

TRICKY_LINES = [
    "# %%", "#%%", "# %% [markdown]", '# %% id="x"', "  # %% indented", "# # %%", "# # # %%",
    "# In[12]:", "# <codecell>", "# ---", "---", '"""', "'''", 's = """# %%"""', "x = 1   ",
    "", " ", "\t", "é∑😀", "%time x", "!ls", "# comment", "a\rb", "a\r", "\x0c", "\u2028",
    "\x85", "tail=\"\\n\"", "\ufeff", "#", "# ", "\\",
]  # fmt: skip
lines = st.sampled_from(TRICKY_LINES) | st.text(max_size=12)
codes = st.lists(lines, max_size=8).map("\n".join) | st.text(max_size=40)
ids = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True) | st.just("x" * 64)
names = st.none() | st.text(min_size=1, max_size=8).filter(is_valid_name)


def _markdown_is_python(c: NotebookCell) -> NotebookCell:
    return NotebookCell(c.id, "python", c.code, c.name, True) if c.markdown else c


cells = st.builds(
    NotebookCell, id=ids, type=st.sampled_from(["python", "sql"]), code=codes, name=names,
    markdown=st.booleans(),
).map(_markdown_is_python)  # fmt: skip
scalars = (
    st.none() | st.booleans() | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
)  # fmt: skip
values = st.recursive(
    scalars | st.lists(scalars, max_size=3),
    lambda inner: st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
settings_ = st.dictionaries(st.text(max_size=8), values, max_size=4)
docs = st.builds(
    NotebookDoc, st.lists(cells, max_size=6, unique_by=lambda c: c.id).map(tuple), settings_
)


def _no_password(value: Any) -> bool:
    if isinstance(value, str):
        return mask_password(value) == value
    if isinstance(value, dict):
        return all(_no_password(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_password(v) for v in value)
    return True


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(docs)
def test_round_trip_is_exact(d: NotebookDoc) -> None:
    assume(_no_password(d.metadata))
    text = dumps(d)
    assert loads(text) == d
    assert "\r" not in text  # every line break in the file is "\n"
    assert dumps(loads(text)) == text


@settings(max_examples=200, deadline=None)
@given(docs)
def test_round_trip_survives_crlf_conversion(d: NotebookDoc) -> None:
    assume(_no_password(d.metadata))
    assert loads(dumps(d).replace("\n", "\r\n")) == d


@settings(max_examples=200, deadline=None)
@given(st.lists(cells, max_size=8, unique_by=lambda c: c.id))
def test_each_cell_is_read_back_in_place(cs: list[NotebookCell]) -> None:
    """Cell boundaries: markers in the file are exactly the cells' markers."""
    text = dumps(NotebookDoc(tuple(cs), {}))
    assert text.startswith(HEADER)
    body = text[len(HEADER) :]
    assert sum(is_marker(line) for line in body.split("\n")) == len(cs)


@given(st.text())
def test_comment_markdown_round_trip(text: str) -> None:
    assert uncomment_markdown(comment_markdown(text)) == text


@settings(max_examples=200)
@given(settings_)
def test_yaml_subset_round_trip(mapping: dict[str, Any]) -> None:
    lines = [(n, line) for n, line in enumerate(dump_mapping(mapping), start=1)]
    assert parse_mapping(lines) == mapping


def test_yaml_subset_errors() -> None:
    with pytest.raises(YamlError, match="line 2: unexpected indentation"):
        parse_mapping([(1, "a: 1"), (2, "    b: 2")])
    with pytest.raises(YamlError, match="unknown escape"):
        parse_mapping([(1, 'a: "\\q"')])


# -- the incremental writer ----------------------------------------------------------


def big_doc(n: int = 5000) -> NotebookDoc:
    return doc(*(py(f"c{i}", f"x{i} = x{i - 1} + 1\nprint(x{i})") for i in range(n)))


def test_percent_writer_matches_dumps_and_renders_only_changed_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = big_doc()
    writer = PercentWriter()
    assert writer.dumps(d) == dumps(d)
    calls: list[str] = []
    real = fmt.render_cell
    monkeypatch.setattr(fmt, "render_cell", lambda c: calls.append(c.id) or real(c))
    cells = list(d.cells)
    cells[2500] = py("c2500", "x2500 = 0")
    edited = NotebookDoc(tuple(cells), {"database": "sqlite://"})
    text = writer.dumps(edited)
    assert calls == ["c2500"]  # only the edited cell is rendered again
    assert text == dumps(edited)


def test_percent_writer_still_validates_ids() -> None:
    writer = PercentWriter()
    writer.dumps(doc(py("a", "")))
    with pytest.raises(ValueError, match="duplicate"):
        writer.dumps(doc(py("a", ""), py("a", "")))


# -- jupytext compatibility ----------------------------------------------------------

jupytext_codes = st.lists(
    st.sampled_from(
        ["x = 1", "def f():", "    return 1", "", "  ", "# ---", "%time x", "# ls -l", "!ls",
         "# %time", "s = '# %%'", "é ∑ 😀", "a\tb", "class A:", "import os", "# comment", "@dec"]
    ),
    max_size=6,
).map("\n".join)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.builds(NotebookCell, id=ids, type=st.sampled_from(["python", "sql"]),
                  code=jupytext_codes, name=names),
        max_size=5, unique_by=lambda c: c.id,
    )
)  # fmt: skip
def test_jupytext_reads_our_files_as_the_same_cells(cs: list[NotebookCell]) -> None:
    jupytext = pytest.importorskip("jupytext")
    d = NotebookDoc(tuple(cs), {"database": "sqlite:///x.db", "n": 2})
    text = dumps(d)
    assume("tail=" not in text)  # jupytext drops trailing blank lines: tested below
    nb = jupytext.reads(text, fmt="py:percent")
    assert [c.cell_type for c in nb.cells] == ["code"] * len(cs)
    magics = [sql_magic_line(c) for c in cs]  # SQL cells reach jupytext as %%sql cells
    assert [c.source for c in nb.cells] == [
        c.code if m is None else f"{m}\n{c.code}" for c, m in zip(cs, magics, strict=True)
    ]
    for ours, theirs, magic in zip(cs, nb.cells, magics, strict=True):
        meta = {k: v for k, v in theirs.metadata.items() if k != "lines_to_next_cell"}
        expected: dict[str, Any] = {"id": ours.id}
        if ours.type == "sql" and magic is None:
            expected["type"] = "sql"
        if ours.name is not None and magic is None:
            expected["name"] = ours.name
        assert meta == expected
    assert nb.metadata["reactive"] == {"database": "sqlite:///x.db", "n": 2}
    assert nb.metadata["kernelspec"]["name"] == "reactive"
    # ... and what jupytext writes back reads as the same doc.
    assert loads(jupytext.writes(nb, fmt="py:percent")) == d


def test_jupytext_keeps_escaped_cells_whole_and_our_extra_keys() -> None:
    jupytext = pytest.importorskip("jupytext")
    d = doc(
        py("m", "# %% not a cell\ny = 1"),
        py("t", "a = 1\n\n"),
        py("r", "a\r\nb"),
        py("md", comment_markdown("# Title\n\ntext"), markdown=True),
    )
    nb = jupytext.reads(dumps(d), fmt="py:percent")
    assert [c.source for c in nb.cells] == [
        "# # %% not a cell\ny = 1",
        "a = 1",
        "a\nb",
        "# Title\n\ntext",
    ]
    assert [c.cell_type for c in nb.cells] == ["code", "code", "code", "markdown"]
    assert nb.cells[1].metadata["tail"] == "\n\n"
    assert nb.cells[2].metadata["exact"] == "a\r\nb"
    assert loads(jupytext.writes(nb, fmt="py:percent")) == d


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), jupytext_codes), max_size=6))
def test_files_jupytext_writes_read_as_the_same_cells(spec: list[tuple[bool, str]]) -> None:
    jupytext = pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    magics = ("%", "!", "# ls", "# %")
    cells = []
    for is_markdown, code in spec:
        if is_markdown:
            cells.append(nbformat.v4.new_markdown_cell(code.replace("\n\n", "\n") or "text"))
        else:  # jupytext comments magics out by default, and drops trailing blank lines
            code = "\n".join(ln for ln in code.split("\n") if not ln.startswith(magics))
            cells.append(nbformat.v4.new_code_cell(code.rstrip()))
    nb.cells = cells
    parsed = parse(jupytext.writes(nb, fmt="py:percent"))
    assert parsed.notes == ()
    assert len(parsed.doc.cells) == len(cells)
    for ours, theirs in zip(parsed.doc.cells, cells, strict=True):
        if theirs.cell_type == "markdown":
            assert ours.markdown
            assert uncomment_markdown(ours.code) == theirs.source
        else:
            assert (ours.code, ours.markdown) == (theirs.source, False)


@settings(max_examples=150, deadline=None)
@given(settings_)
def test_pyyaml_reads_our_header_as_the_same_settings(mapping: dict[str, Any]) -> None:
    yaml = pytest.importorskip("yaml")
    assume(_no_password(mapping))
    header = dumps(NotebookDoc((), mapping)).split("\n")[1:-2]
    data = yaml.safe_load("\n".join(line[2:] for line in header))
    assert data["jupyter"].get("reactive", {}) == mapping
    assert data["jupyter"]["jupytext"] == {"comment_magics": False}


# -- purity --------------------------------------------------------------------------

FORBIDDEN = (
    "zmq", "ipykernel", "IPython", "sqlalchemy", "nbformat", "yaml", "jupytext",
    "jupyter_client", "tornado",
)  # fmt: skip


def test_format_modules_import_nothing_but_the_stdlib() -> None:
    script = (
        "import json, sys\n"
        "import reactive_kernel.core.nbformat_percent as m\n"
        "cell = m.NotebookCell('a', 'sql', 'x', 'n')\n"
        "m.dumps(m.loads(m.dumps(m.NotebookDoc((cell,), {'k': 1}))))\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(json.dumps(bad))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
