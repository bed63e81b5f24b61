"""Which cell an input without a cell id is (core/matching.py), table-driven."""

from __future__ import annotations

import pytest

from reactive_kernel.core.analysis import Analysis, analyze_python
from reactive_kernel.core.cells import Cell
from reactive_kernel.core.matching import SAME_CODE, SAME_WRITES, Match, match_input, normalize


def _cell(cell_id: str, code: str, cell_type: str = "python", name: str | None = None) -> Cell:
    cell = Cell(cell_id, cell_type, code, name)
    if cell_type == "python":
        cell.analysis = analyze_python(code)
    else:  # an SQL cell writes its result name
        cell.analysis = Analysis(frozenset(), frozenset({name} if name else ()), frozenset(), None)
    return cell


CELLS = [
    _cell("a", "a = 5"),
    _cell("b", "b = a * 2\nprint(b)"),
    _cell("p1", "print(b)"),
    _cell("p2", "print(b)"),
    _cell("two", "x, y = 1, 2"),
    _cell("df", "SELECT 1", "sql", "df"),
    _cell("q", "SELECT 2", "sql"),
    _cell("priv", "_t = 1\nz = _t"),
]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("a = 5", Match("a", SAME_CODE)),
        ("\n\na = 5   \n\n", Match("a", SAME_CODE)),  # blank edges, trailing spaces
        ("a = 5\r\n", Match("a", SAME_CODE)),
        ("a = 10", Match("a", SAME_WRITES)),  # an edit of cell a
        ("b = a * 3", Match("b", SAME_WRITES)),
        ("y, x = 3, 4", Match("two", SAME_WRITES)),
        ("x = 3", None),  # defines only part of what 'two' defines
        ("x, y, w = 1, 2, 3", None),  # defines more
        ("print(b)", None),  # two cells with this code: ambiguous
        ("print(a)", None),  # defines nothing, same as no cell
        ("c = 1", None),  # a new name: a scratch input
        ("z = 2", Match("priv", SAME_WRITES)),  # _private names do not count
        ("  a = 5", None),  # indentation is code (and a SyntaxError)
    ],
)
def test_python_inputs(code: str, expected: Match | None) -> None:
    analysis = analyze_python(code)
    writes = analysis.writes if analysis.syntax_error is None else frozenset()
    assert match_input(CELLS, code, "python", None, writes) == expected


@pytest.mark.parametrize(
    ("body", "name", "writes", "expected"),
    [
        ("SELECT 1", "df", {"df"}, Match("df", SAME_CODE)),
        ("SELECT 1 + 1", "df", {"df"}, Match("df", SAME_WRITES)),
        ("SELECT 2", None, set(), Match("q", SAME_CODE)),
        ("SELECT 1", None, set(), None),  # same query, but df binds a name
        ("SELECT 3", None, set(), None),
    ],
)
def test_sql_inputs(body: str, name: str | None, writes: set[str], expected: Match | None) -> None:
    assert match_input(CELLS, body, "sql", name, writes) == expected


def test_a_python_input_never_matches_an_sql_cell() -> None:
    assert match_input(CELLS, "SELECT 2", "python", None, frozenset()) is None


def test_skipped_cells_are_never_matched() -> None:
    assert match_input(CELLS, "a = 5", "python", None, {"a"}, skip=frozenset({"a"})) is None


def test_normalize() -> None:
    assert normalize("\n  \nx = 1  \n\ty\t\n\n") == "x = 1\n\ty"


@pytest.mark.parametrize("code", ["a = 10", "y, x = 3, 4", "x = 3", "c = 1", "print(b)", "a = 5"])
def test_owner_lookup_agrees_with_the_scan(code: str) -> None:
    owners = {n: c for c in CELLS for n in c.writes}
    writes = analyze_python(code).writes
    scanned = match_input(CELLS, code, "python", None, writes)
    assert match_input(CELLS, code, "python", None, writes, owner=owners.get) == scanned
