"""Table pages and variable summaries without a kernel (plain values)."""

from __future__ import annotations

import pytest

from reactive_kernel.core.notebook import OpError
from reactive_kernel.runtime.sql_table import SqlTable
from reactive_kernel.runtime.table_page import Sort, page, table_page
from reactive_kernel.runtime.variables import describe, list_variables


def test_sorting_puts_nulls_last_and_handles_mixed_types() -> None:
    t = SqlTable(["a"], [(3,), (None,), (1,), ("x",), (2,)])
    up = page("t", t, 0, 10, Sort("a", False))
    assert [r[0] for r in up["rows"]][-1] == "NULL"
    down = page("t", t, 0, 10, Sort("a", True))
    assert [r[0] for r in down["rows"]][-1] == "NULL"
    plain = SqlTable(["n"], [(i,) for i in (5, None, 1, 3)])
    assert [r[0] for r in page("p", plain, 0, 9, Sort("n", False))["rows"]] == [
        "1",
        "3",
        "5",
        "NULL",
    ]
    assert [r[0] for r in page("p", plain, 0, 9, Sort("n", True))["rows"]] == [
        "5",
        "3",
        "1",
        "NULL",
    ]


def test_pages_and_limits() -> None:
    t = SqlTable(["i"], [(i,) for i in range(1234)])
    p = table_page({"t": t}, "t", 1200, 10_000, None)
    assert p["total"] == 1234 and p["offset"] == 1200 and len(p["rows"]) == 34
    assert len(table_page({"t": t}, "t", 0, 10_000, None)["rows"]) == 500  # capped
    with pytest.raises(OpError) as info:
        table_page({"t": t}, "t", 0, 5, Sort("nope", False))
    assert info.value.code == "bad_request"
    with pytest.raises(OpError) as info:
        table_page({"_t": t}, "_t", 0, 5, None)
    assert info.value.code == "unknown_name"


def test_describe_is_short_and_never_raises() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert "Broken" in describe(Broken())["summary"]  # a broken __repr__ does not raise
    assert len(describe("x" * 10_000)["summary"]) <= 80
    assert describe(list(range(10**5)))["summary"].startswith("len 100000")
    assert describe(SqlTable(["a", "b"], [(1, 2)]))["summary"] == "1 rows \u00d7 2 cols"
    names = list_variables({"a": 1, "_b": 2, "In": [], "Out": {}}, {}, lambda n: "c1")
    assert [v["name"] for v in names] == ["a"] and names[0]["cell_id"] == "c1"
