"""Gateway benchmark: latency against direct ZMQ and jupyter_server, and fan-out.

Run:  .venv/bin/python benchmarks/bench_gateway.py [--quick]

1. Round trip of ``pass`` (execute_request -> execute_reply on shell AND
   status idle on IOPub) to one python3 kernel started by the gateway:
   - directly over ZMQ (jupyter_client Session + zmq.asyncio, the kernel's own
     connection file), the baseline;
   - through the gateway, legacy JSON framing and v1.kernel.websocket.jupyter.org;
   - through a stock ``jupyter server`` WebSocket (its own python3 kernel).
   Every client is asyncio in this process, so client overhead is alike;
   batches of the series are interleaved (rotating order) so machine noise
   hits them all. Reported: median and mean in microseconds, ratio to direct.
2. Fan-out: 50 WebSocket clients on one kernel (half JSON, half v1); a cell
   prints 1,000 lines with flush (1,000 IOPub stream messages); time until
   every client has all of them and the idle status; messages delivered per
   second, the gateway's CPU per delivered message and its RSS (current and
   peak). The same with 1 client first, to show what the kernel alone takes.

Every wait is bounded; the gateway and jupyter server are stopped in ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.session import Session
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

ROOT = Path(__file__).resolve().parent.parent
V1 = "v1.kernel.websocket.jupyter.org"
TIMEOUT = 30.0


def execute_msg(session: str, code: str = "pass") -> dict[str, Any]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "session": session,
            "username": "bench",
            "date": "",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "content": {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
    }


# -- servers ------------------------------------------------------------------------


class Server:
    """A gateway or jupyter server subprocess with a token."""

    def __init__(self, cmd: list[str], log: Path, port_pattern: str | None, port: int = 0):
        self.log = log
        self.token = uuid.uuid4().hex
        cmd = [c.replace("TOKEN", self.token) for c in cmd]
        self.out = open(log, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT, cwd=ROOT)
        self.port = port
        deadline = time.monotonic() + 60
        while port_pattern and not self.port:
            m = re.search(port_pattern, log.read_text(errors="replace"))
            if m:
                self.port = int(m.group(1))
            elif self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text())
            else:
                time.sleep(0.05)  # polling the log, bounded by the deadline

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    async def rest(self, method: str, path: str, body: Any = None) -> Any:
        request = HTTPRequest(
            f"http://127.0.0.1:{self.port}{path}",
            method=method,
            headers=self.headers,
            request_timeout=60,
            body=None if body is None else json.dumps(body),
        )
        response = await AsyncHTTPClient().fetch(request)
        return json.loads(response.body) if response.body else None

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                await self.rest("GET", "/api/kernelspecs")
                return
            except (OSError, Exception):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(self.log.read_text()) from None
                await asyncio.sleep(0.1)  # polling the port, bounded by the deadline

    def rss(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) in KiB."""
        fields = dict(
            line.split(":", 1)
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
        )
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.out.close()


# -- clients --------------------------------------------------------------------------


class DirectClient:
    """The baseline: the kernel's own ZMQ sockets, no gateway."""

    def __init__(self, connection_file: Path) -> None:
        info = json.loads(connection_file.read_text())
        self.session = Session(key=info["key"].encode(), signature_scheme=info["signature_scheme"])
        self.ctx = zmq.asyncio.Context()
        url = f"tcp://{info['ip']}:%d"
        self.shell = self.ctx.socket(zmq.DEALER)
        self.shell.connect(url % info["shell_port"])
        self.iopub = self.ctx.socket(zmq.SUB)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub.connect(url % info["iopub_port"])
        self.poller = zmq.asyncio.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)

    async def roundtrip(self) -> None:
        msg = self.session.msg("execute_request", execute_msg("x")["content"])
        msg_id = msg["header"]["msg_id"]
        self.session.send(self.shell, msg)
        replied = idle = False
        deadline = time.monotonic() + TIMEOUT
        while not (replied and idle):
            events = dict(await self.poller.poll(1000))
            if time.monotonic() > deadline:
                raise TimeoutError("direct round trip")
            if self.shell in events:
                _, frames = self.session.feed_identities(await self.shell.recv_multipart())
                reply = self.session.deserialize(frames, content=False)
                replied = replied or reply["parent_header"].get("msg_id") == msg_id
            if self.iopub in events:
                _, frames = self.session.feed_identities(await self.iopub.recv_multipart())
                m = self.session.deserialize(frames)
                idle = idle or (
                    m["msg_type"] == "status"
                    and m["content"]["execution_state"] == "idle"
                    and m["parent_header"].get("msg_id") == msg_id
                )

    def close(self) -> None:
        self.ctx.destroy(linger=0)


class WebSocketClient:
    """One channels WebSocket (JSON or v1), decoding only what it must."""

    def __init__(self, conn: WebSocketClientConnection, protocol: str) -> None:
        self.conn = conn
        self.protocol = protocol

    @classmethod
    async def connect(cls, server: Server, kernel_id: str, protocol: str = "") -> WebSocketClient:
        url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
        conn = await websocket_connect(
            HTTPRequest(url, headers=server.headers),
            subprotocols=[protocol] if protocol else None,
            max_message_size=1 << 30,
        )
        return cls(conn, protocol)

    def parse(self, data: str | bytes) -> tuple[str, str, str, dict[str, Any] | None]:
        """(channel, msg_type, parent msg_id, content of status and stream messages)."""
        if self.protocol == V1:
            assert isinstance(data, bytes)
            n = int.from_bytes(data[:8], "little")
            off = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(n)]
            channel = data[off[0] : off[1]].decode()
            header = json.loads(data[off[1] : off[2]])
            parent = json.loads(data[off[2] : off[3]])
            wanted = header["msg_type"] in ("status", "stream")
            content = json.loads(data[off[4] : off[5]]) if wanted else None
            return channel, header["msg_type"], parent.get("msg_id", ""), content
        m = json.loads(data)
        return (
            m["channel"],
            m["header"]["msg_type"],
            m["parent_header"].get("msg_id", ""),
            m["content"],
        )

    async def send_execute(self, code: str = "pass") -> str:
        msg = execute_msg("bench", code)
        if self.protocol == V1:
            parts = [
                json.dumps(msg[k]).encode()
                for k in ("header", "parent_header", "metadata", "content")
            ]
            ch = b"shell"
            offsets = [8 * (1 + 1 + len(parts) + 1)]
            offsets.append(offsets[-1] + len(ch))
            for p in parts:
                offsets.append(offsets[-1] + len(p))
            head = len(offsets).to_bytes(8, "little") + b"".join(
                o.to_bytes(8, "little") for o in offsets
            )
            await self.conn.write_message(head + ch + b"".join(parts), binary=True)
        else:
            await self.conn.write_message(json.dumps(msg))
        return str(msg["header"]["msg_id"])

    async def until_done(self, msg_id: str, want_reply: bool = True) -> tuple[int, int]:
        """Read until the reply and idle for ``msg_id``: (IOPub messages, stdout lines)."""
        replied, idle, count, lines = not want_reply, False, 0, 0
        while not (replied and idle):
            data = await asyncio.wait_for(self.conn.read_message(), TIMEOUT)
            if data is None:
                raise ConnectionError("closed")
            channel, msg_type, parent, content = self.parse(data)
            if parent != msg_id:
                continue
            if channel == "shell":
                replied = True
                continue
            count += 1
            if msg_type == "stream" and content is not None:
                lines += content["text"].count("\n")
            idle = idle or (
                msg_type == "status"
                and content is not None
                and content["execution_state"] == "idle"
            )
        return count, lines

    async def roundtrip(self) -> None:
        await self.until_done(await self.send_execute())


# -- measurements -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def interleaved(
    series: dict[str, Callable[[], Awaitable[None]]], rounds: int, batch: int, gateway_pid: int
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Round-trip times per series (us), and the gateway's CPU per round trip (us)."""
    times: dict[str, list[float]] = {name: [] for name in series}
    cpu: dict[str, float] = dict.fromkeys(series, 0.0)
    names = list(series)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            run = series[name]
            before = cpu_seconds(gateway_pid)
            for _ in range(batch):
                t = time.perf_counter()
                await run()
                times[name].append((time.perf_counter() - t) * 1e6)
            cpu[name] += cpu_seconds(gateway_pid) - before
    return times, {name: cpu[name] / len(times[name]) * 1e6 for name in names}


async def fan_out(gw: Server, kernel_id: str, clients: int, lines: int) -> dict[str, Any]:
    conns = [
        await WebSocketClient.connect(gw, kernel_id, V1 if i % 2 else "") for i in range(clients)
    ]
    author = conns[0]
    code = f"import sys\nfor i in range({lines}):\n    print(i, flush=True)"
    rss_before = gw.rss()
    cpu_before = cpu_seconds(gw.proc.pid)
    t = time.perf_counter()
    msg_id = await author.send_execute(code)
    counts = await asyncio.gather(*(c.until_done(msg_id, want_reply=c is author) for c in conns))
    elapsed = time.perf_counter() - t
    cpu = cpu_seconds(gw.proc.pid) - cpu_before
    rss_after = gw.rss()
    for c in conns:
        c.conn.close()
    delivered = sum(n for n, _ in counts)
    return {
        "clients": clients,
        "stdout_lines_per_client": sorted({lines for _, lines in counts}),
        "iopub_msgs_per_client": sorted({n for n, _ in counts}),
        "seconds": round(elapsed, 3),
        "delivered_msgs_per_s": round(delivered / elapsed),
        "kernel_msgs_per_s": round(counts[0][0] / elapsed),
        "gateway_cpu_s": round(cpu, 2),
        "gateway_cpu_us_per_delivered_msg": round(cpu / delivered * 1e6, 1),
        "gateway_rss_kib_before": rss_before[0],
        "gateway_rss_kib_after": rss_after[0],
        "gateway_peak_rss_kib": rss_after[1],
    }


def summary(times: dict[str, list[float]], cpu: dict[str, float]) -> dict[str, dict[str, float]]:
    base = statistics.median(times["direct_zmq"])
    return {
        name: {
            "median_us": round(statistics.median(v)),
            "mean_us": round(statistics.fmean(v)),
            "p90_us": round(sorted(v)[int(len(v) * 0.9)]),
            "ratio_to_direct": round(statistics.median(v) / base, 3),
            **({"gateway_cpu_us": round(cpu[name])} if name.startswith("gateway") else {}),
        }
        for name, v in times.items()
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def main(quick: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    gw = Server(
        [sys.executable, "-m", "gateway", "--port=0", f"--root-dir={tmp}", "--token=TOKEN"],
        tmp / "gateway.log",
        r"listening on http://127\.0\.0\.1:(\d+)/",
    )
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent))
    js: Server | None = None
    if jupyter:
        env_dir = tmp / "jupyter-server"
        env_dir.mkdir()
        port = free_port()
        js = Server(
            [jupyter, "server", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
             "--IdentityProvider.token=TOKEN", f"--ServerApp.root_dir={env_dir}"],
            tmp / "jupyter-server.log", None, port,
        )  # fmt: skip
    clients: list[Any] = []
    try:
        found = re.search(r"connection files in (\S+)", gw.log.read_text())
        assert found, "the gateway did not say where its connection files are"
        runtime = Path(found.group(1))
        kernel = await gw.rest("POST", "/api/kernels", {"name": "python3"})
        direct = DirectClient(runtime / f"kernel-{kernel['id']}.json")
        clients.append(direct)
        ws_json = await WebSocketClient.connect(gw, kernel["id"])
        ws_v1 = await WebSocketClient.connect(gw, kernel["id"], V1)
        series: dict[str, Callable[[], Awaitable[None]]] = {
            "direct_zmq": direct.roundtrip,
            "gateway_json": ws_json.roundtrip,
            "gateway_v1": ws_v1.roundtrip,
        }
        if js is not None:
            await js.wait_ready()
            js_kernel = await js.rest("POST", "/api/kernels", {"name": "python3"})
            js_ws = await WebSocketClient.connect(js, js_kernel["id"])
            await js_ws.roundtrip()
            series["jupyter_server_json"] = js_ws.roundtrip
        await interleaved(series, 2, 20, gw.proc.pid)  # warm-up
        rounds, batch = (4, 25) if quick else (10, 50)
        latency = summary(*await interleaved(series, rounds, batch, gw.proc.pid))
        ws_json.conn.close()
        ws_v1.conn.close()
        fan = [await fan_out(gw, kernel["id"], n, 1000) for n in (1, 10 if quick else 50)]
        return {
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
            "roundtrip_pass": latency,
            "fan_out": fan,
            "gateway_warnings": [
                line
                for line in gw.log.read_text().splitlines()
                if "died" in line or "ERROR" in line
            ],
        }
    finally:
        for c in clients:
            c.close()
        gw.stop()
        if js is not None:
            js.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, 10 fan-out clients")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.quick)), indent=2))
