"""SQL cells in a real kernel: SQLite always, a real PostgreSQL server in CI."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from harness import KernelHarness

PG_ENV = "REACTIVE_TEST_POSTGRES_URL"


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("REACTIVE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{PG_ENV} is not set, and REACTIVE_REQUIRE_POSTGRES=1 requires PostgreSQL")
        pytest.skip(f"no PostgreSQL: set {PG_ENV}")
    return url


def sql(k: KernelHarness, cell_id: str, code: str, name: str | None = None) -> None:
    r = k.comm("create", cell_id=cell_id, cell_type="sql", code=code, name=name)
    assert r.reply and r.reply["ok"], r.reply


def status(k: KernelHarness, cell_id: str) -> tuple[str, str | None]:
    cell = k.cells()[cell_id]
    return cell["status"], (cell["error"] or {}).get("evalue")


def test_python_sql_python_chain(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    sql(k, "make", "CREATE TABLE t AS SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3")
    k.create("thr", "threshold = 1")
    sql(k, "big", "SELECT x FROM t WHERE x > :threshold ORDER BY x", name="big")
    k.create("count", "n = len(big)\nprint('n =', n)")
    cells = k.cells()
    assert cells["big"]["reads"] == ["table:t", "threshold"]
    assert cells["big"]["writes"] == ["big"] and cells["make"]["writes"] == ["table:t"]
    r = k.comm("run", cell_id="count")
    assert r.of("cascade_started")[0]["plan"] == ["make", "thr", "big", "count"]
    assert r.text("count") == "n = 2\n"
    [table] = [m for m in r.outputs("big") if m["msg_type"] == "display_data"]
    assert "<table" in table["content"]["data"]["text/html"]
    assert "2 rows" in table["content"]["data"]["text/plain"]
    # Changing the bound Python value re-runs the query and its consumer.
    r = k.comm("register", cell_id="thr", code="threshold = 2", run=True)
    assert [s["cell_id"] for s in r.of("cell_status") if s["status"] == "success"] == [
        "thr",
        "big",
        "count",
    ]
    assert r.text("count") == "n = 1\n"


def test_deleting_the_creating_cell_drops_the_table(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    sql(k, "make", "CREATE TABLE items (v INTEGER); INSERT INTO items VALUES (1), (2)")
    sql(k, "read", "SELECT count(*) AS c FROM items", name="counted")
    k.comm("run", cell_id="make")
    assert k.value("int(counted['c'][0])") == "2"
    k.comm("run", cell_id="make")  # a re-run drops the table first: no "already exists"
    assert status(k, "make")[0] == "success" and k.value("int(counted['c'][0])") == "2"
    r = k.comm("delete", cell_id="make")
    final = {s["cell_id"]: s for s in r.of("cell_status") if s["status"] != "running"}
    assert final["read"]["error"]["ename"] == "SqlError"
    assert "no such table: items" in final["read"]["error"]["evalue"]
    assert k.value("counted") == "NameError"


def test_sql_error_rolls_back_and_shows_the_database_message(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    sql(k, "bad", "CREATE TABLE half (x INTEGER); INSERT INTO half VALUES (1); SELECT * FROM nope")
    r = k.comm("run", cell_id="bad")
    [err] = [m for m in r.outputs("bad") if m["msg_type"] == "error"]
    assert err["content"]["ename"] == "SqlError"
    assert "no such table: nope" in err["content"]["evalue"]
    assert not any("sqlalchemy" in line.lower() for line in err["content"]["traceback"])
    r = k.execute("%%sql\nSELECT name FROM sqlite_master WHERE name = 'half'")
    assert "0 rows" in r.text()  # nothing half-applied


def test_bad_sql_and_bad_binds_are_that_cells_error(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    sql(k, "syntax", "SELEC 1")
    sql(k, "missing", "SELECT :nowhere AS v")
    k.create("obj", "unbindable = object()")
    sql(k, "unbind", "SELECT :unbindable AS v")
    k.create("evil", 'evil = "\'; DROP TABLE victims; --"')
    sql(k, "victims", "CREATE TABLE victims (v TEXT); INSERT INTO victims VALUES ('safe')")
    sql(k, "inject", "SELECT v, :evil AS e FROM victims", name="injected")
    for cid in ("syntax", "missing", "unbind", "inject"):
        k.comm("run", cell_id=cid)
    assert status(k, "syntax")[0] == "error"
    state, message = status(k, "missing")
    assert state == "error" and ":nowhere" in (message or "")
    assert status(k, "unbind")[0] == "error"
    assert status(k, "inject")[0] == "success"
    assert k.value("injected['e'][0]") == repr("'; DROP TABLE victims; --")
    assert k.value("injected['v'][0]") == "'safe'"  # the table is still there


def test_jupyterlab_sql_magic_cell(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    k.execute("limit_to = 2", cell_id="py")
    r = k.execute(
        "%%sql few\nSELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT 3 LIMIT :limit_to",
        cell_id="q",
    )
    assert r.reply and r.reply["status"] == "ok"
    cell = k.cells()["q"]
    assert (cell["type"], cell["name"], cell["reads"]) == ("sql", "few", ["limit_to"])
    assert k.value("len(few)") == "2"
    r = k.execute("limit_to = 1", cell_id="py")
    assert k.value("len(few)") == "1"
    r = k.execute("%%sql 1bad\nSELECT 1", cell_id="q2")
    assert r.reply and r.reply["status"] == "error"


def test_console_sql_magic_is_a_scratch_query(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    k.create("use", "print('rows:', len(scratch))")
    r = k.execute("%%sql scratch\nSELECT 1 AS one UNION ALL SELECT 2")
    assert "rows: 2" in r.text()


def test_switching_databases(fresh_kernel: KernelHarness, tmp_path: Path) -> None:
    k = fresh_kernel
    sql(k, "make", "CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    sql(k, "read", "SELECT count(*) AS c FROM t", name="c")
    k.comm("run", cell_id="read")
    url = f"sqlite:///{tmp_path / 'file.db'}"
    r = k.comm("set_database", url=url)
    assert r.reply and r.reply["ok"] and r.reply["dialect"] == "sqlite"
    [changed] = r.of("database_changed")
    assert changed["url"] == url
    assert {s["cell_id"] for s in r.of("cell_status") if s["status"] == "success"} == {
        "make",
        "read",
    }
    assert (tmp_path / "file.db").exists()
    r = k.comm("set_database", url="sqlite:////nonexistent-dir/x/y.db")
    assert r.reply and r.reply["ok"] is False and r.reply["error"]["code"] == "bad_database"
    assert k.snapshot()["database"] == url  # the previous database stays
    r = k.execute(f"%reactive db {url}")
    assert "now using" in r.text()


def test_postgresql_chain_switch_and_password_masking(
    fresh_kernel: KernelHarness, pg_url: str
) -> None:
    k = fresh_kernel
    table = f"events_{uuid.uuid4().hex[:8]}"
    password = pg_url.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
    r = k.comm("set_database", url=pg_url)
    assert r.reply and r.reply["ok"], r.reply
    assert r.reply["dialect"] == "postgresql"
    sql(
        k,
        "make",
        f"DROP TABLE IF EXISTS {table}; "
        f"CREATE TABLE {table} AS SELECT g AS x FROM generate_series(1, 10) g",
    )
    k.create("thr", "threshold = 7")
    sql(k, "q", f"SELECT count(*) AS c FROM {table} WHERE x > :threshold", name="above")
    k.create("use", "print('above:', int(above['c'][0]))")
    r = k.comm("run", cell_id="use")
    assert r.text("use") == "above: 3\n"
    r2 = k.comm("register", cell_id="thr", code="threshold = 2", run=True)
    assert r2.text("use") == "above: 8\n"
    snap = k.snapshot()
    everything = str(r.iopub) + str(r2.iopub) + str(snap)
    if password:
        assert f":{password}@" not in everything
        assert "***" in snap["database"]
    k.comm("delete", cell_id="make")  # external database: the kernel never drops tables
    r = k.execute(f"%%sql\nSELECT count(*) AS c FROM {table}")
    assert "1 rows" in r.text() or "1 row" in r.text()
    k.execute(f"%%sql\nDROP TABLE {table}")


def test_query_string_password_never_leaves_the_kernel(tmp_path: Path, pg_url: str) -> None:
    """A password in the URL's query (``?password=``, libpq keywords) is masked in the
    reply, ``database_changed``, the snapshot, the saved file and the kernel's log."""
    import sqlalchemy as sa
    from harness import start_kernel, stop_kernel

    secret = "Qu3ry-Secret-Pa55"
    base = sa.make_url(pg_url)
    password = base.password or ""
    in_query = base.set(password=None).update_query_dict({"password": password})
    libpq = sa.make_url(f"{base.drivername}:///{base.database}").update_query_dict(
        {
            "host": base.host or "localhost",
            "port": str(base.port or 5432),
            "user": base.username or "",
            "password": password,
        }
    )
    notebook = tmp_path / "nb.py"
    notebook.write_text("# %%\nx = 1\n", encoding="utf-8")
    log = tmp_path / "kernel.log"
    with log.open("wb") as err:
        km, kc = start_kernel(
            env={**os.environ, "REACTIVE_NOTEBOOK": str(notebook)}, stderr=err, stdout=err
        )
        k = KernelHarness(kc)
        try:
            seen: list[str] = []
            for url in (in_query, libpq):
                r = k.comm("set_database", url=url.render_as_string(hide_password=False))
                assert r.reply and r.reply["ok"], r.reply
                assert "password=***" in r.reply["database"]
                [changed] = r.of("database_changed")
                assert changed["url"] == r.reply["database"]
                seen += [str(r.reply), str(r.iopub), str(k.snapshot())]
                seen.append(notebook.read_text(encoding="utf-8"))
                bad = url.update_query_dict({"password": secret})
                for wrong in (bad, bad.set(port=1).update_query_dict({"port": "1"}, append=False)):
                    r = k.comm("set_database", url=wrong.render_as_string(hide_password=False))
                    assert r.reply and r.reply["ok"] is False, r.reply
                    assert r.reply["error"]["code"] == "bad_database"
                    seen += [str(r.reply), str(r.iopub)]
            k.execute("%reactive db")
        finally:
            stop_kernel(km, kc)
    seen.append(log.read_text(encoding="utf-8", errors="replace"))
    everything = "\n".join(seen)
    assert secret not in everything
    assert f"password={password}" not in everything
    assert "password=***" in everything
