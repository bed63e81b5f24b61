"""Profile the pure core: registering a 10,000-cell chain, and editing its first cell.

Run:  .venv/bin/python benchmarks/profile_core.py [--cells 10000] [--top 30]
                                                 [--sort cumulative|tottime]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import build_chain, mark_success


def show(prof: cProfile.Profile, label: str, sort: str, top: int) -> None:
    print(f"\n===== {label} =====")
    pstats.Stats(prof).strip_dirs().sort_stats(sort).print_stats(top)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=10000)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sort", default="cumulative")
    args = ap.parse_args()
    n = args.cells

    gc.collect()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    nb = build_chain(n)
    prof.disable()
    show(
        prof,
        f"register a chain of {n} cells ({time.perf_counter() - t0:.3f} s under the profiler)",
        args.sort,
        args.top,
    )

    # gen-2 GC share: time a full collection with the notebook alive
    t0 = time.perf_counter()
    gc.collect()
    print(
        f"one full gc.collect() with the {n}-cell notebook alive: "
        f"{(time.perf_counter() - t0) * 1000:.1f} ms; gc objects tracked: {len(gc.get_objects())}"
    )

    prof = cProfile.Profile()
    total = 0.0
    for r in range(5):
        mark_success(nb)
        t0 = time.perf_counter()
        prof.enable()
        nb.register("c0", f"x_0 = {r + 1}")
        nb.plan(["c0"])
        prof.disable()
        total += time.perf_counter() - t0
    show(
        prof,
        f"5 x (register c0 + plan) on {n} cells ({total / 5 * 1000:.1f} ms each under the profiler)",
        args.sort,
        args.top,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
