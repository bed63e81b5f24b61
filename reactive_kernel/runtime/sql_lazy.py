"""The kernel's database, connected when a notebook first uses SQL.

SQLAlchemy and a database connection cost a kernel a sixth of a second and
about 11 MiB at start, for notebooks that may never run SQL. Until an SQL cell
runs, a database is switched or a table is dropped, :class:`LazySqlEngine`
answers what snapshots and analysis ask (the embedded default's URL and
dialect) without importing SQLAlchemy; then it makes the real
:class:`~reactive_kernel.runtime.sql.SqlEngine` and hands everything to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .sql import SqlEngine

DEFAULT_URL: Final = "sqlite://"
"""The embedded database: SQLite in memory."""
DEFAULT_DIALECT: Final = "sqlite"


class SqlError(Exception):
    """An SQL cell or database switch failed; ``str()`` is one clear sentence.

    For statement failures the message is the database's own; ``statement`` (1-based)
    and ``sql`` say which statement of the cell failed, for the cell's traceback.
    """

    def __init__(self, message: str, statement: int | None = None, sql: str | None = None):
        super().__init__(message)
        self.message = message
        self.statement = statement
        self.sql = sql


class LazySqlEngine:
    """A :class:`SqlEngine` on the embedded database, made on first real use."""

    def __init__(self) -> None:
        self._engine: SqlEngine | None = None

    @property
    def connected(self) -> bool:
        """Whether the real engine (and SQLAlchemy) has been loaded."""
        return self._engine is not None

    @property
    def engine(self) -> SqlEngine:
        if self._engine is None:
            from .sql import SqlEngine

            self._engine = SqlEngine()
        return self._engine

    @property
    def masked_url(self) -> str:
        return DEFAULT_URL if self._engine is None else self._engine.masked_url

    @property
    def dialect(self) -> str:
        return DEFAULT_DIALECT if self._engine is None else self._engine.dialect

    @property
    def is_embedded(self) -> bool:
        return True if self._engine is None else self._engine.is_embedded

    def switch(self, url: str) -> None:
        """As :meth:`SqlEngine.switch`; before any use, connects to ``url`` directly."""
        if self._engine is not None:
            self._engine.switch(url)
            return
        from .sql import SqlEngine

        self._engine = SqlEngine(url)

    def drop_tables(self, tables: Any) -> list[str]:
        if self._engine is None:  # nothing was ever created in an unused database
            return []
        return self._engine.drop_tables(tables)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def __repr__(self) -> str:
        return f"SqlEngine({self.masked_url!r})"
