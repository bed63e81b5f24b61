"""The panel requests against a real kernel: ``variables`` (and its live event)
and ``table_page`` over SQL results and pandas DataFrames."""

from __future__ import annotations

import pytest
from harness import KernelHarness

TABLE_MIME = "application/vnd.reactive.table+json"


def _vars(k: KernelHarness, **args: object) -> dict[str, dict[str, object]]:
    r = k.comm("variables", **args)
    assert r.reply and r.reply["ok"], r.reply
    return {v["name"]: v for v in r.reply["variables"]}


def test_variables_lists_user_names_with_type_summary_and_cell(kernel: KernelHarness) -> None:
    k = kernel
    k.create("v1", "import os\nnums = list(range(1000))\nlabel = 'hello'\n_private = 3")
    k.comm("run", cell_id="v1")
    k.create("v2", "def twice(x):\n    return 2 * x\nbig = {i: i for i in range(50)}")
    k.comm("run", cell_id="v2")
    found = _vars(k)
    assert found["nums"]["type"] == "list" and str(found["nums"]["summary"]).startswith("len 1000")
    assert found["label"]["summary"] == "'hello'" and found["label"]["cell_id"] == "v1"
    assert found["os"]["type"] == "module" and found["twice"]["type"] == "function"
    assert found["big"]["cell_id"] == "v2"
    # IPython's own names and private names are not the user's
    assert not {"_private", "In", "Out", "get_ipython", "exit", "quit", "_"} & set(found)
    assert all(len(str(v["summary"])) <= 80 for v in found.values())


def test_variables_event_only_after_subscribing(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    k.create("a", "a = 1")
    r = k.comm("run", cell_id="a")
    assert r.of("variables") == []  # nobody asked: nothing computed or sent
    sub = k.comm("variables", subscribe=True)
    assert sub.reply and sub.reply["subscribed"] is True
    k.create("b", "b = a + 41")
    r = k.comm("run", cell_id="b")
    [event] = r.of("variables")
    names = {v["name"]: v for v in event["variables"]}
    assert names["b"]["summary"] == "42" and names["b"]["cell_id"] == "b"
    # deleting the definer removes the name; the next event says so
    r = k.comm("delete", cell_id="b")
    assert r.reply and r.reply["ok"]
    k.comm("register", cell_id="a", code="a = 2", run=True)
    assert "b" not in _vars(k)
    k.comm("variables", subscribe=False)
    r = k.comm("run", cell_id="a")
    assert r.of("variables") == []


@pytest.mark.parametrize(
    "args",
    [{"subscribe": "yes"}],
)
def test_variables_bad_input(kernel: KernelHarness, args: dict[str, object]) -> None:
    r = kernel.comm("variables", **args)
    assert r.reply and not r.reply["ok"] and r.reply["error"]["code"] == "bad_request"


def test_sql_result_pages_sort_and_inline_first_page(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    name = f"t_{uid}"
    code = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
        "SELECT i, i % 7 AS m FROM n"
    )
    k.create(f"s{uid}", code, cell_type="sql", name=name)
    r = k.comm("run", cell_id=f"s{uid}")
    bundles = [
        m["content"]["data"] for m in r.outputs(f"s{uid}") if m["msg_type"] == "display_data"
    ]
    [first] = [b[TABLE_MIME] for b in bundles if TABLE_MIME in b]
    assert first["total"] == 1000 and first["name"] == name and len(first["rows"]) == 20
    assert first["columns"] == ["i", "m"] and first["rows"][0] == ["1", "1"]
    assert "text/html" in bundles[0]  # other front ends still get the table as HTML
    r = k.comm("table_page", name=name, offset=980, limit=50)
    page = r.reply["page"]  # type: ignore[index]
    assert page["offset"] == 980 and len(page["rows"]) == 20 and page["rows"][-1][0] == "1000"
    r = k.comm("table_page", name=name, offset=0, limit=3, sort={"column": "i", "descending": True})
    assert [row[0] for row in r.reply["page"]["rows"]] == ["1000", "999", "998"]  # type: ignore[index]
    r = k.comm("table_page", name=name, offset=3, limit=3, sort={"column": "i", "descending": True})
    assert [row[0] for row in r.reply["page"]["rows"]] == ["997", "996", "995"]  # type: ignore[index]


def test_table_page_errors_change_nothing(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    k.create(f"n{uid}", f"notatable_{uid} = 5")
    k.comm("run", cell_id=f"n{uid}")
    cases = [
        ({"name": f"missing_{uid}"}, "unknown_name"),
        ({"name": f"notatable_{uid}"}, "not_a_table"),
        ({"name": f"notatable_{uid}", "offset": -1}, "bad_request"),
        ({"name": f"notatable_{uid}", "sort": "x"}, "bad_request"),
        ({}, "bad_request"),
    ]
    for args, code in cases:
        r = k.comm("table_page", **args)
        assert r.reply and not r.reply["ok"] and r.reply["error"]["code"] == code, (args, r.reply)
        assert r.reply["error"]["message"].endswith(".")


def test_dataframe_pages_sorted_by_the_kernel(kernel: KernelHarness, uid: str) -> None:
    pytest.importorskip("pandas")
    k = kernel
    name = f"df_{uid}"
    frame = "pd.DataFrame({'x': range(500), 'y': [i % 10 for i in range(500)]})"
    code = f"import pandas as pd\n{name} = {frame}\n{name}"
    k.create(f"d{uid}", code)
    r = k.comm("run", cell_id=f"d{uid}")
    results = [
        m["content"]["data"] for m in r.outputs(f"d{uid}") if m["msg_type"] == "execute_result"
    ]
    [first] = [b[TABLE_MIME] for b in results if TABLE_MIME in b]
    assert first["total"] == 500 and first["name"] == name and first["index"] is None
    r = k.comm("table_page", name=name, offset=0, limit=5, sort={"column": "y", "descending": True})
    page = r.reply["page"]  # type: ignore[index]
    assert [row[1] for row in page["rows"]] == ["9"] * 5
    assert [row[0] for row in page["rows"]] == ["9", "19", "29", "39", "49"]  # stable
    # an unnamed frame (an expression) is shown as before, without the paged view
    k.create(f"e{uid}", f"{name}.head(3)")
    r = k.comm("run", cell_id=f"e{uid}")
    results = [
        m["content"]["data"] for m in r.outputs(f"e{uid}") if m["msg_type"] == "execute_result"
    ]
    assert results and all(TABLE_MIME not in b for b in results)
