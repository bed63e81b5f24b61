"""Table-driven tests for :mod:`reactive_kernel.core.sql_analysis`.

Each row states what one SQL cell reads and defines; the dependency graph trusts these
sets exactly as it trusts the Python analysis, so every rule in the module docstring has
a row here.  Tables are ``table:<name>``; the cell's result name is ``df`` unless a row
says otherwise.
"""

from __future__ import annotations

import keyword

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reactive_kernel.core.analysis import Analysis
from reactive_kernel.core.sql_analysis import (
    SqlSyntaxError,
    analyze_sql,
    split_sql_magic,
    split_statements,
    sqlglot_dialect,
)

T = "table:"

# (id, sql, reads, writes) -- analysed with result name "df" in the sqlite dialect
# and in the postgresql dialect (rows here agree in both).
Case = tuple[str, str, set[str], set[str]]

# fmt: off
CASES: list[Case] = [
    # -- reads: FROM / JOIN / subqueries ---------------------------------------------
    ("select", "SELECT * FROM t", {T + "t"}, {"df"}),
    ("no_table", "SELECT 1 AS one", set(), {"df"}),
    ("join", "SELECT * FROM a JOIN b ON a.id = b.id LEFT JOIN c USING (id)",
     {T + "a", T + "b", T + "c"}, {"df"}),
    ("comma_join_aliases", "SELECT x.v FROM a x, b AS y", {T + "a", T + "b"}, {"df"}),
    ("subquery_in_where", "SELECT * FROM a WHERE id IN (SELECT id FROM b)",
     {T + "a", T + "b"}, {"df"}),
    ("subquery_in_from", "SELECT * FROM (SELECT * FROM a) AS s", {T + "a"}, {"df"}),
    ("correlated_exists", "SELECT * FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.x = a.x)",
     {T + "a", T + "b"}, {"df"}),
    ("union", "SELECT x FROM a UNION ALL SELECT x FROM b", {T + "a", T + "b"}, {"df"}),
    ("table_function_not_a_table", "SELECT * FROM json_each('[1]')", set(), {"df"}),
    # -- CTEs ----------------------------------------------------------------------------
    ("cte_not_a_table", "WITH r AS (SELECT * FROM a) SELECT * FROM r", {T + "a"}, {"df"}),
    ("cte_chain", "WITH r AS (SELECT * FROM a), s AS (SELECT * FROM r) SELECT * FROM s",
     {T + "a"}, {"df"}),
    ("cte_shadows_table_in_body_only", "WITH t AS (SELECT * FROM t) SELECT * FROM t",
     {T + "t"}, {"df"}),
    ("recursive_cte",
     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
     "SELECT * FROM n", set(), {"df"}),
    ("cte_in_subquery_scope",
     "SELECT * FROM (WITH r AS (SELECT 1) SELECT * FROM r) q JOIN r ON 1 = 1",
     {T + "r"}, {"df"}),
    ("cte_name_case_insensitive", "WITH R AS (SELECT * FROM a) SELECT * FROM r", {T + "a"},
     {"df"}),
    # -- schemas and quoting ------------------------------------------------------------
    ("schema_qualified", "SELECT * FROM analytics.events", {T + "analytics.events"}, {"df"}),
    ("schema_not_a_cte", "WITH events AS (SELECT 1) SELECT * FROM analytics.events",
     {T + "analytics.events"}, {"df"}),
    ("unquoted_folds_to_lower", "SELECT * FROM Users JOIN ORDERS ON 1 = 1",
     {T + "users", T + "orders"}, {"df"}),
    # -- bind parameters --------------------------------------------------------------
    ("param", "SELECT * FROM t WHERE x > :threshold", {T + "t", "threshold"}, {"df"}),
    ("params_many", "SELECT :a + :b, :a", {"a", "b"}, {"df"}),
    ("param_in_string_ignored", "SELECT ':not_a_param', 'x :nor_this'", set(), {"df"}),
    ("param_in_line_comment_ignored", "SELECT 1 -- :not_a_param\n", set(), {"df"}),
    ("param_in_block_comment_ignored", "SELECT /* :no */ 1", set(), {"df"}),
    ("param_in_quoted_name_ignored", 'SELECT 1 AS ":no"', set(), {"df"}),
    ("double_colon_cast_not_param", "SELECT '1'::int, x::text FROM t", {T + "t"}, {"df"}),
    ("param_then_cast", "SELECT :x::int", {"x"}, {"df"}),
    ("slice_not_param", "SELECT a[1:n] FROM t", {T + "t"}, {"df"}),
    ("keyword_name_not_param", "SELECT :class", set(), {"df"}),
    ("param_named_like_keyword", "SELECT * FROM t LIMIT :limit", {T + "t", "limit"}, {"df"}),
    ("param_in_explain", "EXPLAIN SELECT * FROM t WHERE x = :p", {"p"}, {"df"}),
    # -- creating tables and views -------------------------------------------------------
    ("create_table", "CREATE TABLE t (id INTEGER, name TEXT)", set(), {"df", T + "t"}),
    ("create_if_not_exists", "CREATE TABLE IF NOT EXISTS t (id INT)", set(), {"df", T + "t"}),
    ("create_temp", "CREATE TEMP TABLE t (id INT)", set(), {"df", T + "t"}),
    ("create_table_as", "CREATE TABLE t AS SELECT * FROM s WHERE v > :v",
     {T + "s", "v"}, {"df", T + "t"}),
    ("create_view", "CREATE VIEW v AS SELECT * FROM t", {T + "t"}, {"df", T + "v"}),
    ("create_view_if_not_exists", "CREATE VIEW IF NOT EXISTS v AS SELECT 1", set(),
     {"df", T + "v"}),
    ("foreign_key_reads", "CREATE TABLE c (pid INT REFERENCES p (id))", {T + "p"},
     {"df", T + "c"}),
    ("create_schema_table", "CREATE TABLE analytics.daily AS SELECT * FROM analytics.events",
     {T + "analytics.events"}, {"df", T + "analytics.daily"}),
    ("create_index_is_mutation", "CREATE INDEX ix ON t (x)", {T + "t"}, {"df"}),
    # -- mutation reads, it does not define -----------------------------------------------
    ("insert_values", "INSERT INTO t VALUES (1, :v)", {T + "t", "v"}, {"df"}),
    ("insert_columns_select", "INSERT INTO t (a) SELECT a FROM s", {T + "t", T + "s"}, {"df"}),
    ("update", "UPDATE t SET a = 1 WHERE id = :id", {T + "t", "id"}, {"df"}),
    ("update_from", "UPDATE t SET a = s.a FROM s WHERE t.id = s.id", {T + "t", T + "s"},
     {"df"}),
    ("delete", "DELETE FROM t WHERE id = 1", {T + "t"}, {"df"}),
    ("alter_add_column", "ALTER TABLE t ADD COLUMN c INT", {T + "t"}, {"df"}),
    # -- several statements, in order --------------------------------------------------
    ("create_then_use", "CREATE TABLE t (x INT); INSERT INTO t VALUES (1); SELECT * FROM t",
     set(), {"df", T + "t"}),
    ("use_then_create", "SELECT * FROM t; CREATE TABLE t (x INT)", {T + "t"}, {"df", T + "t"}),
    ("create_then_drop_is_temporary", "CREATE TABLE tmp (x INT); DROP TABLE tmp", set(),
     {"df"}),
    ("drop_then_create_idiom", "DROP TABLE IF EXISTS t; CREATE TABLE t (x INT)", set(),
     {"df", T + "t"}),
    ("empty_statements", ";;SELECT 1;;", set(), {"df"}),
    ("comment_only", "-- nothing\n/* at all */", set(), {"df"}),
    ("empty", "", set(), {"df"}),
    ("opaque_command_keeps_params", "VACUUM; SELECT :x", {"x"}, {"df"}),
]
# fmt: on


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize(
    ("sql", "reads", "writes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_case(sql: str, reads: set[str], writes: set[str], dialect: str) -> None:
    result = analyze_sql(sql, "df", dialect)
    assert result.syntax_error is None
    assert (set(result.reads), set(result.writes)) == (reads, writes)


def test_case_ids_unique() -> None:
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("sql", "reads", "writes", "deletes"),
    [
        ("DROP TABLE t", {T + "t"}, set(), {T + "t"}),
        ("DROP TABLE IF EXISTS a, s.b", {T + "a", T + "s.b"}, set(), {T + "a", T + "s.b"}),
        ("DROP VIEW v", {T + "v"}, set(), {T + "v"}),
        ("DROP INDEX ix", set(), set(), set()),
        ("ALTER TABLE t RENAME TO u", {T + "t"}, {T + "u"}, {T + "t"}),
        ("SELECT * INTO snapshot FROM t", {T + "t"}, {T + "snapshot"}, set()),
    ],
)
def test_deletes_and_renames(
    sql: str, reads: set[str], writes: set[str], deletes: set[str]
) -> None:
    result = analyze_sql(sql, None, "postgresql")
    assert result.syntax_error is None
    assert (set(result.reads), set(result.writes), set(result.deletes)) == (reads, writes, deletes)


# -- dialect-aware names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "sql", "expected"),
    [
        # PostgreSQL: quoted names keep their case, unquoted fold to lower case.
        ("postgresql", 'SELECT * FROM "Foo"', {T + "Foo"}),
        ("postgresql", 'SELECT * FROM "foo", FOO', {T + "foo"}),
        ("postgresql", 'SELECT * FROM "My Schema"."Ev"', {T + "My Schema.Ev"}),
        ("postgresql", "SELECT * FROM public.t", {T + "public.t"}),
        ("postgresql", "SELECT * FROM main.t", {T + "main.t"}),
        # SQLite ignores case even in quoted names, and main.t is t.
        ("sqlite", 'SELECT * FROM "Foo"', {T + "foo"}),
        ("sqlite", "SELECT * FROM main.t JOIN temp.u ON 1", {T + "t", T + "temp.u"}),
        # The generic dialect (no engine yet) behaves like PostgreSQL.
        (None, 'SELECT * FROM "Foo" JOIN Bar ON 1', {T + "Foo", T + "bar"}),
        # Folding is ASCII-only, as in the databases.
        ("postgresql", "SELECT * FROM ÉTÉ", {T + "ÉtÉ"}),
    ],
)
def test_dialect_names(dialect: str | None, sql: str, expected: set[str]) -> None:
    assert set(analyze_sql(sql, None, dialect).reads) == expected


def test_created_and_read_names_link_per_dialect() -> None:
    create = 'CREATE TABLE "Sales" (x INT)'
    read = "SELECT * FROM sales"
    # In SQLite both are the same table; in PostgreSQL "Sales" and sales differ.
    assert analyze_sql(create, None, "sqlite").writes == analyze_sql(read, None, "sqlite").reads
    assert analyze_sql(create, None, "postgresql").writes.isdisjoint(
        analyze_sql(read, None, "postgresql").reads
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [("sqlite", "sqlite"), ("postgresql", "postgres"), ("postgresql+psycopg", "postgres"),
     ("mssql", "tsql"), ("mariadb", "mysql"), (None, ""), ("no-such-db", "")],
)  # fmt: skip
def test_sqlglot_dialect(given: str | None, expected: str) -> None:
    assert sqlglot_dialect(given) == expected


def test_mysql_names_are_case_sensitive() -> None:
    assert set(analyze_sql("SELECT * FROM Foo", None, "mysql").reads) == {T + "Foo"}


# -- invalid SQL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELEC 1",
        "SELECT * FROM",
        "SELECT (1",
        "SELECT 'unterminated",
        'SELECT "unterminated',
        "SELECT 1 /* unterminated",
        "FOO BAR",
        "x = 1",
        "SELECT 1; SELEC 2",
        "(" * 5000,
    ],
)
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_invalid_sql(sql: str, dialect: str) -> None:
    result = analyze_sql(sql, "df", dialect)
    assert result.syntax_error is not None
    assert result.syntax_error.startswith("SyntaxError: ")
    assert "\n" not in result.syntax_error
    assert len(result.syntax_error) < 300
    assert "<Token" not in result.syntax_error
    assert (result.reads, result.writes, result.deletes) == (frozenset(),) * 3


def test_syntax_error_says_where() -> None:
    error = analyze_sql("SELECT 1;\nSELECT * FROM", None, "sqlite").syntax_error
    assert error == "SyntaxError: Expected table name but got end of input (line 2, col 13)"


def test_invalid_result_name() -> None:
    result = analyze_sql("SELECT 1", "1x", "sqlite")
    assert result.syntax_error is not None and "1x" in result.syntax_error
    assert analyze_sql("SELECT 1", "class", "sqlite").syntax_error is not None


def test_no_name_no_write() -> None:
    assert analyze_sql("SELECT * FROM t", None) == Analysis(
        frozenset({T + "t"}), frozenset(), frozenset(), None
    )


def test_never_raises_on_garbage() -> None:
    for sql in ["\x00", "'" * 3, "$$", "; ; ;", "SELECT $1", "\\", "CREATE", "DROP", "%%sql"]:
        result = analyze_sql(sql, None, "postgresql")
        assert isinstance(result, Analysis)


# -- statements and parameters as the runtime sees them -------------------------------------


def test_split_statements_texts_and_param_offsets() -> None:
    sql = "SELECT 1 ; -- c\nSELECT :a, ':b' , :c::int;;\nINSERT INTO t VALUES (:a)"
    stmts = split_statements(sql, "postgresql")
    assert [s.text for s in stmts] == [
        "SELECT 1",
        "SELECT :a, ':b' , :c::int",
        "INSERT INTO t VALUES (:a)",
    ]
    assert stmts[1].params == ((7, "a"), (18, "c"))
    assert stmts[1].param_names == {"a", "c"}
    assert stmts[2].params == ((22, "a"),)


def test_split_keeps_semicolons_in_strings_and_trigger_bodies() -> None:
    sql = (
        "SELECT ';' AS s;\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  INSERT INTO log VALUES (CASE WHEN 1 THEN 'a' END);\n"
        "  INSERT INTO log VALUES ('b');\n"
        "END;\n"
        "SELECT 2"
    )
    stmts = split_statements(sql, "sqlite")
    assert len(stmts) == 3
    assert stmts[1].text.startswith("CREATE TRIGGER") and stmts[1].text.endswith("END")
    assert analyze_sql(sql, None, "sqlite").syntax_error is None


def test_split_postgres_dollar_quotes() -> None:
    sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT f()"
    assert len(split_statements(sql, "postgresql")) == 2


def test_split_unterminated_raises() -> None:
    with pytest.raises(SqlSyntaxError):
        split_statements("SELECT 'oops", "sqlite")


# -- properties ------------------------------------------------------------------------

IDENTIFIERS = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s)
)


@settings(max_examples=200, deadline=None)
@given(
    literal=st.text(st.characters(exclude_characters="'\x00", exclude_categories=("Cs",))),
    comment=st.text(st.characters(exclude_characters="*\x00", exclude_categories=("Cs",))),
    name=IDENTIFIERS,
    dialect=st.sampled_from(["sqlite", "postgresql"]),
)
def test_only_real_params_are_reads(literal: str, comment: str, name: str, dialect: str) -> None:
    """Whatever a string literal or comment contains, it adds no reads."""
    sql = f"SELECT '{literal}' AS s, :{name} AS p /* {comment} */ FROM t"
    result = analyze_sql(sql, None, dialect)
    assert result.syntax_error is None, result.syntax_error
    assert set(result.reads) == {name, T + "t"}
    (stmt,) = split_statements(sql, dialect)
    assert [n for _, n in stmt.params] == [name]


@settings(max_examples=300, deadline=None)
@given(code=st.text(), dialect=st.sampled_from(["sqlite", "postgresql", None]))
def test_never_raises(code: str, dialect: str | None) -> None:
    result = analyze_sql(code, None, dialect)
    assert isinstance(result, Analysis)
    if result.syntax_error is not None:
        assert "\n" not in result.syntax_error and not result.reads and not result.writes


# -- %%sql magic -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("%%sql\nSELECT 1", ("SELECT 1", None)),
        ("%%sql df\nSELECT 1\n", ("SELECT 1\n", "df")),
        ("%%sql   result_2  \r\nSELECT 1", ("SELECT 1", "result_2")),
        ("\n  \n%%sql df\nSELECT 1", ("SELECT 1", "df")),
        ("%%sql", ("", None)),
        ("%%sql df", ("", "df")),
        ("%%sqlx\nSELECT 1", None),
        ("%%SQL\nSELECT 1", None),
        ("x = 1\n%%sql\n", None),
        ("# %%sql\nSELECT 1", None),
        ("", None),
    ],
)
def test_split_sql_magic(code: str, expected: tuple[str, str | None] | None) -> None:
    assert split_sql_magic(code) == expected


@pytest.mark.parametrize("line", ["%%sql 1x", "%%sql a b", "%%sql class", "%%sql a-b"])
def test_split_sql_magic_invalid_name(line: str) -> None:
    with pytest.raises(ValueError, match="invalid result name"):
        split_sql_magic(line + "\nSELECT 1")


# -- speed ------------------------------------------------------------------------------

TYPICAL = """
WITH recent AS (
    SELECT user_id, max(ts) AS last_seen FROM analytics.events WHERE ts > :since GROUP BY user_id
)
SELECT u.id, u.name, r.last_seen, count(o.id) AS orders
FROM users u JOIN recent r ON r.user_id = u.id LEFT JOIN orders o ON o.user_id = u.id
WHERE u.score > :threshold AND u.name NOT LIKE '%:test%'
GROUP BY u.id, u.name, r.last_seen ORDER BY orders DESC LIMIT 100
"""


def test_typical_query_reads() -> None:
    result = analyze_sql.__wrapped__(TYPICAL, "df", "postgresql")
    assert set(result.reads) == {
        T + "analytics.events",
        T + "users",
        T + "orders",
        "since",
        "threshold",
    }
