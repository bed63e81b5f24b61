"""Markdown interpolation (core/markdown.py): which brace groups are fields, what they read."""

from __future__ import annotations

import pytest

from reactive_kernel.core.analysis import Analysis, analyze_python
from reactive_kernel.core.cells import Status
from reactive_kernel.core.markdown import (
    field_expressions,
    markdown_analysis,
    parse_markdown,
    render,
)
from reactive_kernel.core.notebook import Notebook

NS = {"total": 12.3456, "name": "pear", "width": 8, "items": [1, 2, 3], "d": {"k": 5}}


def _render(text: str) -> str:
    return render(parse_markdown(text), lambda expr: eval(expr, {}, dict(NS)))


# text, interpolated expressions, rendered text
CASES = [
    ("plain text", [], "plain text"),
    ("", [], ""),
    ("Total {total:.2f}", ["total"], "Total 12.35"),
    ("{name}", ["name"], "pear"),
    ("{name!r}", ["name"], "'pear'"),
    ("{name!r:>8}", ["name"], "  'pear'"),
    ("[{name:>{width}}]", ["name", "width"], "[    pear]"),
    ("{len(items)} items", ["len(items)"], "3 items"),
    ("{d['k']}", ["d['k']"], "5"),
    ("{ {'a': 1}['a'] }", ["{'a': 1}['a']"], "1"),
    ("{sum(x for x in items)}", ["sum(x for x in items)"], "6"),
    ("{{literal}} and {{total}}", [], "{literal} and {total}"),
    ("{{{total:.1f}}}", ["total"], "{12.3}"),
    ("`{total}` in a code span", [], "`{total}` in a code span"),
    ("``a `{total}` b``", [], "``a `{total}` b``"),
    ("```python\nx = {total}\n```\n{name}", ["name"], "```python\nx = {total}\n```\npear"),
    ("~~~\n{total}\n~~~", [], "~~~\n{total}\n~~~"),
    ("```\nunclosed {total}", [], "```\nunclosed {total}"),
    ("$\\frac{a}{b}$ and {name}", ["name"], "$\\frac{a}{b}$ and pear"),
    ("$$\n\\sum_{i} x_{i}\n$$", [], "$$\n\\sum_{i} x_{i}\n$$"),
    ("costs $5 or {name}", ["name"], "costs $5 or pear"),
    ("\\frac{a}{b} outside math", [], "\\frac{a}{b} outside math"),
    ("x^{2} and x_{i}", [], "x^{2} and x_{i}"),
    ('JSON: {"a": 1, "b": [1, 2]}', [], 'JSON: {"a": 1, "b": [1, 2]}'),
    ('{\n  "a": 1\n}', [], '{\n  "a": 1\n}'),
    ("{not valid python}", [], "{not valid python}"),
    ("{}", [], "{}"),
    ("{42}", [], "{42}"),
    ("a } stray and { open", [], "a } stray and { open"),
    ("\\{total}", [], "\\{total}"),
    ("**{total:,.1f}**", ["total"], "**12.3**"),
    ("{total if total > 1 else 0:.0f}", ["total if total > 1 else 0"], "12"),
    ("{name!x}", [], "{name!x}"),
    ("{items[1:]}", ["items[1:]"], "[2, 3]"),
    ("{total != 0}", ["total != 0"], "True"),
]


@pytest.mark.parametrize(("text", "exprs", "rendered"), CASES, ids=[c[0][:30] for c in CASES])
def test_fields_and_rendering(text: str, exprs: list[str], rendered: str) -> None:
    assert field_expressions(text) == exprs
    assert _render(text) == rendered


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("no fields", set()),
        ("{total:.2f} of {name}", {"total", "name"}),
        ("{len(items)}", {"items"}),
        ("{[x for x in items if x > limit]}", {"items", "limit"}),
        ("{a:{width}}", {"a", "width"}),
        ("`{hidden}` $x = {math}$ {shown}", {"shown"}),
        ("{(y := total)}", {"total", "y"}),
    ],
)
def test_reads(text: str, reads: set[str]) -> None:
    analysis = markdown_analysis(text)
    assert set(analysis.reads) == reads
    assert analysis.writes == frozenset()
    assert analysis.syntax_error is None


def test_builtins_are_not_reads_but_shadowing_is_tracked() -> None:
    analysis = markdown_analysis("{len(items)}")
    assert analysis.reads == frozenset({"items"})
    assert "len" in analysis.builtins


def test_errors_propagate() -> None:
    segments = parse_markdown("{missing}")

    def evaluate(expr: str) -> object:
        raise NameError(f"name {expr!r} is not defined")

    with pytest.raises(NameError):
        render(segments, evaluate)
    with pytest.raises(ValueError):
        render(parse_markdown("{name:.2f}"), lambda e: "text")


def _analyzer(cell_type: str, code: str, name: str | None) -> Analysis:
    return markdown_analysis(code) if cell_type == "markdown" else analyze_python(code)


def test_a_rendered_markdown_cell_goes_stale_on_edits_and_upstream_changes() -> None:
    nb = Notebook(analyzer=_analyzer)
    nb.create("a", "python", "a = 1")
    nb.create("m", "markdown", "a is {a}")
    assert nb.parents("m") == ["a"]
    for cid in ("a", "m"):  # as the runner leaves them: markdown has no count
        nb.cell(cid).status = Status.SUCCESS
    nb.cell("a").execution_count = 1
    nb.register("a", "a = 2")
    assert nb.cell("m").status == Status.STALE
    nb.cell("m").status = Status.SUCCESS
    nb.register("m", "a is now {a:.1f}")
    assert nb.cell("m").status == Status.STALE
    nb.cell("m").status = Status.SUCCESS
    nb.register("m", "x = 1", cell_type="python")
    assert nb.cell("m").status == Status.STALE and nb.cell("m").type == "python"
