"""Cost of matching an input without a cell id to the kernel's cells (VS Code).

Run:  .venv/bin/python benchmarks/bench_input_match.py [--cells N] [--repeat R]

Every execute_request without ``metadata.cellId`` is matched against the
kernel's cells before it runs (reactive_kernel/input_match.py). The baseline,
measured in the same run, is what the kernel already did for such an input:
analysing it once (the scratch path's ``after_scratch``). The ratio is the
matcher's time (which analyses the input and looks at the cells) over that.
Inputs: one matching no cell, one editing a cell (same definitions), one with
the code of a cell, on an N-cell notebook (default 5,000 cells of 3 lines).
Figures are the median of R runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reactive_kernel.core.analysis import analyze_python
from reactive_kernel.core.notebook import Notebook
from reactive_kernel.input_match import InputMatcher


def _median_ms(fn: Callable[[int], object], repeat: int) -> float:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()
    nb = Notebook()
    for i in range(args.cells):
        nb.create(f"c{i}", code=f"x{i} = x{i - 1} + 1 if {i} else 0\nprint(x{i})\n# note {i}")
    matcher = InputMatcher(nb, lambda _t, code, _n: analyze_python(code), set)
    middle = args.cells // 2
    inputs = {
        "no cell": "y = 1",
        "edit (same names)": f"x{middle} = 5",
        "same code": f"x{middle} = x{middle - 1} + 1 if {middle} else 0\nprint(x{middle})\n# note {middle}",
    }
    print(f"{args.cells} cells, median of {args.repeat} runs")
    for label, code in inputs.items():
        base = _median_ms(lambda _i, code=code: analyze_python(code), args.repeat)
        cost = _median_ms(
            lambda i, code=code: matcher.match({"header": {"msg_id": str(i)}}, code), args.repeat
        )
        found = matcher.match({"header": {"msg_id": "x"}}, code)
        print(
            f"  {label:18} analysis {base:7.3f} ms   matcher {cost:7.3f} ms   "
            f"ratio {cost / base:6.1f}x   -> {found}"
        )


if __name__ == "__main__":
    main()
