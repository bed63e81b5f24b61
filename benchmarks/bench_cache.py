"""Benchmark of the result cache (PROTOCOL.md section 8).

Run:  .venv/bin/python benchmarks/bench_cache.py [--mb 100] [--repeat 5] [--sleep 5]

``restore``
    restoring a cached 100 MB numpy array and a 100 MB DataFrame
    (``CacheStore.get``: read, verify the HMAC, unpickle with out-of-band buffers)
    against the library's own fastest reader of the same data from the same
    disk: ``np.load`` of an ``.npy`` file, ``pickle.load`` (protocol 5) of the
    same object, and ``pd.read_parquet`` when pyarrow is installed. Files are
    read warm (page cache), interleaved, medians of ``--repeat`` rounds.
    Target: cache / fastest <= 1.5.
``keys``
    cache key computation per cell (``KeyMemo`` over a 2,000-cell chain and a
    2,000-cell fan of 20 roots). Target <= 0.05 ms per cell.
``reopen``
    a notebook of 5 cells taking ``--sleep`` s each, cache on: run once by a
    kernel bound to the file, then reopened by a new kernel and ``run_all``;
    the time until every cell is ``success``. Target < 1 s (vs 5 x sleep).

The cascade overhead of uncached cells is measured by benchmarks/bench.py
(run it on this branch and on its base; the cache adds one attribute test per
cell when no cell has the option).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from reactive_kernel.core.cache_key import KeyMemo  # noqa: E402
from reactive_kernel.core.nbformat_percent import NotebookCell, NotebookDoc, dumps  # noqa: E402
from reactive_kernel.core.notebook import Notebook  # noqa: E402
from reactive_kernel.kernel_client import KernelLink  # noqa: E402
from reactive_kernel.runtime.cache_store import CacheStore  # noqa: E402
from reactive_kernel.runtime.cache_store import dumps as cache_dumps  # noqa: E402

try:
    import pandas as pd
except ImportError:
    pd = None


def median_times(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Interleaved rounds; each function once per round; medians in seconds."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():  # warm the page cache and the code paths
        fn()
    for _ in range(repeat):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {k: statistics.median(v) for k, v in times.items()}


def bench_restore(folder: Path, mb: int, repeat: int) -> list[tuple[str, float, float, str]]:
    rows = []
    store = CacheStore(folder / "cache", b"k" * 32, limit=10 * mb << 20)
    arr = np.random.default_rng(0).random(mb * (1 << 20) // 8)
    np.save(folder / "arr.npy", arr)
    with open(folder / "arr.pkl", "wb") as f:
        pickle.dump(arr, f, protocol=5)
    store.put("arr.00ff00ff00ff00ff", *cache_dumps({"names": {"arr": arr}, "outputs": []}))

    def load_pickle(path: Path) -> Any:
        with open(path, "rb") as f:
            return pickle.load(f)

    t = median_times(
        {
            "cache": lambda: store.get("arr.00ff00ff00ff00ff"),
            "np.load": lambda: np.load(folder / "arr.npy"),
            "pickle": lambda: load_pickle(folder / "arr.pkl"),
        },
        repeat,
    )
    fastest = min(t["np.load"], t["pickle"])
    rows.append(
        ("ndarray", t["cache"], fastest, "np.load" if fastest == t["np.load"] else "pickle")
    )
    got = store.get("arr.00ff00ff00ff00ff")
    assert got is not None and np.array_equal(got["names"]["arr"], arr)
    del arr, got
    if pd is None:
        return rows
    n = mb * (1 << 20) // 32
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "a": rng.random(n),
            "b": rng.integers(0, 1000, n),
            "c": rng.random(n),
            "d": rng.integers(0, 10, n),
        }
    )
    frame.to_pickle(folder / "frame.pkl", protocol=5)
    store.put("frame.00ff00ff00ff00ff", *cache_dumps({"names": {"frame": frame}, "outputs": []}))
    readers: dict[str, Callable[[], Any]] = {
        "cache": lambda: store.get("frame.00ff00ff00ff00ff"),
        "pd.read_pickle": lambda: pd.read_pickle(folder / "frame.pkl"),
    }
    try:
        frame.to_parquet(folder / "frame.parquet")
        readers["pd.read_parquet"] = lambda: pd.read_parquet(folder / "frame.parquet")
    except ImportError:
        pass
    t = median_times(readers, repeat)
    best = min((v, k) for k, v in t.items() if k != "cache")
    rows.append(("DataFrame", t["cache"], best[0], best[1]))
    got = store.get("frame.00ff00ff00ff00ff")
    assert got is not None and got["names"]["frame"].equals(frame)
    return rows


def bench_keys(n: int = 2000) -> dict[str, float]:
    out = {}
    shapes = {
        "chain": [f"v{i} = v{i - 1} + 1" if i else "v0 = 0" for i in range(n)],
        "fan": [f"r{i} = {i}" if i < 20 else f"w{i} = r{i % 20} + 1" for i in range(n)],
    }
    for shape, codes in shapes.items():
        nb = Notebook()
        for i, code in enumerate(codes):
            nb.create(f"c{i}", code=code)
        cells = nb.cells
        best = float("inf")
        for _ in range(5):
            memo = KeyMemo(
                nb.graph,
                lambda c, cells=cells: (cells[c].type, cells[c].code, cells[c].name),
                "cpython-3.12.0",
                lambda c: "",
            )
            started = time.perf_counter()
            for cid in cells.ids:
                memo.key(cid)
            best = min(best, time.perf_counter() - started)
        out[shape] = best / n * 1000
    return out


async def bench_reopen(folder: Path, sleep: float) -> tuple[float, float, list[str]]:
    path = folder / "slow.py"
    cells = tuple(
        NotebookCell(
            f"s{i}", "python", f"import time as _t\n_t.sleep({sleep})\nv{i} = {i}", cache=True
        )
        for i in range(5)
    )
    path.write_text(dumps(NotebookDoc(cells, {})), encoding="utf-8")
    env = {"REACTIVE_NOTEBOOK": str(path), "JUPYTER_DATA_DIR": str(folder / "data")}
    timings = []
    statuses: list[str] = []
    for _ in range(2):
        link = await KernelLink.start(env=env)
        try:
            started = time.perf_counter()
            await link.request("run_all", timeout=10 * sleep + 60)
            timings.append(time.perf_counter() - started)
            snap = (await link.request("snapshot")).get("snapshot") or {}
            statuses = [
                f"{c['status']}{' (cached)' if c.get('cached') else ''}" for c in snap["cells"]
            ]
        finally:
            await link.close()
    return timings[0], timings[1], statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the restored data (MB)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per timing")
    parser.add_argument("--sleep", type=float, default=5.0, help="seconds each slow cell takes")
    parser.add_argument("--skip-reopen", action="store_true", help="skip the kernel benchmark")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(dir=ROOT / "benchmarks") as tmp:
        folder = Path(tmp)
        print(f"\nrestore ({args.mb} MB, medians of {args.repeat}, warm)")
        for what, cache, fastest, name in bench_restore(folder, args.mb, args.repeat):
            ratio = cache / fastest
            verdict = "ok" if ratio <= 1.5 else "OVER"
            print(
                f"  {what:10s} cache {cache * 1000:7.1f} ms   {name} {fastest * 1000:7.1f} ms"
                f"   ratio {ratio:.2f} (target <= 1.5: {verdict})"
            )
        print("\ncache keys (best of 5, 2,000 cells)")
        for shape, ms in bench_keys().items():
            verdict = "ok" if ms <= 0.05 else "OVER"
            print(f"  {shape:6s} {ms * 1000:6.1f} us per cell (target <= 50 us: {verdict})")
        if not args.skip_reopen:
            first, again, statuses = asyncio.run(bench_reopen(folder, args.sleep))
            verdict = "ok" if again < 1.0 else "OVER"
            print(f"\nreopen: 5 cells x {args.sleep:g} s, cache on")
            print(
                f"  first run {first:.2f} s, reopened run_all {again:.3f} s (target < 1 s: {verdict})"
            )
            print(f"  statuses after reopening: {', '.join(statuses)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
