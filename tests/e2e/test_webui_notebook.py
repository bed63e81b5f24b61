"""The web notebook in a real browser: cells, cascades, outputs, SQL, graph, keyboard."""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from typing import Any

from nbtools import (
    add_cell,
    cell_by_id,
    cells,
    editing_cell,
    editor,
    expect,
    expect_output,
    expect_status,
    reactive,
    run,
    set_code,
)

SELECTED = re.compile(r"\bselected\b")

# a 48x24 red PNG, built inside the cell (no imaging library needed)
PNG_CELL = """import struct, zlib
def _chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
_raw = b''.join(b'\\x00' + b'\\xff\\x00\\x00' * 48 for _ in range(24))
png = (b'\\x89PNG\\r\\n\\x1a\\n' + _chunk(b'IHDR', struct.pack('>IIBBBBB', 48, 24, 8, 2, 0, 0, 0))
       + _chunk(b'IDAT', zlib.compress(_raw)) + _chunk(b'IEND', b''))
from IPython.display import Image
Image(data=png)"""


def test_token_list_and_create(open_page: Any, gateway: Any, shot: Any, notebook_name: str) -> None:
    with urllib.request.urlopen(f"{gateway.url}/static/app.js", timeout=10) as r:
        assert r.status == 200  # public build output, no data
    try:
        urllib.request.urlopen(f"{gateway.url}/", timeout=10)
        raise AssertionError("the page was served without a token")
    except urllib.error.HTTPError as e:
        assert e.code == 401
    (gateway.root / "existing.py").write_text('# %% id="x"\nx = 1\n')
    (gateway.root / "script.py").write_text("print('not a notebook')\n")
    page = open_page()
    expect(page.locator("#notebooks")).to_contain_text("existing.py")
    expect(page.locator("#notebooks")).not_to_contain_text("script.py")
    assert "token=" not in page.url  # removed from the address bar
    shot(page, "01-notebook-list")
    page.reload()  # the cookie, not the token, lets the page load again
    expect(page.locator("#notebooks")).to_contain_text("existing.py")
    page.fill("#new-name", notebook_name.removesuffix(".py"))
    page.click("#new-create")
    expect(page.locator(".link-dot")).to_have_attribute("data-health", "live", timeout=30_000)
    expect(page.locator(".nb-notice")).to_contain_text("empty")
    assert (gateway.root / notebook_name).exists()
    page.goto(f"{gateway.url}/#nb=existing.py")
    expect(cells(page)).to_have_count(1)
    expect(cells(page).first.locator(".cell-code")).to_contain_text("x = 1")
    page.goto(f"{gateway.url}/#nb=../outside.py")  # refused by the gateway: no endless retries
    expect(page.locator("#banner")).to_contain_text("cannot be opened")


def test_chain_runs_reruns_and_errors(open_page: Any, shot: Any, notebook_name: str) -> None:
    page = open_page(notebook_name)
    a = add_cell(page, "a = 5")
    b = add_cell(page, "b = a * 2\nprint('b is', b)")
    c = add_cell(page, "c = b + 1\nc")
    run(c)  # runs its out-of-date ancestors first
    for cell in (a, b, c):
        expect_status(cell, "success")
    expect_output(b, "b is 10")
    expect_output(c, "11")
    img = add_cell(page, PNG_CELL)
    run(img)
    expect(img.locator("img.output-image")).to_be_visible()
    shot(page, "02-chain-success")

    counts = [cell.locator(".cell-count").inner_text() for cell in (b, c)]
    set_code(a, "a = 50")
    run(a)
    expect_output(b, "b is 100")
    expect_output(c, "101")
    assert [cell.locator(".cell-count").inner_text() for cell in (b, c)] != counts
    expect(page.locator("#progress")).to_contain_text("succeeded")

    a.locator('[data-action="delete"]').click()
    expect(cells(page)).to_have_count(3)
    expect_status(b, "error")
    expect_status(c, "error")
    expect_output(b, "NameError")
    expect_output(c, "UpstreamError")
    shot(page, "03-upstream-deleted")


def test_sql_cells_and_tables(open_page: Any, shot: Any, notebook_name: str) -> None:
    page = open_page(notebook_name)
    n = add_cell(page, "n = 30")
    sql = add_cell(page, "SELECT value FROM no_such_table", kind="sql", name="squares")
    run(sql)
    expect_status(sql, "error")  # the database's own message
    expect_output(sql, "no_such_table")
    set_code(
        sql,
        "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < :n)\n"
        "SELECT value, value * value AS square FROM s",
    )
    run(sql)
    expect_status(sql, "success")
    table = sql.locator(".cell-outputs table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(20)  # the kernel sends the first 20
    expect(sql.locator(".cell-outputs")).to_contain_text("30")
    total = add_cell(page, "print('total', sum(squares['square']))")
    run(total)
    expect_output(total, "total 9455")
    assert sql.get_attribute("data-type") == "sql"
    expect(sql.locator(".tok-keyword").first).to_be_visible()  # SQL highlighting
    shot(page, "04-sql-table")
    # upstream python change re-runs the SQL cell and its reader
    set_code(n, "n = 3")
    run(n)
    expect_output(total, "total 14")
    expect(table.locator("tbody tr")).to_have_count(3)


def test_two_pages_stay_in_sync(open_page: Any, shot: Any, notebook_name: str) -> None:
    one = open_page(notebook_name)
    two = open_page(notebook_name)
    x = add_cell(one, "x = 2")
    y = add_cell(one, "y = x ** 10\nprint('y =', y)")
    run(y)
    y2 = cell_by_id(two, y.get_attribute("data-cell-id") or "")
    expect_output(y2, "y = 1024")
    expect(cells(two)).to_have_count(2)
    # an edit on the second page shows on the first, code and results
    x2 = cell_by_id(two, x.get_attribute("data-cell-id") or "")
    set_code(x2, "x = 3")
    run(x2)
    expect_output(y, "y = 59049")
    expect(x.locator(".cell-code")).to_contain_text("x = 3")
    # structure: a cell added and moved on one page appears in place on the other
    z = add_cell(two, "z = y - 1")  # below the selected cell, x
    z_id = z.get_attribute("data-cell-id") or ""
    expect(cells(one).nth(1)).to_have_attribute("data-cell-id", z_id)
    z.locator('[data-action="up"]').click()
    expect(cells(one).nth(0)).to_have_attribute("data-cell-id", z_id)
    expect(cells(two).nth(0)).to_have_attribute("data-cell-id", z_id)
    expect(cells(one).nth(0).locator(".cell-code")).to_contain_text("z = y - 1")
    shot(one, "05-sync-page-one")
    shot(two, "05-sync-page-two")


def test_keyboard_navigation(open_page: Any, notebook_name: str) -> None:
    page = open_page(notebook_name)
    first = add_cell(page, "k1 = 1")
    page.keyboard.press("Escape")  # command mode
    expect(editor(first)).not_to_be_focused()
    page.keyboard.press("b")  # add below, in edit mode
    expect(cells(page)).to_have_count(2)
    expect(editor(editing_cell(page))).to_be_focused()
    page.keyboard.insert_text("k2 = k1 + 1")
    page.keyboard.press("Shift+Enter")  # run; last cell: a new one below
    expect(cells(page)).to_have_count(3)
    second = cells(page).nth(1)
    expect_status(second, "success")
    page.keyboard.press("Escape")
    page.keyboard.press("a")  # add above the third
    expect(cells(page)).to_have_count(4)
    page.keyboard.press("Escape")
    third = cells(page).nth(2)
    expect(third).to_have_class(SELECTED)
    page.keyboard.press("d")
    page.keyboard.press("d")  # D D deletes
    expect(cells(page)).to_have_count(3)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(cells(page).nth(0)).to_have_class(SELECTED)
    page.keyboard.press("ArrowDown")
    expect(cells(page).nth(1)).to_have_class(SELECTED)
    page.keyboard.press("Enter")  # edit mode
    expect(editor(cells(page).nth(1))).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Shift+ArrowUp")  # move up
    expect(cells(page).nth(0).locator(".cell-code")).to_contain_text("k2 = k1 + 1")
    assert reactive(page, "r.model.order.length") == 3


def test_type_switch_and_run_on_edit(open_page: Any, notebook_name: str) -> None:
    page = open_page(notebook_name)
    cell = add_cell(page, "SELECT 41 + 1 AS answer")
    cell.locator(".cell-type").select_option("sql")
    expect(cell).to_have_attribute("data-type", "sql")
    expect(cell.locator(".cell-code")).to_contain_text("SELECT 41 + 1 AS answer")
    run(cell)
    expect_status(cell, "success")
    expect(cell.locator(".cell-outputs table")).to_contain_text("42")
    page.check("#run-on-edit")
    watcher = add_cell(page, "w = 7\nprint('w', w)")
    expect_output(watcher, "w 7")  # ran by itself after the pause in typing
    editor(watcher).press("Control+Home")
    editor(watcher).press("End")
    page.keyboard.type("0")
    expect_output(watcher, "w 70")


def test_graph_highlights_lineage(open_page: Any, shot: Any, notebook_name: str) -> None:
    page = open_page(notebook_name)
    a = add_cell(page, "g_a = 1")
    b = add_cell(page, "g_b = g_a + 1")
    c = add_cell(page, "g_c = g_b + 1")
    d = add_cell(page, "g_d = g_a * 10")
    e = add_cell(page, "g_e = 0")
    run(c)
    run(d)
    expect_status(d, "success")
    page.check("#graph-toggle")
    graph = page.locator("#graph")
    expect(graph.locator("[data-node]")).to_have_count(5)
    expect(graph.locator("path.graph-edge")).to_have_count(3)
    graph.locator(f'[data-node="{b.get_attribute("data-cell-id")}"]').click()
    expect(graph.locator(".node-selected")).to_have_count(1)
    node = lambda cell: graph.locator(f'[data-node="{cell.get_attribute("data-cell-id")}"]')  # noqa: E731
    expect(node(a)).to_have_class(re.compile(r"\bnode-ancestor\b"))
    expect(node(c)).to_have_class(re.compile(r"\bnode-descendant\b"))
    expect(node(d)).not_to_have_class(re.compile(r"node-(ancestor|descendant)"))
    expect(a).to_have_class(re.compile(r"\bhl-ancestor\b"))
    expect(c).to_have_class(re.compile(r"\bhl-descendant\b"))
    expect(d).not_to_have_class(re.compile(r"hl-"))
    expect(e).not_to_have_class(re.compile(r"hl-"))
    shot(page, "06-graph")


def test_database_url_is_never_echoed(
    open_page: Any, gateway: Any, shot: Any, notebook_name: str
) -> None:
    page = open_page(notebook_name)
    db_url = page.locator("#db-url")
    expect(db_url).to_have_text("sqlite://")
    q = add_cell(page, "SELECT COUNT(*) AS n FROM kv", kind="sql", name="counted")

    def set_database(url: str) -> None:
        page.click("#db-change")
        page.fill("#db-input", url)
        page.press("#db-input", "Enter")
        expect(page.locator("#db-input")).to_be_hidden()
        assert page.locator("#db-input").input_value() == ""  # not kept on the page

    set_database("postgresql+psycopg://alice:s3cr3t-pw@127.0.0.1:1/nowhere")  # unreachable
    expect(page.locator(".toast-error")).to_contain_text("set_database failed")
    expect(db_url).to_have_text("sqlite://")
    assert "s3cr3t-pw" not in page.content()
    set_database("postgresql+psycopg://alice@127.0.0.1:1/nowhere?sslmode=disable&PassWord=s3cr3t-q")
    expect(page.locator(".toast-error").last).to_contain_text("PassWord=***")
    assert "s3cr3t-q" not in page.content()

    db = gateway.root / f"{notebook_name}.db"
    sqlite3 = __import__("sqlite3")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE kv (k TEXT, v INTEGER)")
        conn.executemany("INSERT INTO kv VALUES (?, ?)", [("a", 1), ("b", 2), ("c", 3)])
    set_database(f"sqlite:///{db}")
    expect(db_url).to_have_text(f"sqlite:///{db}")
    run(q)
    expect_status(q, "success")
    expect(q.locator(".cell-outputs table")).to_contain_text("3")
    postgres = os.environ.get("REACTIVE_TEST_POSTGRES_URL")
    if postgres:
        password = re.search(r"://[^:/@]+:([^@]+)@", postgres)
        set_database(postgres)
        expect(db_url).to_contain_text("***")
        if password:  # as it would stand in a URL (the CI password is a common word)
            assert f":{password.group(1)}@" not in page.content()
    shot(page, "10-database")


def test_statuses_progress_plan_and_interrupt(
    open_page: Any, shot: Any, notebook_name: str
) -> None:
    page = open_page(notebook_name)
    slow = add_cell(page, "import time\ntime.sleep(float(_pause := 3))\nslow = 1")
    mid = add_cell(page, "mid = slow + 1")
    end = add_cell(page, "end = mid + 1\nprint('end', end)")
    add_cell(page, "end = 0")  # a second definition of `end`: blocked
    idle = add_cell(page, "never_run = True")
    run(end)
    expect_status(slow, "running")
    expect(mid.locator(".cell-status")).to_have_text("queued")
    expect(mid.locator(".cell-plan")).to_have_text("2 of 3")
    progress = page.locator("#progress")
    expect(progress).to_have_attribute("data-state", "running")
    expect(progress).to_contain_text("plan:")
    expect(page.locator('section.cell[data-status="blocked"]')).to_have_count(1)
    expect(page.locator('section.cell[data-status="blocked"] .cell-problem')).to_contain_text(
        "MultipleDefinitionError"
    )
    shot(page, "11-cascade-running")
    expect_status(end, "success")
    expect(progress).to_have_attribute("data-state", "done")
    expect_status(idle, "idle")
    set_code(mid, "mid = slow + 2")  # edited, not run: it and its descendants are stale
    page.keyboard.press("Escape")
    expect_status(mid, "stale")
    expect_status(end, "stale")
    run(slow)
    expect_status(slow, "running")
    page.click("#interrupt")
    expect_status(slow, "error")
    expect_output(slow, "KeyboardInterrupt")
    expect_status(mid, "stale")
    shot(page, "12-interrupted")


def test_mutation_diagnostic_badge(open_page: Any, shot: Any, notebook_name: str) -> None:
    """A cell that mutates another cell's value shows a warning badge naming that cell;
    it goes when no cell defines the name any more, and comes back with a new definer."""
    page = open_page(notebook_name)
    owner = add_cell(page, "items = [1]")
    mut = add_cell(page, "items.append(2)\nlen(items)")
    owner_id = owner.get_attribute("data-cell-id")
    diag = mut.locator(".cell-diagnostics .diagnostic")
    expect(diag).to_have_count(1)
    expect(diag).to_have_attribute("data-code", "mutates-foreign")
    expect(diag.locator(".diagnostic-badge")).to_be_visible()
    expect(diag).to_contain_text(f"mutates items, which cell {owner_id} defines")
    expect(diag).to_contain_text("move the mutation")
    expect(owner.locator(".cell-diagnostics")).to_be_hidden()
    run(mut)
    expect_status(mut, "success")  # a warning, never a block
    expect(diag).to_have_count(1)
    shot(page, "diagnostic-badge")
    set_code(owner, "other = [1]")  # the owner no longer defines items: the badge goes
    expect(mut.locator(".cell-diagnostics")).to_be_hidden(timeout=15_000)
    set_code(owner, "items = [0]")
    expect(diag).to_have_count(1, timeout=15_000)
