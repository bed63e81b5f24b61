"""Benchmark of SQL cells: a 100,000-row, 5-column result, bound and displayed.

Run:  .venv/bin/python benchmarks/bench_sql.py [--rows N] [--repeat K] [--postgres URL]

For each database (the embedded SQLite; PostgreSQL when ``--postgres`` or
``REACTIVE_TEST_POSTGRES_URL`` gives a URL) it times, in interleaved rounds:

``kernel``
    what an SQL cell costs the kernel: ``SqlEngine.run`` (split, bind, one transaction,
    fetch) + ``SqlResult.value()`` (the DataFrame bound to the cell's name) +
    ``display_data`` (the HTML/plain bundle it shows).
``raw``
    plain SQLAlchemy, as the task states it: ``conn.execute(text(q)).fetchall()`` and
    ``pandas.DataFrame(rows, columns=keys)``.
``tuned``
    the fastest hand-written equivalent: the DB-API cursor's ``fetchall()`` (plain
    tuples, no ``Row`` objects) and a DataFrame from those tuples.  A ratio near 1 here
    means the kernel adds essentially nothing to the minimum cost.

Medians of ``--repeat`` rounds are printed, with ``kernel/raw`` (target <= 1.5) and
``kernel/tuned``.  Without pandas the value is a ``SqlTable`` and the baselines stop at
the fetched rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reactive_kernel.runtime.sql import SqlEngine, display_data  # noqa: E402

try:
    import pandas as pd
except ImportError:  # the kernel binds a SqlTable then; baselines stop at rows
    pd = None

QUERIES = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})"
    " SELECT i AS id, i * 0.5 AS half, 'name ' || i AS name, i % 7 AS bucket, 'x' AS tag FROM n",
    "postgresql": "SELECT i AS id, i * 0.5 AS half, 'name ' || i AS name, i % 7 AS bucket,"
    " 'x' AS tag FROM generate_series(1, {rows}) AS i",
}


def _frame(rows: list[Any], columns: list[str]) -> Any:
    return pd.DataFrame(rows, columns=columns) if pd is not None else rows


def bench(engine: SqlEngine, rows: int, repeat: int) -> dict[str, float]:
    query = QUERIES[engine.dialect].format(rows=rows)
    sa_engine = engine._db.engine  # the same connection(s) the kernel uses

    def kernel() -> int:
        result = engine.run(query, {})
        assert result is not None and result.total == rows
        result.value()
        display_data(result)
        return result.total

    def raw() -> int:
        with sa_engine.connect() as conn:
            cursor_result = conn.execute(sa.text(query))
            fetched = cursor_result.fetchall()
            _frame(fetched, list(cursor_result.keys()))
        return len(fetched)

    def tuned() -> int:
        with sa_engine.connect() as conn:
            cursor_result = conn.execute(sa.text(query))
            fetched = cursor_result.cursor.fetchall()
            columns = list(cursor_result.keys())
            cursor_result.close()
            _frame(fetched, columns)
        return len(fetched)

    series: dict[str, Callable[[], int]] = {"kernel": kernel, "raw": raw, "tuned": tuned}
    times: dict[str, list[float]] = {name: [] for name in series}
    for fn in series.values():  # warm-up: imports, caches, connection
        fn()
    for round_ in range(repeat):
        names = list(series)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]  # rotate order
        for name in names:
            start = time.perf_counter()
            count = series[name]()
            times[name].append(time.perf_counter() - start)
            assert count == rows, (name, count)
    return {name: statistics.median(values) for name, values in times.items()}


def report(label: str, medians: dict[str, float]) -> None:
    kernel, raw, tuned = medians["kernel"], medians["raw"], medians["tuned"]
    print(
        f"{label:<11} kernel {kernel * 1e3:8.1f} ms   raw {raw * 1e3:8.1f} ms   "
        f"tuned {tuned * 1e3:8.1f} ms   kernel/raw {kernel / raw:5.2f} (target <= 1.5)   "
        f"kernel/tuned {kernel / tuned:5.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("REACTIVE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(f"{args.rows:,} rows x 5 columns, median of {args.repeat} interleaved rounds;"
          f" pandas {'present' if pd is not None else 'absent'}")  # fmt: skip
    targets = [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else [])
    worst = 0.0
    for label, url in targets:
        engine = SqlEngine(url)
        try:
            medians = bench(engine, args.rows, args.repeat)
        finally:
            engine.close()
        report(label, medians)
        worst = max(worst, medians["kernel"] / medians["raw"])
    if not args.postgres:
        print("(PostgreSQL skipped: pass --postgres URL or set REACTIVE_TEST_POSTGRES_URL)")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
