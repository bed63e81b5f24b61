"""Results of SQL cells: fetching them, the value a cell binds, and how they are shown.

:class:`SqlResult` is what ``SqlEngine.run`` returns; :meth:`SqlResult.value` is what
the cell's name is bound to: a ``pandas.DataFrame``, or, without pandas, a
:class:`SqlTable`, deliberately small: column names, row tuples, ``len``, iteration and
the same HTML/plain-text rendering the kernel uses to display a result.  That rendering
is used for display either way, because it formats only the first rows and so costs the
same for 10 rows or 10 million.

Rendering never floods a client: at most ``max_rows`` rows and ``max_columns`` columns
are shown, each cell's text is cut at ``max_cell_chars``, and the HTML scrolls inside a
box of bounded height.  A footer always says how many rows there are in total.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, overload

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "SqlResult",
    "SqlTable",
    "display_data",
    "fetch_result",
    "render_html",
    "render_text",
]

MAX_ROWS: Final = 20
MAX_COLUMNS: Final = 50
MAX_CELL_CHARS: Final = 100
_ELLIPSIS: Final = "\u2026"


def cell_text(value: Any, max_chars: int = MAX_CELL_CHARS) -> str:
    """One value as short display text: ``NULL`` for None, bytes as a short repr."""
    if value is None:
        text = "NULL"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, bytes | bytearray | memoryview):
        text = repr(bytes(value[: max_chars + 1]))
    else:
        text = str(value)
    text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return text if len(text) <= max_chars else text[: max_chars - 1] + _ELLIPSIS


def _footer(total: int, shown: int, columns: int, shown_columns: int) -> str:
    parts = [f"{total:,} row{'s' if total != 1 else ''} total"]
    if shown < total:
        parts.append(f"showing the first {shown:,}")
    if shown_columns < columns:
        parts.append(f"first {shown_columns} of {columns} columns")
    return ", ".join(parts)


def render_html(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    total: int | None = None,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> str:
    """A scrollable HTML table of the first rows plus an "N rows total" footer.

    ``total`` is the full row count when ``rows`` holds only part of the result.
    """
    total = len(rows) if total is None else total
    shown = rows[:max_rows]
    ncols = min(len(columns), max_columns)
    esc = html.escape
    out = [
        '<div class="reactive-sql-result">',
        '<div style="max-height: 24em; overflow: auto;">',
        '<table class="dataframe"><thead><tr>',
    ]
    out.extend(f"<th>{esc(cell_text(c, max_cell_chars))}</th>" for c in columns[:ncols])
    out.append("</tr></thead><tbody>")
    for row in shown:
        out.append("<tr>")
        out.extend(f"<td>{esc(cell_text(v, max_cell_chars))}</td>" for v in row[:ncols])
        out.append("</tr>")
    out.append("</tbody></table></div>")
    footer = _footer(total, len(shown), len(columns), ncols)
    out.append(f"<p><small>{esc(footer)}</small></p></div>")
    return "".join(out)


def render_text(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    total: int | None = None,
    *,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> str:
    """The same table as aligned plain text (for consoles and ``text/plain``)."""
    total = len(rows) if total is None else total
    shown = rows[:max_rows]
    ncols = min(len(columns), max_columns)
    grid = [[cell_text(c, max_cell_chars) for c in columns[:ncols]]]
    grid.extend([cell_text(v, max_cell_chars) for v in row[:ncols]] for row in shown)
    widths = [max(len(line[i]) for line in grid) for i in range(ncols)]
    lines = [
        "  ".join(t.ljust(w) for t, w in zip(line, widths, strict=False)).rstrip() for line in grid
    ]
    if ncols:
        lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"({_footer(total, len(shown), len(columns), ncols)})")
    return "\n".join(lines)


class SqlTable:
    """A query result: ``columns`` (names) and ``rows`` (tuples).

    ``len(table)`` is the number of rows and iterating yields the row tuples, so
    ``for a, b in table`` works as it would over a DB-API cursor. ``table["col"]``
    is a column's values, as with a DataFrame, so code reading columns works the
    same with or without pandas. ``to_pandas()`` converts when pandas is
    available later.
    """

    __slots__ = ("columns", "rows")

    def __init__(self, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        self.columns: tuple[str, ...] = tuple(columns)
        self.rows: list[tuple[Any, ...]] = list(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    @overload
    def __getitem__(self, key: int) -> tuple[Any, ...]: ...
    @overload
    def __getitem__(self, key: str) -> list[Any]: ...
    def __getitem__(self, key: int | str) -> tuple[Any, ...] | list[Any]:
        """A row by position, or a column's values by name."""
        if isinstance(key, str):
            if key not in self.columns:
                raise KeyError(key)
            return self.column(key)
        return self.rows[key]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SqlTable):
            return NotImplemented
        return self.columns == other.columns and self.rows == other.rows

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def column(self, name: str) -> list[Any]:
        """The values of one column (the first one with that name)."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` with the same data (pandas must be installed)."""
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        return pd.DataFrame(self.rows, columns=list(self.columns))

    def _repr_html_(self) -> str:
        return render_html(self.columns, self.rows)

    def __repr__(self) -> str:
        return render_text(self.columns, self.rows)


@dataclass(slots=True)
class SqlResult:
    """Rows of the last statement of a cell that returned rows.

    ``total`` is how many rows the statement produced; it exceeds ``len(rows)`` only when
    :meth:`SqlEngine.run` was given ``max_rows``.
    """

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    total: int

    def value(self, pandas: bool | None = None) -> Any:
        """The value bound to the cell's name: a ``pandas.DataFrame`` when pandas is
        importable (or ``pandas=True``), else a :class:`SqlTable`."""
        if pandas is not False:
            try:
                import pandas as pd  # type: ignore[import-untyped, unused-ignore]
            except ImportError:
                if pandas:
                    raise
            else:
                return pd.DataFrame(self.rows, columns=list(self.columns))
        return SqlTable(self.columns, self.rows)


def display_data(
    result: SqlResult, max_rows: int = MAX_ROWS, max_cell_chars: int = MAX_CELL_CHARS
) -> dict[str, str]:
    """A ``display_data`` bundle (``text/html`` + ``text/plain``) of the first rows.

    Costs the same whatever the result's size: only ``max_rows`` rows are formatted.
    """
    args = (result.columns, result.rows, result.total)
    return {
        "text/html": render_html(*args, max_rows=max_rows, max_cell_chars=max_cell_chars),
        "text/plain": render_text(*args, max_rows=max_rows, max_cell_chars=max_cell_chars),
    }


def fetch_result(result: CursorResult[Any], max_rows: int | None) -> SqlResult:
    """An executed statement's rows (all, or the first ``max_rows`` with the rest counted)
    as plain tuples; closes ``result``.

    When SQLAlchemy has no per-column processing to do (the normal case for ``text()``
    queries) rows come straight from the DB-API cursor: building ``Row`` objects and
    converting them back costs more than the query itself for large results.
    """
    columns = tuple(result.keys())
    meta = result._metadata
    processors = getattr(meta, "_processors", None)
    raw = processors is not None and not any(processors)
    raw = raw and getattr(meta, "_tuplefilter", None) is None
    rows: list[tuple[Any, ...]] = []
    try:
        if raw:
            cursor = result.cursor
            fetched = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows)
            rows = fetched if isinstance(fetched, list) else list(fetched)
            total = len(rows)
            if max_rows is not None:
                while chunk := cursor.fetchmany(10_000):
                    total += len(chunk)
            if rows and type(rows[0]) is not tuple:
                rows = [tuple(r) for r in rows]
        else:
            total = 0
            for row in result:
                total += 1
                if max_rows is None or total <= max_rows:
                    rows.append(tuple(row))
    finally:
        result.close()
    return SqlResult(columns, rows, total)
