"""The SQL runtime against real databases: the embedded SQLite always, and PostgreSQL.

PostgreSQL comes from ``REACTIVE_TEST_POSTGRES_URL`` (e.g.
``postgresql+psycopg://reactive:reactive@127.0.0.1:5432/reactive``).  Without it those
tests skip, unless ``REACTIVE_REQUIRE_POSTGRES=1`` (CI) makes a missing or unreachable
server a failure.  Each PostgreSQL test works in a schema of its own, so the suite can
run in parallel against one database.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from reactive_kernel.runtime.sql import (
    PASSWORD_ENV,
    SqlEngine,
    SqlError,
    SqlResult,
    display_data,
    mask_url,
    masked,
)
from reactive_kernel.runtime.sql_table import SqlTable

PG_ENV = "REACTIVE_TEST_POSTGRES_URL"
REQUIRE_ENV = "REACTIVE_REQUIRE_POSTGRES"
SECRET = "Sup3r-Secret-Pa55word"


def _pg_url() -> str:
    url = os.environ.get(PG_ENV)
    required = os.environ.get(REQUIRE_ENV) == "1"
    if not url:
        if required:
            pytest.fail(f"{REQUIRE_ENV}=1 but {PG_ENV} is not set")
        pytest.skip(f"{PG_ENV} not set")
    try:
        SqlEngine(url).close()
    except SqlError as exc:
        pytest.fail(f"PostgreSQL at {PG_ENV} is unreachable: {exc}")
    return url


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The server's URL, checked once per session (skip or fail as the docstring says)."""
    return _pg_url()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[SqlEngine]:
    """An engine whose search_path is a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = SqlEngine(url.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.close()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def sqlite_engine() -> Iterator[SqlEngine]:
    engine = SqlEngine()
    yield engine
    engine.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> SqlEngine:
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    result: SqlEngine = request.getfixturevalue(name)
    return result


def rows(engine: SqlEngine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    result = engine.run(sql, params)
    assert result is not None
    return result.rows


def error_of(engine: SqlEngine, sql: str, **params: Any) -> SqlError:
    with pytest.raises(SqlError) as info:
        engine.run(sql, params)
    return info.value


# -- results ---------------------------------------------------------------------------


def test_result_is_last_row_returning_statement(engine: SqlEngine) -> None:
    result = engine.run(
        "SELECT 1 AS a; CREATE TABLE t (x INT); INSERT INTO t VALUES (7); SELECT x AS b FROM t;"
        " INSERT INTO t VALUES (8)",
        {},
    )
    assert result == SqlResult(("b",), [(7,)], 1)


def test_no_rows_statement_gives_none(engine: SqlEngine) -> None:
    assert engine.run("CREATE TABLE t (x INT); INSERT INTO t VALUES (1)", {}) is None
    assert engine.run("-- only a comment", {}) is None


def test_tables_persist_across_cells(engine: SqlEngine) -> None:
    engine.run("CREATE TABLE t (x INT); INSERT INTO t VALUES (1), (2)", {})
    assert rows(engine, "SELECT count(*) FROM t") == [(2,)]


def test_embedded_is_shared_across_threads(sqlite_engine: SqlEngine) -> None:
    sqlite_engine.run("CREATE TABLE t (x INT); INSERT INTO t VALUES (5)", {})
    seen: list[Any] = []
    thread = threading.Thread(target=lambda: seen.append(rows(sqlite_engine, "SELECT x FROM t")))
    thread.start()
    thread.join()
    assert seen == [[(5,)]]


def test_value_is_dataframe_or_table(engine: SqlEngine) -> None:
    result = engine.run("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'", {})
    assert result is not None
    pd = pytest.importorskip("pandas")
    frame = result.value()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["a", "b"] and frame["a"].tolist() == [1, 2]
    table = result.value(pandas=False)
    assert isinstance(table, SqlTable)
    assert table.columns == ("a", "b") and len(table) == 2
    assert list(table) == [(1, "x"), (2, "y")] and table[1] == (2, "y")
    assert table.column("b") == ["x", "y"]
    assert "2 rows total" in repr(table) and "<table" in table._repr_html_()
    assert table.to_pandas().equals(frame)


def test_empty_result_keeps_columns(engine: SqlEngine) -> None:
    engine.run("CREATE TABLE t (x INT, y TEXT)", {})
    result = engine.run("SELECT * FROM t", {})
    assert result == SqlResult(("x", "y"), [], 0)
    assert list(result.value().columns) == ["x", "y"]
    assert "0 rows total" in display_data(result)["text/plain"]


# -- one transaction per cell --------------------------------------------------------------


def test_failure_rolls_back_everything(engine: SqlEngine) -> None:
    engine.run("CREATE TABLE kept (x INT); INSERT INTO kept VALUES (1)", {})
    error = error_of(
        engine,
        "CREATE TABLE half (x INT); INSERT INTO half VALUES (1); UPDATE kept SET x = 99;"
        " SELECT * FROM no_such_table",
    )
    assert error.statement == 4 and error.sql == "SELECT * FROM no_such_table"
    assert rows(engine, "SELECT x FROM kept") == [(1,)]
    assert "half" in str(error_of(engine, "SELECT * FROM half"))


def test_interrupt_rolls_back_and_engine_survives(sqlite_engine: SqlEngine) -> None:
    sqlite_engine.run("CREATE TABLE t (x INT)", {})
    timer = threading.Timer(0.3, sqlite_engine.cancel)
    timer.start()
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        sqlite_engine.run("INSERT INTO t VALUES (1);" + ENDLESS_SQLITE, {})
    timer.join()
    assert time.perf_counter() - started < 5
    assert rows(sqlite_engine, "SELECT count(*) FROM t") == [(0,)]


ENDLESS_SQLITE = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000)"
    " SELECT count(*) FROM n"
)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals")
def test_sigint_interrupts_a_long_sqlite_query(sqlite_engine: SqlEngine) -> None:
    """The kernel interrupts with SIGINT; SQLite queries must notice it."""
    sqlite_engine.run("CREATE TABLE t (x INT)", {})
    main = threading.main_thread().ident
    assert main is not None
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
    try:
        timer.start()
        started = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            sqlite_engine.run("INSERT INTO t VALUES (1);" + ENDLESS_SQLITE, {})
        assert time.perf_counter() - started < 5
    finally:
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert rows(sqlite_engine, "SELECT count(*) FROM t") == [(0,)]


def test_embedded_tables_survive_an_interrupt_inside_sqlalchemy(sqlite_engine: SqlEngine) -> None:
    """SQLAlchemy discards a connection that KeyboardInterrupt hits mid-execute; the
    embedded database must outlive its connection."""
    sqlite_engine.run("CREATE TABLE t (x INT); INSERT INTO t VALUES (1)", {})
    fired: list[bool] = []

    def interrupt(*_args: Any) -> None:
        if not fired:
            fired.append(True)
            raise KeyboardInterrupt

    sa_engine = sqlite_engine._db.engine
    sa.event.listen(sa_engine, "before_cursor_execute", interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            sqlite_engine.run("INSERT INTO t VALUES (2)", {})
    finally:
        sa.event.remove(sa_engine, "before_cursor_execute", interrupt)
    assert fired
    assert rows(sqlite_engine, "SELECT x FROM t") == [(1,)]


def test_cancel_interrupts_postgres(pg_engine: SqlEngine) -> None:
    timer = threading.Timer(0.3, pg_engine.cancel)
    timer.start()
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        pg_engine.run("SELECT pg_sleep(30)", {})
    timer.join()
    assert time.perf_counter() - started < 10
    assert rows(pg_engine, "SELECT 1") == [(1,)]
    pg_engine.cancel()  # nothing running: a no-op


# -- bind parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [0, -5, 2**40, 1.5, "text", "", None, True, b"\x00\xff", "ünïcode ✓",
     decimal.Decimal("1.25"), dt.date(2024, 2, 29), dt.datetime(2024, 1, 2, 3, 4, 5)],
    ids=repr,
)  # fmt: skip
def test_bind_values_round_trip(engine: SqlEngine, value: Any) -> None:
    result = rows(engine, "SELECT :value AS v", value=value)
    got = result[0][0]
    if isinstance(value, decimal.Decimal | dt.date) and engine.dialect == "sqlite":
        assert str(got).startswith(str(value).replace("T", " ")[:10])
    elif isinstance(value, bool) and engine.dialect == "sqlite":
        assert got == int(value)
    elif isinstance(value, bytes) and engine.dialect == "postgresql":
        assert bytes(got) == value
    else:
        assert got == value


def test_bind_params_across_statements(engine: SqlEngine) -> None:
    result = engine.run(
        "CREATE TABLE t (x INT, label TEXT); INSERT INTO t VALUES (:a, :label), (:b, :label);"
        " SELECT x FROM t WHERE x > :a - 1 ORDER BY x",
        {"a": 1, "b": 2, "label": "same", "unused": object()},
    )
    assert result is not None and result.rows == [(1,), (2,)]


def test_numpy_scalars_bind(engine: SqlEngine) -> None:
    np = pytest.importorskip("numpy")
    assert rows(engine, "SELECT :n + 1, :f", n=np.int64(41), f=np.float32(0.5)) == [(42, 0.5)]


def test_injection_through_a_value_is_a_literal(engine: SqlEngine) -> None:
    engine.run("CREATE TABLE t (name TEXT)", {})
    evil = "'; DROP TABLE t; --"
    engine.run("INSERT INTO t VALUES (:evil)", {"evil": evil})
    assert rows(engine, "SELECT name FROM t WHERE name = :evil", evil=evil) == [(evil,)]
    evil2 = "x' OR '1'='1"
    assert rows(engine, "SELECT count(*) FROM t WHERE name = :v", v=evil2) == [(0,)]


def test_colons_that_are_not_params_reach_the_database(engine: SqlEngine) -> None:
    got = rows(
        engine,
        "SELECT ':x' AS a, 'a\\:b' AS b, 'c:d' AS c, '50%' AS d, 'a:bc:d' AS e,"
        " 'x\\\\:y' AS f, ':' AS g -- :nope",
    )
    assert got == [(":x", "a\\:b", "c:d", "50%", "a:bc:d", "x\\\\:y", ":")]


def test_postgres_casts_and_dollar_quotes(pg_engine: SqlEngine) -> None:
    got = rows(pg_engine, "SELECT :x::int + 1, '{\"a\": 1}'::jsonb ->> 'a', $$ :y $$", x="41")
    assert got == [(42, "1", " :y ")]


def test_missing_param_is_named_and_nothing_runs(engine: SqlEngine) -> None:
    engine.run("CREATE TABLE t (x INT)", {})
    error = error_of(engine, "INSERT INTO t VALUES (1); SELECT :threshold, :other", other=1)
    assert str(error) == (
        "The SQL uses :threshold, but no Python variable is defined with that name."
    )
    assert rows(engine, "SELECT count(*) FROM t") == [(0,)]
    assert ":a, :b" in str(error_of(engine, "SELECT :b, :a"))


def test_unbindable_value_is_named(engine: SqlEngine) -> None:
    error = error_of(engine, "SELECT :thing", thing=object())
    assert str(error).startswith("Cannot bind :thing (a object) as an SQL value")


# -- errors ---------------------------------------------------------------------------------


def test_error_is_the_database_message(sqlite_engine: SqlEngine) -> None:
    assert str(error_of(sqlite_engine, "SELECT * FROM foo")) == "no such table: foo"
    assert error_of(sqlite_engine, "SELECT * FROM foo").statement is None  # single statement
    message = str(error_of(sqlite_engine, "SELEC 1"))
    assert "syntax error" in message and "\n" not in message


def test_error_while_fetching_is_the_database_message(sqlite_engine: SqlEngine) -> None:
    """Rows come straight from the DB-API cursor; its errors are mapped too."""
    error = error_of(sqlite_engine, "SELECT 1 UNION ALL SELECT abs(-9223372036854775808)")
    assert str(error) == "integer overflow"


def test_error_is_the_postgres_message(pg_engine: SqlEngine) -> None:
    assert str(error_of(pg_engine, "SELECT * FROM foo")) == 'relation "foo" does not exist'
    message = str(error_of(pg_engine, "SELECT 1 +"))
    assert message == "syntax error at end of input"


def test_error_has_no_sqlalchemy_noise(engine: SqlEngine) -> None:
    engine.run("CREATE TABLE t (x INT PRIMARY KEY)", {})
    engine.run("INSERT INTO t VALUES (1)", {})
    message = str(error_of(engine, "INSERT INTO t VALUES (:x)", x=1))
    assert "unique" in message.lower() or "UNIQUE" in message
    for noise in ("[SQL:", "sqlalche.me", "Background on this error", "[parameters"):
        assert noise not in message


def test_unterminated_string_is_an_error(engine: SqlEngine) -> None:
    assert "unterminated" in str(error_of(engine, "SELECT 'oops"))


# -- switching databases --------------------------------------------------------------------


def _still_works(engine: SqlEngine, url: str) -> None:
    assert engine.masked_url == url
    assert rows(engine, "SELECT x FROM keep") == [(1,)]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "Invalid database URL"),
        ("nosuchdb://host/db", "Cannot use database URL nosuchdb://host/db"),
        ("sqlite+nosuchdriver://", "Cannot use database URL"),
        ("sqlite:////nonexistent-dir/x/y.db", "Cannot connect to sqlite:////nonexistent-dir"),
        ("postgresql+psycopg://u:pw@127.0.0.1:1/db", "Cannot connect to"),
    ],
)
def test_switch_failure_keeps_engine(sqlite_engine: SqlEngine, url: str, fragment: str) -> None:
    sqlite_engine.run("CREATE TABLE keep (x INT); INSERT INTO keep VALUES (1)", {})
    with pytest.raises(SqlError, match="^" + fragment.replace("+", r"\+")) as info:
        sqlite_engine.switch(url)
    assert "\n" not in str(info.value)
    _still_works(sqlite_engine, "sqlite://")


def test_missing_driver_says_what_to_install(sqlite_engine: SqlEngine) -> None:
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("psycopg2 is installed")
    with pytest.raises(SqlError, match="pip install psycopg2-binary"):
        sqlite_engine.switch("postgresql+psycopg2://u@127.0.0.1/db")
    assert sqlite_engine.dialect == "sqlite"


def test_switch_to_file_and_back(sqlite_engine: SqlEngine, tmp_path: Path) -> None:
    path = tmp_path / "data.db"
    sqlite_engine.switch(f"sqlite:///{path}")
    assert not sqlite_engine.is_embedded and sqlite_engine.dialect == "sqlite"
    sqlite_engine.run("CREATE TABLE t (x INT); INSERT INTO t VALUES (3)", {})
    sqlite_engine.switch("sqlite://")
    assert sqlite_engine.is_embedded
    assert "no such table" in str(error_of(sqlite_engine, "SELECT * FROM t"))
    sqlite_engine.switch(f"sqlite:///{path}")
    assert rows(sqlite_engine, "SELECT x FROM t") == [(3,)]


def test_switch_to_postgres_and_dialect(sqlite_engine: SqlEngine, pg_url: str) -> None:
    sqlite_engine.switch(pg_url)
    assert sqlite_engine.dialect == "postgresql" and not sqlite_engine.is_embedded
    assert rows(sqlite_engine, "SELECT 1") == [(1,)]


def test_switch_wrong_password_fails_cleanly(sqlite_engine: SqlEngine, pg_url: str) -> None:
    sqlite_engine.run("CREATE TABLE keep (x INT); INSERT INTO keep VALUES (1)", {})
    bad = sa.make_url(pg_url).set(password=SECRET).render_as_string(hide_password=False)
    with pytest.raises(SqlError, match="password authentication failed") as info:
        sqlite_engine.switch(bad)
    _assert_secret_absent(info.value)
    _still_works(sqlite_engine, "sqlite://")


# -- credentials --------------------------------------------------------------------------------


def _assert_secret_absent(exc: BaseException | None) -> None:
    """Neither the error nor anything chained to it mentions the password."""
    while exc is not None:
        assert SECRET not in str(exc) and SECRET not in repr(exc)
        exc = exc.__cause__ or exc.__context__


def test_scrub_removes_the_password_however_encoded() -> None:
    secrets = (SECRET, "p@ss/w rd!", "p%40ss%2Fw%20rd%21", "p%40ss%2Fw+rd%21")
    message = f"user {SECRET} x postgresql://u:p%40ss%2Fw%20rd%21@h/db y p@ss/w rd!"
    assert SqlEngine._scrub(message, secrets) == "user *** x postgresql://u:***@h/db y ***"
    assert SqlEngine._scrub("abc", ("abc",)) == "abc"  # too short to scrub sensibly


def test_mask_url() -> None:
    assert mask_url(f"postgresql://me:{SECRET}@h/db") == "postgresql://me:***@h/db"
    assert mask_url("sqlite:///a.db") == "sqlite:///a.db"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://alice@h/db?password=S3cret",
            "postgresql+psycopg://alice@h/db?password=***",
        ),
        (
            "postgresql+psycopg://a:pw@h/db?PassWord=x&sslmode=require",
            "postgresql+psycopg://a:***@h/db?PassWord=***&sslmode=require",
        ),
        (
            "postgresql+psycopg:///db?host=h&user=u&password=p&sslpassword=k",
            "postgresql+psycopg:///db?host=h&password=***&sslpassword=***&user=u",
        ),
        ("mssql+pyodbc://u@dsn?PWD=p&Passwd=q", "mssql+pyodbc://u@dsn?PWD=***&Passwd=***"),
        (
            "snowflake://u@acct/db?token=t&API_KEY=k&client_secret=c",
            "snowflake://u@acct/db?API_KEY=***&client_secret=***&token=***",
        ),
        ("postgresql://h/db?password=a&password=b", "postgresql://h/db?password=***"),
        ("sqlite:///a.db?timeout=5", "sqlite:///a.db?timeout=5"),
    ],
)
def test_masked_hides_the_password_and_secret_query_keys(url: str, shown: str) -> None:
    assert masked(sa.make_url(url)) == shown


def test_mask_url_hides_keyword_secrets_in_free_text() -> None:
    text = f"failed: host=h password={SECRET} user=u; postgresql://h/db?PWD={SECRET}&x=1"
    assert mask_url(text) == "failed: host=h password=*** user=u; postgresql://h/db?PWD=***&x=1"


def _query_password_urls(pg_url: str, password: str) -> list[str]:
    """``pg_url`` with ``password`` moved into the query: SQLAlchemy form and libpq keywords."""
    base = sa.make_url(pg_url)
    in_query = base.set(password=None).update_query_dict({"password": password})
    libpq = sa.make_url(f"{base.drivername}:///{base.database}").update_query_dict(
        {
            "host": base.host or "localhost",
            "port": str(base.port or 5432),
            "user": base.username or "",
            "password": password,
        }
    )
    return [u.render_as_string(hide_password=False) for u in (in_query, libpq)]


def test_query_string_passwords_are_masked(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    password = sa.make_url(pg_url).password or ""
    engine = SqlEngine()
    try:
        for url in _query_password_urls(pg_url, password):
            engine.switch(url)  # the right password, in the query: connects ...
            assert rows(engine, "SELECT 1") == [(1,)]
            assert "password=***" in engine.masked_url  # ... and is never shown
            assert f"password={password}" not in engine.masked_url + repr(engine)
        for url in _query_password_urls(pg_url, SECRET):
            with pytest.raises(SqlError, match="password authentication failed") as info:
                engine.switch(url)  # a wrong one: the database's message, masked
            _assert_secret_absent(info.value)
            assert "password=***" in str(info.value)
            unreachable = sa.make_url(url).update_query_dict({"port": "1"}).set(port=1)
            with pytest.raises(SqlError, match="Cannot connect") as info:
                engine.switch(unreachable.render_as_string(hide_password=False))
            _assert_secret_absent(info.value)
    finally:
        engine.close()
    assert caplog.records
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert f"password={password}" not in record.getMessage()


def test_password_never_shown(
    pg_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    base = sa.make_url(pg_url)
    # A server that refuses the connection, with the secret in the URL.
    url = base.set(password=SECRET, port=1).render_as_string(hide_password=False)
    engine = SqlEngine()
    with pytest.raises(SqlError) as info:
        engine.switch(url)
    _assert_secret_absent(info.value)
    # The password taken from REACTIVE_DB_PASSWORD: works, and is masked.
    monkeypatch.setenv(PASSWORD_ENV, base.password or "")
    engine.switch(base.set(password=None).render_as_string(hide_password=False))
    assert rows(engine, "SELECT 1") == [(1,)]
    assert engine.masked_url == base.render_as_string(hide_password=True)
    assert ":***@" in engine.masked_url and repr(engine) == f"SqlEngine({engine.masked_url!r})"
    # The password from a ${NAME} placeholder; a missing variable is a clear error.
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.setenv("RK_TEST_DB_PW", base.password or "")
    placeholder = base.set(password="${RK_TEST_DB_PW}").render_as_string(hide_password=False)
    engine.switch(placeholder)
    assert engine.masked_url == base.render_as_string(hide_password=True)
    with pytest.raises(SqlError, match="RK_TEST_DB_PW_MISSING"):
        engine.switch(placeholder.replace("RK_TEST_DB_PW", "RK_TEST_DB_PW_MISSING"))
    # A wrong password from the environment does not leak either.
    monkeypatch.setenv("RK_TEST_DB_PW", SECRET)
    with pytest.raises(SqlError) as info:
        engine.switch(placeholder)
    _assert_secret_absent(info.value)
    engine.close()
    assert caplog.records  # the switches were logged ...
    for record in caplog.records:  # ... without the password
        assert SECRET not in record.getMessage()


# -- the embedded database's cleanup ------------------------------------------------------------


def test_drop_tables_on_embedded(sqlite_engine: SqlEngine) -> None:
    sqlite_engine.run(
        'CREATE TABLE a (x INT); CREATE TABLE "MixedCase" (x INT); CREATE TABLE keep (x INT);'
        " CREATE VIEW v AS SELECT * FROM a",
        {},
    )
    dropped = sqlite_engine.drop_tables(["table:a", "table:v", "mixedcase", "table:gone"])
    assert sorted(dropped) == ["mixedcase", "table:a", "table:v"]
    assert rows(sqlite_engine, "SELECT name FROM sqlite_master ORDER BY name") == [("keep",)]
    assert sqlite_engine.drop_tables([]) == []


def test_drop_tables_refused_on_external(pg_engine: SqlEngine) -> None:
    pg_engine.run("CREATE TABLE precious (x INT)", {})
    with pytest.raises(SqlError, match="Refusing to drop tables"):
        pg_engine.drop_tables(["table:precious"])
    assert rows(pg_engine, "SELECT count(*) FROM precious") == [(0,)]


def test_drop_tables_refused_on_sqlite_file(sqlite_engine: SqlEngine, tmp_path: Path) -> None:
    sqlite_engine.switch(f"sqlite:///{tmp_path / 'user.db'}")
    sqlite_engine.run("CREATE TABLE precious (x INT)", {})
    with pytest.raises(SqlError, match="Refusing"):
        sqlite_engine.drop_tables(["precious"])


# -- large results and display -------------------------------------------------------------------

HUNDRED_K = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)"
    " SELECT i AS id, i * 0.5 AS half, 'name ' || i AS name, i % 7 AS bucket, 'x' AS tag FROM n",
    "postgresql": "SELECT i AS id, i * 0.5 AS half, 'name ' || i AS name, i % 7 AS bucket,"
    " 'x' AS tag FROM generate_series(1, 100000) AS i",
}


def test_hundred_thousand_rows(engine: SqlEngine) -> None:
    started = time.perf_counter()
    result = engine.run(HUNDRED_K[engine.dialect], {})
    assert result is not None
    assert result.total == len(result.rows) == 100_000
    assert result.rows[-1][0] == 100_000 and type(result.rows[0]) is tuple
    frame = result.value()
    assert frame.shape == (100_000, 5)
    bundle = display_data(result)
    assert "100,000 rows total" in bundle["text/html"]
    assert "100,000 rows total" in bundle["text/plain"]
    assert len(bundle["text/html"]) < 20_000 and len(bundle["text/plain"]) < 10_000
    assert time.perf_counter() - started < 10


def test_max_rows_keeps_first_rows_and_counts_all(engine: SqlEngine) -> None:
    result = engine.run(HUNDRED_K[engine.dialect], {}, max_rows=10)
    assert result is not None and len(result.rows) == 10 and result.total == 100_000
    assert "showing the first" in display_data(result)["text/plain"]


def test_display_escapes_and_truncates() -> None:
    long = "y" * 10_000
    result = SqlResult(
        tuple(f"c{i}" for i in range(80)),
        [("<script>alert(1)</script>", long, None, b"\x00" * 500) + (1,) * 76] * 30,
        30,
    )
    bundle = display_data(result, max_rows=5)
    html = bundle["text/html"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert long not in html and len(html) < 20_000
    assert "NULL" in bundle["text/plain"]
    assert "first 50 of 80 columns" in html and "showing the first 5" in html
    assert html.count("<tr>") == 6  # header + 5 rows
