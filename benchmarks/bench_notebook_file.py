"""Benchmark of the notebook file format (a bound kernel saves after every change).

Run:  .venv/bin/python benchmarks/bench_notebook_file.py [--cells N] [--repeat R]

Measures, on an N-cell notebook (default 5,000 cells of 3-6 lines, ~1 MB):

1. ``dumps`` from scratch (what the first save costs) and ``loads``;
2. the same through the disk: atomic write (temp file, fsync, rename) and read;
3. saving after one cell edit with a :class:`PercentWriter` that saved the
   previous version (the cost of every save of a bound kernel), pure and
   with the atomic write. This is the figure that must stay in the low ms.

Figures are the median of R runs (best in brackets), in milliseconds.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reactive_kernel.convert import write_atomic
from reactive_kernel.core.nbformat_percent import (
    NotebookCell,
    NotebookDoc,
    PercentWriter,
    dumps,
    loads,
)


def make_doc(n: int) -> NotebookDoc:
    cells = []
    for i in range(n):
        code = f"x{i} = x{i - 1} + 1 if {i} else 0\nprint(f'x{i} = {{x{i}}}')\n"
        if i % 3 == 0:
            code += f"def f{i}(v):\n    # helper {i}\n    return v * {i}\n"
        if i % 10 == 0:
            cells.append(NotebookCell(f"q{i}", "sql", f"SELECT {i} AS n", name=f"df{i}"))
        cells.append(NotebookCell(f"c{i}", "python", code.rstrip("\n")))
    return NotebookDoc(tuple(cells[:n]), {"database": "sqlite:///bench.db"})


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    doc = make_doc(args.cells)
    text = dumps(doc)
    assert loads(text) == doc
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"{len(doc.cells)} cells, {len(text) / 1e6:.2f} MB, {text.count(chr(10))} lines\n")

    rows: list[tuple[str, tuple[float, float]]] = []
    rows.append(("dumps (no cache)", measure(lambda: dumps(doc), args.repeat)))
    rows.append(("loads", measure(lambda: loads(text), args.repeat)))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nb.py"
        rows.append(
            (
                "save: dumps + atomic write",
                measure(lambda: write_atomic(path, dumps(doc)), args.repeat),
            )
        )
        rows.append(
            ("load: read + loads", measure(lambda: loads(path.read_text("utf-8")), args.repeat))
        )

        writer = PercentWriter()
        writer.dumps(doc)
        cells = list(doc.cells)
        middle = len(cells) // 2
        version = [0]

        def edit() -> NotebookDoc:
            version[0] += 1
            old = cells[middle]
            cells[middle] = NotebookCell(
                old.id, old.type, f"{old.code}\n# edit {version[0]}", old.name
            )
            return NotebookDoc(tuple(cells), doc.metadata)

        edited = [edit() for _ in range(args.repeat * 2)]
        it = iter(edited)
        rows.append(
            (
                "save after one edit (PercentWriter)",
                measure(lambda: writer.dumps(next(it)), args.repeat),
            )
        )
        rows.append(
            (
                "  ... + atomic write",
                measure(lambda: write_atomic(path, writer.dumps(next(it))), args.repeat),
            )
        )
        assert loads(path.read_text("utf-8")) == edited[-1]

    gc.collect()
    width = max(len(name) for name, _ in rows)
    for name, (median, best) in rows:
        print(f"{name:<{width}}  {median:8.2f} ms  (best {best:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
