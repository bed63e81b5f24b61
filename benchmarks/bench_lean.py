"""Lean and lossless: start-up, memory, cascade overhead, events under load.

Run:  .venv/bin/python benchmarks/bench_lean.py [--starts 5] [--skip-load] [--skip-10k]

Measured in one run, against baselines measured in the same run:

1. start-up (``start_kernel`` to the first ``kernel_info_reply``) and RSS one
   second after ready, of the plain ``python3`` ipykernel and the ``reactive``
   kernel, in alternating repetitions (medians), plus ``len(sys.modules)``;
2. per-cell cascade overhead on chains of 1,000 and 10,000 cells bound from a
   notebook file: ``(cascade_finished.duration_ms - cells' own exec time) / n``
   and the wall time from the ``run`` request to its reply at one client
   (which includes receiving every message of the cascade), per cell; the
   cells' own time is measured in a plain ipykernel; marimo's ``app.run()`` of
   the same chain when marimo is installed (``pip install .[bench]``);
3. a 10,000-cell cascade with two clients while a CPU burner runs: the status
   changes each client received against those the kernel sent, and the number
   of IOPub messages the cascade took.

Every kernel is shut down in ``finally``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import Kernel, chain_code, machine, own_exec_ms

READY_TIMEOUT = 60.0


# ---------------------------------------------------------------------------
# 1. start-up and memory
# ---------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def one_start(name: str) -> dict[str, float]:
    km = KernelManager(kernel_name=name)
    kc = None
    try:
        t0 = time.perf_counter()
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=READY_TIMEOUT)
        ready = time.perf_counter() - t0
        time.sleep(1.0)  # RSS "a second after start", as the issue measured it
        pid = km.provisioner.process.pid  # type: ignore[union-attr]
        rss = rss_kib(pid)
        msg_id = kc.execute(
            "", silent=True, user_expressions={"n": "len(__import__('sys').modules)"}
        )
        reply = kc.get_shell_msg(timeout=READY_TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=READY_TIMEOUT)
        modules = int(reply["content"]["user_expressions"]["n"]["data"]["text/plain"])
        return {"start_s": ready, "rss_mib": rss / 1024, "modules": modules}
    finally:
        if kc is not None:
            kc.stop_channels()
        km.shutdown_kernel(now=True)


def bench_start(reps: int) -> dict[str, list[dict[str, float]]]:
    runs: dict[str, list[dict[str, float]]] = {"python3": [], "reactive": []}
    for _ in range(reps):  # alternating, so drift in machine load hits both
        for name in ("python3", "reactive"):
            runs[name].append(one_start(name))
    return runs


# ---------------------------------------------------------------------------
# 2. cascade overhead
# ---------------------------------------------------------------------------


def write_chain_notebook(path: Path, chains: dict[str, int]) -> None:
    """A percent-format notebook holding one chain of cells per prefix."""
    lines = ["# %% [markdown]", "# chains for bench_lean", ""]
    for prefix, n in chains.items():
        for i in range(n):
            lines += [f'# %% id="{prefix}{i}"', chain_code(i, prefix), ""]
    path.write_text("\n".join(lines))


def status_changes(data: dict[str, Any]) -> int:
    """How many status changes one comm event reports (either form)."""
    event = data.get("event")
    if event == "cell_status":
        return 1
    if event == "cell_statuses":
        return len(data.get("statuses", ()))
    return 0


def lean_recv(k: Kernel) -> dict[str, Any]:
    """One IOPub message, parsed as little as a fast client needs: header and
    parent header; the content only of comm and status messages (the
    signature is not checked: a local benchmark, the cost is the client's)."""
    frames = k.iopub.recv_multipart()
    i = frames.index(b"<IDS|MSG>")
    header = json.loads(frames[i + 2])
    mt = header["msg_type"]
    return {
        "msg_type": mt,
        "header": header,
        "parent_header": json.loads(frames[i + 3]),
        "content": json.loads(frames[i + 5]) if mt in ("comm_msg", "status") else {},
    }


def follow_cascade(
    k: Kernel, msg_id: str, req: str | None, timeout: float, strict: bool = True
) -> dict[str, Any]:
    """Read one client's IOPub until the request's idle; count what came.

    Not ``strict``: past ``timeout`` (the idle was lost), return what came."""
    reply_at = None
    finished: dict[str, Any] = {}
    changes = messages = 0
    final: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if strict:
                raise TimeoutError(f"cascade not finished within {timeout}s")
            break
        if not k.iopub.poll(max(1, int(remaining * 1000))):
            continue
        m = lean_recv(k)
        parent = m["parent_header"].get("msg_id", "")
        if parent != msg_id and not parent.startswith(msg_id + ":"):
            continue
        messages += 1
        mt = m["msg_type"]
        if mt == "comm_msg":
            data = k.content(m)["data"]
            ev = data.get("event")
            changes += status_changes(data)
            entries = data.get("statuses", ()) if ev == "cell_statuses" else [data]
            if ev in ("cell_status", "cell_statuses"):
                for e in entries:
                    final[e["cell_id"]] = e["status"]
            elif ev == "cascade_finished":
                finished = data
            elif ev == "reply" and (req is None or data.get("req") == req):
                reply_at = time.perf_counter()
        elif mt == "status" and parent == msg_id and k.content(m)["execution_state"] == "idle":
            break
    return {
        "reply_at": reply_at,
        "finished": finished,
        "changes": changes,
        "messages": messages,
        "final": final,
    }


def run_chain(k: Kernel, first: str, n: int, timeout: float = 300.0) -> dict[str, Any]:
    k.drain()
    req = f"lean-{time.monotonic_ns()}"
    t0 = time.perf_counter()
    msg_id = k.send_comm({"op": "run", "req": req, "cell_id": first})
    got = follow_cascade(k, msg_id, req, timeout)
    if got["finished"].get("succeeded") != n:
        raise RuntimeError(f"cascade did not run {n} cells: {got['finished']}")
    got["wall_ms"] = (got["reply_at"] - t0) * 1000
    got["duration_ms"] = float(got["finished"]["duration_ms"])
    return got


MARIMO_CODE = r"""
import importlib.util, sys, tempfile, time
from pathlib import Path
n = int(sys.argv[1])
lines = ["import marimo", "app = marimo.App()", ""]
for i in range(n):
    args = "" if i == 0 else f"x_{i - 1}"
    body = "x_0 = 0" if i == 0 else f"x_{i} = x_{i - 1} + 1"
    lines += ["@app.cell", f"def _({args}):", f"    {body}", f"    return (x_{i},)", ""]
path = Path(tempfile.mkdtemp()) / "chain_app.py"
path.write_text("\n".join(lines))
spec = importlib.util.spec_from_file_location("chain_app", path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
app = mod.app
app.run()  # warm-up: compile
runs = []
for _ in range(3):
    t0 = time.perf_counter(); app.run(); runs.append((time.perf_counter() - t0) * 1000)
print(min(runs))
"""


def marimo_ms(n: int, timeout: float = 300.0) -> float | None:
    """Best of three ``app.run()`` of an ``n``-cell chain (ms), or None."""
    try:
        import marimo  # noqa: F401
    except ImportError:
        return None
    import subprocess

    try:
        out = subprocess.run(
            [sys.executable, "-c", MARIMO_CODE, str(n)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        print(f"  marimo: {n} cells not run within {timeout:g} s", file=sys.stderr)
        return None
    if out.returncode != 0:
        print(f"  marimo failed: {out.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    return float(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# 3. events under load
# ---------------------------------------------------------------------------


def burn(stop: Any) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def second_client(k: Kernel) -> Kernel:
    """Another client of the same kernel, with jupyter_client's default HWM."""
    from jupyter_client.blocking.client import BlockingKernelClient

    other = Kernel(k.name)
    other.km = k.km
    # A Session of its own: a shared one would give both shell sockets one identity.
    other.kc = BlockingKernelClient()
    other.kc.load_connection_info(k.km.get_connection_info(session=False))
    other.kc.start_channels()
    other.kc.wait_for_ready(timeout=READY_TIMEOUT)
    other.shell = other.kc.shell_channel.socket
    other.iopub = other.kc.iopub_channel.socket
    other.session = other.kc.session
    import zmq

    other.poller = zmq.Poller()
    other.poller.register(other.shell, zmq.POLLIN)
    other.poller.register(other.iopub, zmq.POLLIN)
    other.drain()
    return other


def events_under_load(k: Kernel, first: str, n: int) -> dict[str, Any]:
    import threading

    other = second_client(k)
    stop = multiprocessing.Event()
    burner = multiprocessing.Process(target=burn, args=(stop,), daemon=True)
    burner.start()
    try:
        k.drain()
        other.drain()
        req = f"lean-load-{time.monotonic_ns()}"
        msg_id = k.send_comm({"op": "run", "req": req, "cell_id": first})
        results: dict[str, Any] = {}

        main_done = threading.Event()

        def follow_other() -> None:
            # A stalled reader: nothing read until the first client is done,
            # so the whole cascade queues up for it in the kernel.
            main_done.wait(130)
            results["other"] = follow_cascade(other, msg_id, req, 60, strict=False)

        t = threading.Thread(target=follow_other)
        t.start()
        try:
            results["main"] = follow_cascade(k, msg_id, req, 120, strict=False)
        finally:
            main_done.set()
        t.join(200)
    finally:
        stop.set()
        burner.join(10)
        other.kc.stop_channels()
    sent = 2 * n  # running + final per cell
    return {
        who: {
            "received": r["changes"],
            "sent": sent,
            "final_ok": sum(1 for s in r["final"].values() if s == "success"),
            "messages": r["messages"],
            "complete": r["reply_at"] is not None,
        }
        for who, r in results.items()
    }


# ---------------------------------------------------------------------------


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--starts", type=int, default=5, help="alternating start-up repetitions")
    ap.add_argument("--skip-10k", action="store_true", help="no 10,000-cell cascades")
    ap.add_argument("--skip-load", action="store_true", help="no events-under-load run")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument(
        "--marimo-10k",
        action="store_true",
        help="also run marimo on 10,000 cells (its graph build is quadratic: many minutes)",
    )
    ap.add_argument("--only", choices=("start", "cascade", "load"), help="run one part only")
    args = ap.parse_args()
    report: dict[str, Any] = {}

    def out(s: str = "") -> None:
        print(s, flush=True)

    for k_, v_ in machine():
        out(f"{k_:<12}{v_}")
    out()
    if args.only in (None, "start"):
        start_part(args, report, out)
    if args.only != "start":
        cascade_parts(args, report, out)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def start_part(args: Any, report: dict[str, Any], out: Any) -> None:
    out(f"1. start-up and RSS, {args.starts} alternating repetitions (medians)")
    runs = bench_start(args.starts)
    p, r = runs["python3"], runs["reactive"]
    rows = [
        ("start to ready (s)", "start_s"),
        ("RSS 1 s after ready (MiB)", "rss_mib"),
        ("modules loaded", "modules"),
    ]
    out(f"  {'':<28}{'python3':>10}{'reactive':>10}{'ratio':>8}")
    for label, key in rows:
        a, b = med([x[key] for x in p]), med([x[key] for x in r])
        report[key] = {"python3": a, "reactive": b, "ratio": b / a}
        out(f"  {label:<28}{a:>10.3f}{b:>10.3f}{b / a:>7.2f}x")
    out("  goal: start <= 1.15x, RSS <= 1.3x")


def cascade_parts(args: Any, report: dict[str, Any], out: Any) -> None:
    sizes = [1000] if args.skip_10k else [1000, 10_000]
    with tempfile.TemporaryDirectory() as tmp:
        nb = Path(tmp) / "chains.py"
        write_chain_notebook(nb, {f"c{n}_": n for n in sizes})
        rk = Kernel("reactive")
        ipk = Kernel("python3")
        try:
            rk.start(env={"REACTIVE_NOTEBOOK": str(nb)})
            ipk.start()
            out()
            out("2. cascade over a chain of n cells (comm `run` of the first), per cell, ms")
            out(
                f"  {'n':>6}{'own exec':>10}{'kernel cold':>13}{'kernel warm':>13}{'wall warm':>11}{'messages':>10}{'marimo':>9}"
            )
            for n in sizes if args.only != "load" else ():
                cold = run_chain(rk, f"c{n}_0", n)
                warm = [run_chain(rk, f"c{n}_0", n) for _ in range(3 if n <= 1000 else 2)]
                own = own_exec_ms(ipk, n, reps=3)[1]
                kc = (cold["duration_ms"] - own) / n
                kw = (min(w["duration_ms"] for w in warm) - own) / n
                ww = (min(w["wall_ms"] for w in warm) - own) / n
                msgs = warm[0]["messages"]
                mm = marimo_ms(n) if n <= 1000 or args.marimo_10k else None
                mper = f"{(mm - own) / n:>9.4f}" if mm is not None else f"{'n/a':>9}"
                report[f"cascade_{n}"] = {
                    "own_ms": own,
                    "kernel_cold": kc,
                    "kernel_warm": kw,
                    "wall_warm": ww,
                    "messages": msgs,
                    "marimo": None if mm is None else (mm - own) / n,
                }
                out(f"  {n:>6}{own / n:>10.4f}{kc:>13.4f}{kw:>13.4f}{ww:>11.4f}{msgs:>10d}{mper}")
            out(
                "  goal: <= 0.15 ms per cell (wall warm: including the messages to one client), linear in n"
            )
            if not args.skip_load and not args.skip_10k:
                n = 10_000
                out()
                out(
                    f"3. {n}-cell cascade, two clients (one stalled until the other is done; default HWM), CPU burner running"
                )
                load = events_under_load(rk, f"c{n}_0", n)
                report["load"] = load
                for who, v in load.items():
                    out(
                        f"  {who:<6} status changes received / sent {v['received']:>6d} / {v['sent']:<6d}"
                        f"  cells ending success {v['final_ok']:>6d}/{n}  IOPub messages {v['messages']}"
                        f"  {'complete' if v['complete'] else 'INCOMPLETE: the reply or idle was lost'}"
                    )
        finally:
            rk.stop()
            ipk.stop()


if __name__ == "__main__":
    sys.exit(main())
