"""Remote (SSH-launched) reactive kernels against local ones, in the same run.

Starts Debian's sshd on 127.0.0.2 (tests/sshd.py), one gateway with both the local
``reactive`` kernelspec and a ``distributed``-provisioner one launching through that
sshd, and measures through real WebSockets:

- kernel start-up: ``POST /api/kernels`` until the kernel answers (median of N);
- round trip: a comm ``snapshot`` request to its reply (median and p90 of M).

Everything runs on one machine over loopback, so the ratios show what SSH launch,
the gateway_provisioners launcher and the connection-info exchange cost, not
network distance. Usage: ``python benchmarks/bench_remote.py [--starts N] [--rounds M]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent / "tests" / "gateway")]

import sshd  # noqa: E402
from gwtools import GatewayProcess, WSClient, rest  # noqa: E402

from reactive_kernel.remote_spec import get_remote_kernel_dict  # noqa: E402


async def start_time(gw: GatewayProcess, name: str) -> tuple[float, str]:
    started = time.perf_counter()
    status, model = await rest(gw, "POST", "/api/kernels", {"name": name}, timeout=180)
    assert status == 201, model
    return time.perf_counter() - started, model["id"]


async def round_trips(gw: GatewayProcess, kernel_id: str, rounds: int) -> list[float]:
    ws = await WSClient.connect(gw, kernel_id)
    try:
        await ws.comm("snapshot", timeout=120)  # warm
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            await ws.comm("snapshot", timeout=60)
            times.append(time.perf_counter() - t)
        return times
    finally:
        await ws.close()


def p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))]


async def main(starts: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-remote-") as tmp:
        base = Path(tmp)
        server = sshd.SshServer(base / "sshd")
        spec = base / "jupyter" / "kernels" / "reactive_ssh"
        spec.mkdir(parents=True)
        remote = get_remote_kernel_dict("distributed", [sshd.HOST], sys.executable)
        (spec / "kernel.json").write_text(json.dumps(remote))
        (base / "root").mkdir()
        env = {**server.client_env(), "JUPYTER_PATH": str(base / "jupyter")}
        gw = GatewayProcess(base / "root", base / "gateway.log", env=env)
        try:
            results: dict[str, dict[str, list[float]]] = {}
            for name in ("reactive", "reactive_ssh"):
                ups, trips = [], []
                for _ in range(starts):
                    up, kid = await start_time(gw, name)
                    ups.append(up)
                    trips += await round_trips(gw, kid, rounds)
                    await rest(gw, "DELETE", f"/api/kernels/{kid}", timeout=120)
                results[name] = {"start": ups, "rtt": trips}
        finally:
            gw.stop()
            server.stop()
    local, ssh = results["reactive"], results["reactive_ssh"]
    ls, rs = statistics.median(local["start"]), statistics.median(ssh["start"])
    lr, rr = statistics.median(local["rtt"]), statistics.median(ssh["rtt"])
    print(
        f"kernel start-up (median of {starts}): local {ls:.2f} s, over SSH {rs:.2f} s, "
        f"ratio {rs / ls:.2f}x"
    )
    print(
        f"round trip, comm snapshot (median of {len(local['rtt'])}): local {lr * 1000:.2f} ms, "
        f"over SSH {rr * 1000:.2f} ms, ratio {rr / lr:.2f}x "
        f"(p90 {p90(local['rtt']) * 1000:.2f} / {p90(ssh['rtt']) * 1000:.2f} ms)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.starts, args.rounds))
