"""Gateway memory under a flood of output, with many clients that never read.

Run:  .venv/bin/python benchmarks/bench_gateway_memory.py [--idle 200] [--chunks 100]

A python3 kernel behind a fresh gateway prints ``--chunks`` x 1 MB as fast as it can.
One client reads everything (legacy JSON framing); ``--idle`` other clients connect and
never read. Two runs, each on its own gateway so the peak RSS (VmHWM) is the run's own:

1. baseline: the reader alone;
2. the reader plus the idle clients, with the default gateway-wide output budget
   (``--max-buffered-bytes``, 256 MiB).

Reported per run: the gateway's RSS before and at its peak, the reader's throughput
(MB of output per second, from the request to the kernel's idle status), whether the
reader got every byte, how many idle clients the gateway closed (1008) for the
gateway-wide budget ("gateway output budget exceeded") and for the per-client bound
(``--client-buffer``, "client too slow"), and the connections left. Ratios compare run 2 with the baseline. The target: peak
RSS under 400 MB with 200 idle clients, and the reader receiving everything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gateway import ROOT, Server, execute_msg

CHUNK = 1_000_000
TIMEOUT = 300.0


def flood(chunks: int) -> str:
    return (
        f"import sys\nfor i in range({chunks}):\n"
        f"    sys.stdout.write(str(i).rjust({CHUNK}, '.') + '\\n')\n    sys.stdout.flush()"
    )


async def run(idle_count: int, chunks: int, workdir: Path, extra: list[str]) -> dict[str, Any]:
    log = workdir / f"gateway-{idle_count}.log"
    gw = Server(
        [sys.executable, "-m", "gateway", "--port=0", "--token=TOKEN", f"--root-dir={ROOT}",
         *extra],
        log,
        r"listening on http://127\.0\.0\.1:(\d+)/",
    )  # fmt: skip
    idle: list[Any] = []
    try:
        await gw.wait_ready()
        kernel = await gw.rest("POST", "/api/kernels", {"name": "python3"})
        url = f"ws://127.0.0.1:{gw.port}/api/kernels/{kernel['id']}/channels"
        reader = await websocket_connect(
            HTTPRequest(f"{url}?session_id=reader", headers=gw.headers), max_message_size=1 << 30
        )
        for i in range(idle_count):  # tornado's client stops reading once its queue is full
            idle.append(
                await websocket_connect(
                    HTTPRequest(f"{url}?session_id=idle-{i}", headers=gw.headers),
                    max_message_size=1 << 30,
                )
            )
        rss_before, _ = gw.rss()
        msg = execute_msg(uuid.uuid4().hex, flood(chunks))
        msg_id = msg["header"]["msg_id"]
        started = time.perf_counter()
        await reader.write_message(json.dumps(msg))
        received = 0
        while True:
            data = await asyncio.wait_for(reader.read_message(), TIMEOUT)
            if data is None:
                raise RuntimeError(f"reader closed: {reader.close_code} {reader.close_reason}")
            m = json.loads(data)
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = m["header"]["msg_type"]
            if kind == "stream":
                received += len(m["content"]["text"])
            elif kind == "status" and m["content"]["execution_state"] == "idle":
                break
        elapsed = time.perf_counter() - started
        _, peak = gw.rss()
        status = await gw.rest("GET", f"/api/kernels/{kernel['id']}")
        text = log.read_text(errors="replace")
        closed = text.count("gateway output budget exceeded")
        too_slow = text.count("closing client idle-") - closed
        return {
            "idle": idle_count,
            "rss_before_mb": rss_before / 1024,
            "rss_peak_mb": peak / 1024,
            "mb_per_s": received / 1e6 / elapsed,
            "complete": received == chunks * (CHUNK + 1),
            "connections_after": status["connections"],
            "closed_logged": closed,
            "closed_too_slow": too_slow,
        }
    finally:
        for conn in idle:
            conn.close()
        gw.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", type=int, default=200, help="clients that never read")
    parser.add_argument("--chunks", type=int, default=100, help="1 MB writes of the cell")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-gw-mem-") as tmp:
        base = await run(0, args.chunks, Path(tmp), ["--log-level=INFO"])
        flooded = await run(args.idle, args.chunks, Path(tmp), ["--log-level=INFO"])
    print(f"output: {args.chunks} x 1 MB; idle clients: {args.idle}")
    print(
        f"{'run':<28}{'RSS before':>12}{'RSS peak':>12}{'MB/s':>9}{'complete':>10}"
        f"{'budget':>8}{'per-client':>12}{'open after':>12}"
    )
    for name, r in (("1 reader (baseline)", base), (f"1 reader + {args.idle} idle", flooded)):
        print(
            f"{name:<28}{r['rss_before_mb']:>10.0f}MB{r['rss_peak_mb']:>10.0f}MB"
            f"{r['mb_per_s']:>9.0f}{r['complete']!s:>10}{r['closed_logged']:>8}"
            f"{r['closed_too_slow']:>12}{r['connections_after']:>12}"
        )
    print(
        f"ratios (idle run / baseline): peak RSS x{flooded['rss_peak_mb'] / base['rss_peak_mb']:.2f},"
        f" throughput x{flooded['mb_per_s'] / base['mb_per_s']:.2f}"
    )
    ok = flooded["complete"] and flooded["rss_peak_mb"] < 400
    print(f"target (peak RSS < 400 MB, reader complete): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    asyncio.run(main())
