"""Pages of large tables: the ``table_page`` op and the first page shown inline.

A table is a value bound to a name in the shell's namespace: a ``pandas.DataFrame``
(when pandas is installed) or a :class:`~reactive_kernel.runtime.sql_table.SqlTable`
(an SQL cell's result without pandas). Displaying one adds a
``application/vnd.reactive.table+json`` entry to the output's MIME bundle: the
name, the columns, the total row count and the first page. Front ends that know
the type show a paginated, sortable view and fetch further pages with
``table_page {name, offset, limit, sort}``; other front ends show the HTML as
before. Only the requested rows are formatted and sent, so a page costs the
same whatever the table's size (plus one sort per new sort order, cached).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..core.notebook import OpError
from ..core.quoting import quote
from .sql_table import SqlResult, SqlTable, cell_text

TABLE_MIME: Final = "application/vnd.reactive.table+json"
FIRST_PAGE: Final = 20
MAX_LIMIT: Final = 500
MAX_COLUMNS: Final = 100


@dataclass(frozen=True, slots=True)
class Sort:
    column: str
    descending: bool


def _is_frame(value: Any) -> bool:
    cls = type(value)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas")


def is_table(value: Any) -> bool:
    return isinstance(value, SqlTable | SqlResult) or _is_frame(value)


class _SortCache:
    """The last sorted order per table (a page-through of one sort costs one sort)."""

    def __init__(self) -> None:
        self.key: tuple[int, str, str, bool] | None = None
        self.order: Any = None

    def get(self, name: str, value: Any, sort: Sort, compute: Any) -> Any:
        key = (id(value), name, sort.column, sort.descending)
        if key != self.key:
            self.order = compute()
            self.key = key
        return self.order


_cache = _SortCache()


def _sort_key(v: Any) -> tuple[int, Any]:
    return (1, 0) if v is None else (0, v)


def _sorted_rows(rows: Sequence[tuple[Any, ...]], index: int, descending: bool) -> list[int]:
    order = list(range(len(rows)))
    try:
        order.sort(key=lambda i: _sort_key(rows[i][index]), reverse=descending)
    except TypeError:  # mixed types: compare as text
        order.sort(key=lambda i: (rows[i][index] is None, str(rows[i][index])), reverse=descending)
    if descending:  # None last either way
        order.sort(key=lambda i: rows[i][index] is None)
    return order


def page(
    name: str, value: Any, offset: int, limit: int, sort: Sort | None = None
) -> dict[str, Any]:
    """Rows ``offset`` to ``offset + limit`` of the table, sorted if asked, as text."""
    if _is_frame(value):
        return _frame_page(name, value, offset, limit, sort)
    if isinstance(value, SqlResult):
        value = SqlTable(value.columns, value.rows)
    if not isinstance(value, SqlTable):
        raise OpError(
            "not_a_table", f"{quote(name)} is a {type(value).__name__}, not a table or DataFrame."
        )
    columns = list(value.columns)
    rows = value.rows
    if sort is not None:
        if sort.column not in columns:
            raise OpError("bad_request", f"{quote(name)} has no column {quote(sort.column)}.")
        at = columns.index(sort.column)
        order = _cache.get(name, value, sort, lambda: _sorted_rows(rows, at, sort.descending))
        picked = [rows[i] for i in order[offset : offset + limit]]
    else:
        picked = rows[offset : offset + limit]
    ncols = min(len(columns), MAX_COLUMNS)
    return {
        "name": name,
        "columns": [cell_text(c) for c in columns[:ncols]],
        "total_columns": len(columns),
        "rows": [[cell_text(v) for v in row[:ncols]] for row in picked],
        "index": None,
        "total": len(rows),
        "offset": offset,
        "sort": None if sort is None else {"column": sort.column, "descending": sort.descending},
    }


def _frame_page(
    name: str, frame: Any, offset: int, limit: int, sort: Sort | None
) -> dict[str, Any]:
    columns = [str(c) for c in frame.columns]
    if sort is not None:
        if sort.column not in columns:
            raise OpError("bad_request", f"{quote(name)} has no column {quote(sort.column)}.")
        at = columns.index(sort.column)

        def compute() -> Any:
            col = frame.iloc[:, at]
            try:
                return col.sort_values(
                    ascending=not sort.descending, kind="stable", na_position="last"
                ).index
            except TypeError:
                return col.astype(str).sort_values(ascending=not sort.descending).index

        order = _cache.get(name, frame, sort, compute)
        part = frame.loc[order[offset : offset + limit]]
    else:
        part = frame.iloc[offset : offset + limit]
    ncols = min(len(columns), MAX_COLUMNS)
    values = part.iloc[:, :ncols].itertuples(index=False, name=None)
    index = part.index
    plain = type(frame.index).__name__ == "RangeIndex"
    return {
        "name": name,
        "columns": [cell_text(c) for c in columns[:ncols]],
        "total_columns": len(columns),
        "rows": [[cell_text(v) for v in row] for row in values],
        "index": None if plain else [cell_text(i) for i in index],
        "total": len(frame),
        "offset": offset,
        "sort": None if sort is None else {"column": sort.column, "descending": sort.descending},
    }


def first_page(name: str, value: Any) -> dict[str, Any]:
    """The inline payload: the first rows, the columns and the total count."""
    return page(name, value, 0, FIRST_PAGE)


def table_page(
    ns: Mapping[str, Any], name: str, offset: int, limit: int, sort: Sort | None
) -> dict[str, Any]:
    """The ``table_page`` op: :class:`OpError` when ``name`` is not a table."""
    if name not in ns or name.startswith("_"):
        raise OpError("unknown_name", f"No variable {quote(name)}: run its cell first.")
    return page(name, ns[name], offset, max(1, min(limit, MAX_LIMIT)), sort)


def bound_name(ns: Mapping[str, Any], value: Any) -> str | None:
    """The public name ``value`` is bound to in ``ns`` (identity), if any."""
    for key, v in ns.items():
        if v is value and not key.startswith("_") and key not in ("In", "Out"):
            return key
    return None


def install_formatter(shell: Any) -> None:
    """Show DataFrames bound to a name with the paginated view's MIME type too."""
    from IPython.core.formatters import JSONFormatter
    from traitlets import Unicode

    class TableFormatter(JSONFormatter):  # type: ignore[misc]
        format_type = Unicode(TABLE_MIME)

        def _check_return(self, r: Any, obj: Any) -> Any:
            return r if isinstance(r, dict) else None

    display = shell.display_formatter
    fmt = TableFormatter(parent=display)
    display.formatters[TABLE_MIME] = fmt
    if TABLE_MIME not in display.active_types:
        display.active_types = [*display.active_types, TABLE_MIME]

    def frame(value: Any) -> dict[str, Any] | None:
        name = bound_name(shell.user_ns, value)
        return None if name is None else first_page(name, value)

    for module in ("pandas", "pandas.core.frame"):  # pandas 3 reports the top module
        fmt.for_type_by_name(module, "DataFrame", frame)
