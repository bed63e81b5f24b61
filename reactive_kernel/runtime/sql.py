"""The SQL runtime: one SQLAlchemy engine, cells run as single transactions.

Independent of ipykernel so it can be tested against real databases directly; the kernel
owns one :class:`SqlEngine` and calls :meth:`SqlEngine.run` for SQL cells.

Design points, each one a thing the caller can rely on:

* The default database is an in-memory SQLite (``sqlite://``) on one shared connection
  (``StaticPool``), so tables persist across cells for the kernel's lifetime.  Only that
  embedded database is ever cleaned up by the kernel (:meth:`SqlEngine.drop_tables`);
  an external database's tables belong to the user.  On an external database, cells
  that create tables should be re-runnable: ``CREATE OR REPLACE VIEW``,
  ``CREATE TABLE IF NOT EXISTS``, or ``DROP TABLE IF EXISTS t; CREATE TABLE t ...``.
* A cell is one transaction: every statement commits together or none does.  SQLite's
  Python driver normally opens transactions lazily and lets DDL escape them; the engine
  emits ``BEGIN`` itself so ``CREATE TABLE`` is rolled back too.  (Databases whose DDL is
  not transactional, e.g. MySQL, cannot honour this for DDL.)  Do not write
  ``BEGIN``/``COMMIT`` in a cell.
* Bind parameters are exactly those :func:`~reactive_kernel.core.sql_analysis.split_statements`
  finds (the ones the graph knows about); every other ``:word`` (in strings, comments,
  ``::`` casts) is escaped before it reaches ``text()``.  Values are always bound, never
  spliced into the SQL, so a value is never code.
* Errors are :class:`SqlError` carrying the database's own message.
* Credentials: ``${NAME}`` in a URL is replaced by the environment variable ``NAME``
  (``postgresql+psycopg://me:${PGPASS}@db/x``), and a URL with a user but no password
  takes ``REACTIVE_DB_PASSWORD`` when it is set (libpq's ``PGPASSWORD``/``.pgpass`` work
  as usual too).  No secret is ever shown: :func:`masked` replaces the password and the
  value of every secret-bearing query key (``?password=``, ``?sslpassword=``, ``?token=``
  ...; see :func:`is_secret_key`) with ``***``; :attr:`SqlEngine.masked_url` is that
  rendering, and every message this module produces is scrubbed of those values.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote, quote_plus

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.compiler import BIND_PARAMS as _SA_PARAM_RE  # what text() binds
from sqlalchemy.sql.compiler import BIND_PARAMS_ESC as _SA_ESCAPED_RE  # what it un-escapes

from ..core.quoting import shorten
from ..core.sql_analysis import TABLE_PREFIX, SqlStatement, SqlSyntaxError, split_statements
from .sql_lazy import DEFAULT_URL, SqlError
from .sql_table import SqlResult, SqlTable, display_data, fetch_result

__all__ = [
    "DEFAULT_URL",
    "PASSWORD_ENV",
    "SqlEngine",
    "SqlError",
    "SqlResult",
    "SqlTable",
    "display_data",
    "is_secret_key",
    "mask_url",
    "masked",
]

log = logging.getLogger(__name__)

PASSWORD_ENV: Final = "REACTIVE_DB_PASSWORD"
CONNECT_TIMEOUT: Final = 10
_ENV_RE: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL_PASSWORD_RE: Final = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
MASK: Final = "***"
_SECRET_KEY_PARTS: Final = (
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "credential",
    "private_key",
    "access_key",
    "auth_key",
)
"""Query keys containing one of these (case-insensitive) carry a secret: ``password``,
``sslpassword``, ``PWD`` (ODBC), ``token``, ``client_secret``, ``api_key`` ..."""
_TEXT_SECRET_RE: Final = re.compile(
    r"(?i)\b([a-z_-]*(?:" + "|".join(re.escape(p) for p in _SECRET_KEY_PARTS) + r")[a-z_-]*)"
    r"(\s*=\s*)('[^']*'|\"[^\"]*\"|[^\s&;,'\"]+)"
)
_MASK_ENCODED: Final = re.compile(r"=%2A%2A%2A(?=&|$)")
_DRIVER_PACKAGES: Final = {
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary]",
    "pymysql": "PyMySQL",
    "MySQLdb": "mysqlclient",
    "pyodbc": "pyodbc",
    "oracledb": "oracledb",
    "duckdb_engine": "duckdb-engine",
}
_PLAIN_TYPES: Final = (type(None), bool, int, float, str, bytes)
_BIND_FAILURE_RE: Final = re.compile(r"bind|adapt|unsupported type|not supported", re.IGNORECASE)


URL_SHOWN: Final = 120
"""Most characters of a database URL that an error message shows."""


def is_secret_key(key: str) -> bool:
    """Whether a URL query key carries a secret (``password``, ``sslpassword``, ``PWD``,
    ``token``, ``client_secret``, ``api_key`` ...; case-insensitive)."""
    folded = key.lower()
    return any(part in folded for part in _SECRET_KEY_PARTS)


def masked(url: URL) -> str:
    """``url`` as text that is safe to show: the password component and the value of
    every secret-bearing query key (:func:`is_secret_key`) read ``***``."""
    query = {key: MASK for key in url.query if is_secret_key(key)}
    if query:
        url = url.update_query_dict(query)
    text = url.render_as_string(hide_password=True)
    return _MASK_ENCODED.sub("=" + MASK, text) if query else text


def mask_url(text: str) -> str:
    """``text`` with any ``user:password@`` password and any ``password=...``-style
    secret (URL query or libpq keyword) replaced by ``***``; for text that may not even
    parse as a URL, such as a driver's error message."""
    text = _URL_PASSWORD_RE.sub(r"\1***@", text)
    return _TEXT_SECRET_RE.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


def _secrets(url: URL) -> tuple[str, ...]:
    """Every secret value in ``url`` (password, secret query values), as given and
    URL-encoded both ways, for scrubbing messages that might quote them."""
    values = [url.password] if url.password else []
    for key, value in url.query.items():
        if is_secret_key(key):
            values += [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for value in values:
        for form in (value, quote(value, safe=""), quote_plus(value)):
            if form and form not in out:
                out.append(form)
    return tuple(out)


def _escape_for_text(stmt: SqlStatement) -> str:
    """The statement for ``sqlalchemy.text()``: its bind parameters stay ``:name``, every
    other colon that ``text()`` would treat as one (or un-escape) gets a backslash, and a
    parameter directly followed by a ``::type`` cast gets a space, which ``text()`` needs
    to see it (``:x ::int`` means the same as ``:x::int``)."""
    sql = stmt.text
    edits = [(offset + 1 + len(name), " ") for offset, name in stmt.params]
    edits = [(pos, ins) for pos, ins in edits if sql.startswith("::", pos)]
    keep = {offset for offset, _ in stmt.params}
    edits += [(m.start(), "\\") for m in _SA_PARAM_RE.finditer(sql) if m.start() not in keep]
    edits += [(m.start(), "\\") for m in _SA_ESCAPED_RE.finditer(sql)]
    if not edits:
        return sql
    out: list[str] = []
    last = 0
    for pos, insert in sorted(edits):
        out += (sql[last:pos], insert)
        last = pos
    out.append(sql[last:])
    return "".join(out)


def _adapt(value: Any, sqlite: bool) -> Any:
    """NumPy scalars (what pandas hands out) become Python scalars every driver binds;
    for SQLite, which has no decimal type, a ``Decimal`` becomes a float (as SQLite
    itself would store it)."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()
    if sqlite and isinstance(value, Decimal):
        return float(value)
    return value


def _db_message(exc: BaseException) -> str:
    """The database's own message from a SQLAlchemy error, on one line.

    Drops SQLAlchemy's ``[SQL: ...]``/background-link decoration and PostgreSQL's
    ``LINE n:`` context with its caret line.
    """
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    if orig is None:
        text = text.split("\n[SQL:")[0].split("\n(Background on this error")[0]
    lines = [line.strip() for line in text.splitlines()]
    kept = [line for line in lines if line and not line.startswith("LINE ") and line.strip("^ ")]
    return " ".join(kept) or type(orig or exc).__name__


def _sqlite_transactions(engine: Engine) -> None:
    """Make pysqlite transactions real: no implicit handling, an explicit ``BEGIN``, and a
    progress handler so that SIGINT (the kernel's interrupt) aborts a running query."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.set_progress_handler(_no_op, 10_000)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def _expand_env(url: URL) -> URL:
    """Replace ``${NAME}`` in the user, password, host, database and query values with
    environment variables, after parsing: a password needs no URL-encoding this way."""

    def expand(value: str) -> str:
        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise SqlError(
                    f"The environment variable {name} used in the database URL "
                    f"{masked(url)} is not set."
                )
            return os.environ[name]

        return _ENV_RE.sub(lookup, value)

    fields: dict[str, Any] = {
        key: expand(value)
        for key in ("username", "password", "host", "database")
        if isinstance(value := getattr(url, key), str) and "${" in value
    }
    query = {
        key: expand(value) if isinstance(value, str) else tuple(expand(v) for v in value)
        for key, value in url.query.items()
    }
    url = url.set(**fields) if fields else url
    return url.set(query=query) if query != dict(url.query) else url


@dataclass(frozen=True, slots=True)
class _Database:
    """One connected engine with what is needed to show and clean it up safely."""

    engine: Engine
    url: URL
    secrets: tuple[str, ...]
    keeper: Any = None
    """Embedded SQLite only: a second DB-API connection to the same named in-memory
    database.  SQLAlchemy discards a connection hit by ``KeyboardInterrupt`` mid-call;
    with the keeper the tables survive that (a plain ``:memory:`` would vanish)."""

    def dispose(self) -> None:
        self.engine.dispose()
        if self.keeper is not None:
            self.keeper.close()


def _is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _memory_creator() -> Any:
    """A connection factory for a private, named in-memory SQLite database (the
    ``memdb`` VFS, SQLite >= 3.36; older versions get a plain ``:memory:``)."""
    if sqlite3.sqlite_version_info >= (3, 36):
        target, uri = f"file:/reactive-{uuid.uuid4().hex}?vfs=memdb", True
    else:
        target, uri = ":memory:", False

    def creator() -> sqlite3.Connection:
        return sqlite3.connect(target, uri=uri, check_same_thread=False)

    return creator


def _no_op() -> int:
    # Runs Python bytecode inside long SQLite queries, so pending signal handlers run;
    # a KeyboardInterrupt raised here aborts the query with "interrupted".
    return 0


class SqlEngine:
    """The kernel's one database connection (see the module docstring).

    Thread-safe: statements, switches and drops are serialized by a lock;
    :meth:`cancel` may be called from another thread while :meth:`run` executes.
    """

    def __init__(self, url: str | None = None) -> None:
        self._lock = threading.RLock()
        self._active: Any = None  # the DB-API connection running a cell, for cancel()
        self._cancelled = False
        self._db = self._connect(url or DEFAULT_URL)

    # -- properties ---------------------------------------------------------

    @property
    def url(self) -> URL:
        """The current URL (a SQLAlchemy ``URL``: its ``str()`` hides the password)."""
        return self._db.url

    @property
    def masked_url(self) -> str:
        """The URL with its password and secret query values as ``***``
        (:func:`masked`): what clients, files and logs may show."""
        return masked(self._db.url)

    @property
    def dialect(self) -> str:
        """SQLAlchemy's dialect name (``sqlite``, ``postgresql`` ...), for analysis."""
        return self._db.engine.dialect.name

    @property
    def is_embedded(self) -> bool:
        """True for the kernel's own in-memory SQLite, the only database it cleans up."""
        return _is_memory_sqlite(self._db.url)

    def __repr__(self) -> str:
        return f"SqlEngine({self.masked_url!r})"

    # -- engine lifecycle -------------------------------------------------------

    def switch(self, url: str) -> None:
        """Connect to ``url`` (tested with ``SELECT 1``) and make it the current engine.

        Raises :class:`SqlError` (one sentence, password masked) when the URL is invalid,
        the driver is missing or the server cannot be reached; the previous engine then
        stays in use.  On success the previous engine is disposed (an embedded database
        and its tables are gone: the kernel re-runs SQL cells after a switch).
        """
        new = self._connect(url)
        with self._lock:
            old, self._db = self._db, new
        old.dispose()
        log.info("SQL cells now use %s", self.masked_url)

    def close(self) -> None:
        """Dispose of the engine's connections (an embedded database is lost)."""
        self._db.dispose()

    def _connect(self, url: str) -> _Database:
        db = self._create(url)
        try:
            with db.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1")).close()
        except Exception as exc:
            db.dispose()
            shown = shorten(masked(db.url), URL_SHOWN)
            reason = self._scrub(_db_message(exc), db.secrets)
            raise SqlError(f"Cannot connect to {shown}: {reason}") from None
        except BaseException:
            db.dispose()
            raise
        return db

    def _create(self, url: str) -> _Database:
        try:
            parsed = _expand_env(sa.make_url(url))
        except SqlError:
            raise
        except Exception:
            raise SqlError(  # not echoed: where the password is in it cannot be known
                "Invalid database URL: expected dialect+driver://user:password"
                "@host:port/database, e.g. postgresql+psycopg://me@localhost/mydb."
            ) from None
        if parsed.username and parsed.password is None and os.environ.get(PASSWORD_ENV):
            parsed = parsed.set(password=os.environ[PASSWORD_ENV])
        secrets = _secrets(parsed)
        shown = shorten(masked(parsed), URL_SHOWN)
        kwargs: dict[str, Any] = {"hide_parameters": True}
        creator = None
        if _is_memory_sqlite(parsed) and parsed.get_driver_name() == "pysqlite":
            creator = _memory_creator()
            kwargs.update(poolclass=StaticPool, creator=creator)
        elif _is_memory_sqlite(parsed):
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        elif parsed.get_backend_name() != "sqlite":
            kwargs["pool_pre_ping"] = True
            if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
                kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT}
        try:
            engine = sa.create_engine(parsed, **kwargs)
        except ImportError as exc:
            module = exc.name or str(exc)
            package = _DRIVER_PACKAGES.get(module, module)
            raise SqlError(
                f"The database driver for {shown} is not installed (no module {module!r}); "
                f"install it with: pip install {package}"
            ) from None
        except Exception as exc:
            reason = self._scrub(_db_message(exc), secrets)
            raise SqlError(f"Cannot use database URL {shown}: {reason}") from None
        if engine.dialect.name == "sqlite" and engine.dialect.driver == "pysqlite":
            _sqlite_transactions(engine)
        return _Database(engine, parsed, secrets, creator() if creator is not None else None)

    @staticmethod
    def _scrub(message: str, secrets: Iterable[str]) -> str:
        """Belt and braces: no message leaves this module with a secret in it.
        (Secrets shorter than 4 characters are only masked where they follow a
        ``password=``-style key or sit in ``user:password@``: alone they would mangle text.)"""
        for secret in secrets:
            if len(secret) >= 4:
                message = message.replace(secret, "***")
        return mask_url(message)

    # -- running cells -------------------------------------------------------

    def run(
        self, code: str, params_source: Mapping[str, Any], *, max_rows: int | None = None
    ) -> SqlResult | None:
        """Run a cell's statements in one transaction; the last row-returning result.

        ``params_source`` supplies ``:name`` values (the user namespace).  ``max_rows``
        caps the rows kept in memory (the rest are counted, not stored).  Any failure
        rolls the whole cell back and raises :class:`SqlError`; an interrupt (SIGINT or
        :meth:`cancel`) rolls back and raises ``KeyboardInterrupt``.
        """
        try:
            statements = split_statements(code, self.dialect)
        except SqlSyntaxError as exc:
            raise SqlError(f"SQL syntax error: {exc}") from None
        missing = sorted({n for s in statements for n in s.param_names if n not in params_source})
        if missing:
            names = ", ".join(f":{n}" for n in missing)
            plural = "s are" if len(missing) > 1 else " is"
            raise SqlError(
                f"The SQL uses {names}, but no Python variable{plural} defined with "
                f"{'those names' if len(missing) > 1 else 'that name'}."
            )
        with self._lock:
            self._cancelled = False
            db = self._db
            sqlite = db.engine.dialect.name == "sqlite"
            last: SqlResult | None = None
            with db.engine.begin() as conn:
                self._active = conn.connection.dbapi_connection
                try:
                    for index, stmt in enumerate(statements, 1):
                        values = {n: _adapt(params_source[n], sqlite) for n in stmt.param_names}
                        where = (index if len(statements) > 1 else None, stmt.text)
                        try:
                            result = conn.execute(sa.text(_escape_for_text(stmt)), values)
                            if result.returns_rows:
                                last = fetch_result(result, max_rows)
                            else:
                                result.close()
                        except Exception as exc:
                            raise self._error(exc, values, where, db) from None
                finally:
                    self._active = None
            return last

    def _error(
        self, exc: Exception, values: dict[str, Any], where: tuple[int | None, str], db: _Database
    ) -> BaseException:
        """The exception to raise for a failed statement (or its fetch)."""
        dbapi_error = db.engine.dialect.loaded_dbapi.Error
        if not isinstance(exc, sa.exc.StatementError | dbapi_error):
            return exc  # a bug, not the database's doing: keep its traceback
        message = self._scrub(_db_message(exc), db.secrets)
        if self._cancelled or (message == "interrupted" and db.engine.dialect.name == "sqlite"):
            return KeyboardInterrupt()
        unbindable = [n for n, v in values.items() if not isinstance(v, _PLAIN_TYPES)]
        if isinstance(exc, sa.exc.StatementError) and not isinstance(exc, sa.exc.DBAPIError):
            unbindable = list(values)  # SQLAlchemy itself could not process a value
        elif not _BIND_FAILURE_RE.search(message):
            unbindable = []
        if unbindable:
            message = _bind_message(unbindable, values, message)
        return SqlError(message, *where)

    def cancel(self) -> None:
        """Ask the database to stop the running cell (from another thread); the cell
        then raises ``KeyboardInterrupt``.  Does nothing when no cell is running."""
        active = self._active
        if active is None:
            return
        self._cancelled = True
        for method in ("interrupt", "cancel_safe", "cancel"):  # sqlite3; psycopg; psycopg2
            stop = getattr(active, method, None)
            if callable(stop):
                stop()
                return

    # -- the embedded database -------------------------------------------------

    def drop_tables(self, names: Iterable[str]) -> list[str]:
        """Drop tables and views a cell created, before it re-runs or is deleted.

        ``names`` are table names or ``table:`` keys from the analysis.  Only allowed on
        the embedded database (:attr:`is_embedded`); raises :class:`SqlError` otherwise,
        because the kernel never drops an external database's tables.  Returns the
        names (as given) that existed and were dropped; views go before tables.
        """
        if not self.is_embedded:
            raise SqlError(
                f"Refusing to drop tables on {self.masked_url}: the kernel only drops tables "
                "in its embedded SQLite database."
            )
        wanted = [(n, n.removeprefix(TABLE_PREFIX)) for n in names]
        dropped: list[str] = []
        with self._lock, self._db.engine.begin() as conn:
            found = []
            for name, bare in wanted:
                schema, _, table = bare.rpartition(".")
                schema = schema or "main"
                master = '"{}".sqlite_master'.format(schema.replace('"', '""'))
                row = conn.exec_driver_sql(
                    f"SELECT type FROM {master} WHERE name = ? COLLATE NOCASE "
                    "AND type IN ('table', 'view')",
                    (table,),
                ).first()
                if row is not None:
                    found.append((str(row[0]), schema, table, name))
            for kind, schema, table, name in sorted(found, key=lambda f: f[0] != "view"):
                quoted = '"{}"."{}"'.format(schema.replace('"', '""'), table.replace('"', '""'))
                conn.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {quoted}")
                dropped.append(name)
        return dropped


def _bind_message(names: list[str], values: Mapping[str, Any], reason: str) -> str:
    described = ", ".join(f":{n} (a {type(values[n]).__name__})" for n in names)
    return f"Cannot bind {described} as an SQL value: {reason}"
