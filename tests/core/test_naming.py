"""Cells named as the user sees them (core/naming.py), and the texts that use it."""

from __future__ import annotations

import pytest

from reactive_kernel.core.cells import Cell, Status
from reactive_kernel.core.naming import cell_label, first_line, is_human_id, summary_label
from reactive_kernel.core.notebook import Notebook
from reactive_kernel.core.summary import cascade_summary

UUID = "43d3bf34-5c1e-4b8e-9a47-1f2d3c4b5a69"


@pytest.mark.parametrize(
    ("cell_id", "human"),
    [
        ("orders", True),
        ("c1", True),
        ("cell-3", True),
        ("by_fruit", True),
        ("m-owner", True),
        ("_scratch", True),
        ("deadbeef", True),  # hex letters only: a word
        ("x" * 24, True),
        ("x" * 25, False),  # too long to be typed as a name
        (UUID, False),  # JupyterLab
        ("1e9aac6b", False),  # nbformat's uuid4().hex[:8]
        ("c3fa9b2e1d07", False),  # the web notebook's randomId("c")
        ("cell-a1b2c3d4", False),
        ("3", False),  # starts with a digit
        ("", False),
    ],
)
def test_is_human_id(cell_id: str, human: bool) -> None:
    assert is_human_id(cell_id) is human


@pytest.mark.parametrize(
    ("cell_id", "code", "count", "label"),
    [
        ("b", "b = a + 1", 3, "b"),
        (UUID, "b = a + 1", 3, '[3] "b = a + 1"'),
        (UUID, "\n\n   b = a + 1  \nprint(b)", 7, '[7] "b = a + 1"'),
        (UUID, "b = a + 1", None, '"b = a + 1"'),
        (UUID, "", 2, "[2] (empty)"),
        (UUID, "  \n", None, "(empty)"),
        (UUID, "x = " + "1" * 60, 1, '[1] "x = ' + "1" * 27 + '…"'),
        ("1e9aac6b", "SELECT 1", 4, '[4] "SELECT 1"'),
    ],
)
def test_cell_label(cell_id: str, code: str, count: int | None, label: str) -> None:
    assert cell_label(cell_id, code, count) == label


def test_first_line_width() -> None:
    assert first_line("abcdef", 4) == "abc…"
    assert first_line("abcd", 4) == "abcd"


@pytest.mark.parametrize(
    ("cell_id", "code", "label"),
    [
        ("b", "b = a * 2", "b = a * 2 [b]"),
        (UUID, "b = a * 2", "b = a * 2"),
        (UUID, "", "(empty)"),
    ],
)
def test_summary_label(cell_id: str, code: str, label: str) -> None:
    assert summary_label(cell_id, code) == label


def _ran(nb: Notebook, *ids: str) -> None:
    for count, cid in enumerate(ids, start=1):
        cell = nb.cells[cid]
        cell.status, cell.execution_count, cell.defined = Status.SUCCESS, count, cell.writes


def test_upstream_error_names_a_uuid_cell_by_count_and_first_line() -> None:
    nb = Notebook()
    nb.create(UUID, code="b = a + 1")
    nb.create("c9e2f0d1a7b3", code="c = b * 2")
    _ran(nb, UUID, "c9e2f0d1a7b3")
    nb.cells[UUID].status = Status.ERROR
    failure = nb.upstream_failure("c9e2f0d1a7b3")
    assert failure is not None
    assert failure.evalue == 'Cell [1] "b = a + 1" (which defines b) failed.'


def test_blocked_texts_name_cells_as_seen() -> None:
    nb = Notebook()
    nb.create(UUID, code="x = 1")
    nb.create("dup", code="x = 2")
    conflict = nb.blocked_reason("dup")
    assert conflict is not None and conflict.ename == "MultipleDefinitionError"
    assert """'x' by cell "x = 1\"""" in conflict.evalue and UUID not in conflict.evalue
    nb.create("1e9aac6b", code="p = q")
    nb.create("other", code="q = p")
    cycle = nb.blocked_reason("other")
    assert cycle is not None and cycle.ename == "CycleError"
    assert 'cell(s) "p = q"' in cycle.evalue


def test_summary_names_uuid_cells_by_first_line() -> None:
    cells = [
        Cell(UUID, code="b = a * 2", status=Status.SUCCESS),
        Cell("c", code="c = b + 1", status=Status.SUCCESS),
    ]
    content = cascade_summary(cells)
    assert content is not None
    text = content["data"]["text/plain"]
    assert "✓ b = a * 2: ok" in text and UUID[:8] not in text
    assert "✓ c = b + 1 [c]: ok" in text
