"""Profile the reactive kernel's side of a cascade (and of a lab-style execute).

Run:  .venv/bin/python benchmarks/profile_cascade.py [--cells 1000] [--top 35]
                                                    [--sort cumulative|tottime]
                                                    [--execs 500] [--isolated]
                                                    [--setup CODE]

Starts a real ``reactive`` kernel, creates a chain of cells via the comm
protocol, then turns cProfile on *inside the kernel* with a console execute
(``cProfile.Profile().enable()`` profiles the kernel's main thread, where
comm requests and cascades are handled), sends comm ``run`` for the first
cell (cold: cells compiled; then warm: compiled code cached), and prints the
kernel-side profile of each. ``--execs N`` also profiles N lab-style
``execute_request`` of ``pass`` (``metadata.cellId``) and the same number of
console-style ones, to find the per-request overhead.

Note: the IOPub thread (socket sends) is not profiled; serialisation and
signing happen in the main thread and are.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import Kernel, chain_code, run_cascade

ENABLE = "import cProfile as _cp, pstats as _ps, io as _io\n_bprof = _cp.Profile()\n_bprof.enable()"
DISABLE = """_bprof.disable()
_bs = _io.StringIO()
_bst = _ps.Stats(_bprof, stream=_bs)
_bst.strip_dirs().sort_stats({sort!r}).print_stats({top})
_bprofile_text = _bs.getvalue()
"""


def stream_text(kernel: Kernel, code: str, timeout: float = 120.0) -> str:
    """Execute console-style and return a user expression's value (the text)."""
    reply = kernel.execute(code, user_expressions={"t": "_bprofile_text"}, timeout=timeout)
    if reply["status"] != "ok":
        raise RuntimeError(f"{reply.get('ename')}: {reply.get('evalue')}")
    import ast

    return str(ast.literal_eval(reply["user_expressions"]["t"]["data"]["text/plain"]))


def profiled(kernel: Kernel, label: str, action, sort: str, top: int) -> None:
    reply = kernel.execute(ENABLE)
    assert reply["status"] == "ok", reply
    result = action()
    text = stream_text(kernel, DISABLE.format(sort=sort, top=top))
    print(f"\n===== {label}: {result} =====")
    print(text)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--execs", type=int, default=0)
    ap.add_argument(
        "--setup",
        default="",
        help="code run in the kernel first (console style), e.g. an experiment: "
        "'get_ipython().history_manager.db_cache_size = 10**9'",
    )
    ap.add_argument(
        "--isolated",
        action="store_true",
        help="use a temporary IPYTHONDIR (history sqlite not shared)",
    )
    args = ap.parse_args()
    n = args.cells
    rk = Kernel("reactive")
    tmp = tempfile.TemporaryDirectory(prefix="reactive-prof-") if args.isolated else None
    try:
        rk.start({"IPYTHONDIR": tmp.name} if tmp else None)
        if args.setup:
            reply = rk.execute(args.setup)
            assert reply["status"] == "ok", reply
        for i in range(n):
            r = rk.comm(
                "create", cell_type="python", after=None, cell_id=f"k{i}", code=chain_code(i)
            )
            assert r.get("ok"), r

        def cascade():
            res = run_cascade(rk, "k0", n)
            return f"duration_ms={res['duration_ms']:.1f} wall_ms={res['wall_ms']:.1f}"

        profiled(rk, f"cascade over {n} cells, cold (first run)", cascade, args.sort, args.top)
        profiled(rk, f"cascade over {n} cells, warm (second run)", cascade, args.sort, args.top)
        if args.execs:

            def lab():
                for _ in range(args.execs):
                    rk.execute("pass", metadata={"cellId": "prof-pass-cell"})
                return f"{args.execs} lab-style execute of `pass`"

            def console():
                for _ in range(args.execs):
                    rk.execute("pass")
                return f"{args.execs} console-style execute of `pass`"

            profiled(rk, "lab-style executes", lab, args.sort, args.top)
            profiled(rk, "console-style executes", console, args.sort, args.top)
    finally:
        rk.stop()
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
