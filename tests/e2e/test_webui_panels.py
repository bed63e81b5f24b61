"""The notebook page's toolbar, dependency graph, variables panel and paginated
tables, in Chromium against a real gateway and kernel (screenshots in
test-artifacts/e2e/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from nbtools import add_cell, cell_by_id, cells, expect, expect_output, expect_status, reactive, run

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


def panel_shot(locator: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def write_notebook(path: Path, bodies: list[tuple[str, str]]) -> None:
    path.write_text("\n".join(f'# %% id="{cid}"\n{code}\n' for cid, code in bodies))


def test_toolbar_run_on_open_restart_run_all_interrupt(
    open_page: Any, gateway: Any, shot: Any, notebook_name: str
) -> None:
    write_notebook(
        gateway.root / notebook_name,
        [("t1", "t1 = 1"), ("t2", "t2 = t1 + 1\nprint('t2 is', t2)"), ("t3", "t3 = t2 * 10")],
    )
    page = open_page(notebook_name)
    # never run in this kernel: the page runs it on open
    for cid in ("t1", "t2", "t3"):
        expect_status(cell_by_id(page, cid), "success")
    expect_output(cell_by_id(page, "t2"), "t2 is 2")
    shot(page, "20-toolbar-run-on-open")
    # Restart: every cell idle, and the page does not run it again by itself
    page.click("#restart")
    for cid in ("t1", "t2", "t3"):
        expect_status(cell_by_id(page, cid), "idle")
    assert reactive(page, "r.model.cascade") is None
    # Run all (toolbar)
    page.click("#run-all")
    expect_status(cell_by_id(page, "t3"), "success")
    # 0 0 restarts in command mode; Ctrl-Shift-Enter runs all
    cell_by_id(page, "t1").locator(".cell-gutter, .cell-status").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("0")
    page.keyboard.press("0")
    expect_status(cell_by_id(page, "t3"), "idle")
    page.keyboard.press("Control+Shift+Enter")
    expect_status(cell_by_id(page, "t3"), "success")
    # Restart and run all
    count = cell_by_id(page, "t3").get_attribute("data-count") or ""
    page.click("#restart-run-all")
    expect_status(cell_by_id(page, "t3"), "success")
    expect_output(cell_by_id(page, "t2"), "t2 is 2")
    # I I interrupts the running cell
    slow = add_cell(page, "import time\ntime.sleep(float(_p := 30))\nslow_done = 1")
    run(slow)
    expect_status(slow, "running")
    page.keyboard.press("Escape")
    page.keyboard.press("i")
    page.keyboard.press("i")
    expect_status(slow, "error")
    expect_output(slow, "KeyboardInterrupt")
    shot(page, "21-toolbar-interrupted")
    del count


def test_run_on_open_leaves_a_kernel_that_ran(
    open_page: Any, gateway: Any, notebook_name: str
) -> None:
    write_notebook(gateway.root / notebook_name, [("o1", "o1 = 5"), ("o2", "o2 = o1 + 1")])
    page = open_page(notebook_name)
    expect_status(cell_by_id(page, "o2"), "success")
    cell_by_id(page, "o2").locator(".cell-code").click()
    page.keyboard.insert_text("\n# edited")
    page.keyboard.press("Escape")
    expect_status(cell_by_id(page, "o2"), "stale")
    # a second window on the same kernel: cells already ran, nothing is re-run
    other = open_page(notebook_name)
    expect_status(cell_by_id(other, "o2"), "stale")
    expect_status(cell_by_id(other, "o1"), "success")


def test_graph_from_kernel_parents_fits_zooms_jumps(
    open_page: Any, gateway: Any, shot: Any, notebook_name: str
) -> None:
    # 200 cells: a shadowed builtin (an edge only the kernel knows about), then a
    # binary tree of dependencies
    bodies = [("g0", "len = lambda x: 99"), ("g1", "n_items = len([1, 2])")]
    for i in range(2, 200):
        bodies.append((f"g{i}", f"v{i} = {'n_items' if i < 4 else f'v{i // 2}'} + 1"))
    write_notebook(gateway.root / notebook_name, bodies)
    page = open_page(notebook_name)
    expect_status(cell_by_id(page, "g199"), "success", timeout=60_000)
    page.check("#graph-toggle")
    graph = page.locator("#graph")
    expect(graph.locator("[data-node]")).to_have_count(200)
    # edges are the kernel's parents: the builtin shadowing edge g0 -> g1 is drawn
    expect(graph.locator('path.graph-edge[data-from="g0"][data-to="g1"]')).to_have_count(1)
    expect(graph.locator("path.graph-edge")).to_have_count(1 + 2 + 196)
    # fitted to the panel: the svg is the panel's width, nothing clipped sideways
    panel = graph.bounding_box()
    svg = graph.locator("svg.graph-svg").bounding_box()
    assert panel and svg and svg["width"] <= panel["width"] + 1
    scene = graph.locator("g.graph-scene")

    def scale() -> float:
        found = re.search(r"scale\(([\d.]+)\)", scene.get_attribute("transform") or "")
        assert found
        return float(found.group(1))

    fitted = scale()
    assert fitted >= 0.3  # readable: never shrunk below 30 %
    panel_shot(graph, "22-graph-200")
    graph.locator('[data-tool="zoom-in"]').click()
    assert scale() > fitted
    graph.locator('[data-tool="fit"]').click()
    assert abs(scale() - fitted) < 1e-3
    # selecting a cell reveals its node and lights its lineage
    cell_by_id(page, "g4").locator(".cell-status").click()
    node = lambda cid: graph.locator(f'[data-node="{cid}"]')  # noqa: E731
    expect(node("g4")).to_have_class(re.compile(r"\bnode-selected\b"))
    expect(node("g4")).to_be_in_viewport()
    expect(node("g2")).to_have_class(re.compile(r"\bnode-ancestor\b"))
    expect(node("g1")).to_have_class(re.compile(r"\bnode-ancestor\b"))
    expect(node("g8")).to_have_class(re.compile(r"\bnode-descendant\b"))
    expect(node("g3")).not_to_have_class(re.compile(r"node-(ancestor|descendant)"))
    # hovering another node lights its lineage instead
    node("g8").hover()
    expect(node("g4")).to_have_class(re.compile(r"\bnode-ancestor\b"))
    expect(node("g16")).to_have_class(re.compile(r"\bnode-descendant\b"))
    expect(node("g5")).not_to_have_class(re.compile(r"node-(ancestor|descendant)"))
    # zoomed out until the whole graph shows, click a node far down: its cell is
    # selected and scrolled into view
    while scale() > 0.08:
        graph.locator('[data-tool="zoom-out"]').click()
    node("g150").click()
    target = cell_by_id(page, "g150")
    expect(target).to_have_class(re.compile(r"\bselected\b"))
    expect(target).to_be_in_viewport()
    expect(cell_by_id(page, "g75")).to_have_class(re.compile(r"\bhl-ancestor\b"))
    panel_shot(graph, "23-graph-zoomed-out")
    # a later edit changes edges through the events' `parents` map
    reactive(page, "r.client.send({op: 'register', cell_id: 'g0', code: 'len_x = 1', run: false})")
    expect(graph.locator('path.graph-edge[data-from="g0"][data-to="g1"]')).to_have_count(0)


def test_variables_panel_live_and_jumps(open_page: Any, shot: Any, notebook_name: str) -> None:
    page = open_page(notebook_name)
    a = add_cell(page, "vp_total = 41\nvp_items = list(range(300))")
    run(a)
    expect_status(a, "success")
    page.check("#vars-toggle")
    panel = page.locator("#variables")
    expect(panel).to_be_visible()
    row = panel.locator('tr[data-name="vp_total"]')
    expect(row.locator(".vars-value")).to_have_text("41")
    expect(row.locator(".vars-type")).to_have_text("int")
    expect(panel.locator('tr[data-name="vp_items"] .vars-value')).to_contain_text("len 300")
    assert panel.locator('tr[data-name="In"]').count() == 0
    b = add_cell(
        page,
        "import numpy as np\nvp_arr = np.zeros((3, 4))" if _has("numpy") else "vp_arr = {'k': 1}",
    )
    run(b)
    expect(panel.locator('tr[data-name="vp_arr"]')).to_have_count(1)  # live: after the cascade
    # edit the first cell: the value follows
    a.locator(".cell-code").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("vp_total = 42\nvp_items = []")
    page.keyboard.press("Shift+Enter")
    expect(row.locator(".vars-value")).to_have_text("42")
    # the defining cell is a link
    b.locator(".cell-code").click()
    page.keyboard.press("Escape")
    row.locator(".vars-cell").click()
    expect(a).to_have_class(re.compile(r"\bselected\b"))
    shot(page, "24-variables")


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_paginated_sortable_sql_table(open_page: Any, shot: Any, notebook_name: str) -> None:
    page = open_page(notebook_name)
    q = add_cell(
        page,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
        "SELECT i, i * i AS sq FROM n",
        kind="sql",
        name="pg_rows",
    )
    run(q)
    expect_status(q, "success")
    view = q.locator(".rt-view")
    expect(view.locator(".rt-status")).to_have_text("rows 1\u201320 of 5,000")
    expect(view.locator("tbody tr")).to_have_count(20)
    view.locator(".rt-next").click()
    expect(view.locator(".rt-status")).to_have_text("rows 21\u201340 of 5,000")
    expect(view.locator("tbody tr").first.locator("td").first).to_have_text("21")
    view.locator('th[data-column="i"]').click()  # ascending
    view.locator('th[data-column="i"]').click()  # descending
    expect(view.locator("tbody tr").first.locator("td").first).to_have_text("5000")
    expect(view.locator('th[data-column="i"]')).to_have_attribute("aria-sort", "descending")
    view.locator(".rt-size").select_option("100")
    expect(view.locator("tbody tr")).to_have_count(100)
    # only the pages asked for travel: the outputs hold the first page
    outputs = reactive(page, f"r.model.cells.get('{q.get_attribute('data-cell-id')}').outputs")
    inline = [o["data"]["application/vnd.reactive.table+json"] for o in outputs if "data" in o]
    assert inline and len(inline[0]["rows"]) == 20
    shot(page, "25-paged-table")


def test_paginated_dataframe(open_page: Any, notebook_name: str) -> None:
    if not _has("pandas"):
        return
    page = open_page(notebook_name)
    c = add_cell(
        page,
        "import pandas as pd\n"
        "pg_df = pd.DataFrame({'a': range(1000), 'b': [i % 3 for i in range(1000)]})\npg_df",
    )
    run(c)
    view = c.locator(".rt-view")
    expect(view.locator(".rt-status")).to_have_text("rows 1\u201320 of 1,000")
    view.locator('th[data-column="b"]').click()
    view.locator('th[data-column="b"]').click()
    expect(view.locator("tbody tr").first.locator("td").nth(1)).to_have_text("2")
    view.locator(".rt-next").click()
    expect(view.locator(".rt-status")).to_have_text("rows 21\u201340 of 1,000")
    assert cells(page).count() == 1
