"""Test tools: a real gateway subprocess, and real WebSocket clients of it.

:class:`GatewayProcess` runs ``python -m gateway --port=0`` and reads the
port from the line it prints. :class:`WSClient` is a tornado WebSocket client
speaking one of the three framings; it decodes with jupyter_server's own
functions for the v1 protocol (so the tests prove compatibility, not just
self-consistency) and reads in a background task into a queue, so each test
can wait for "the message matching X" with a deadline. Nothing sleeps: every
wait is an event or a poll with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
from jupyter_server.services.kernels.connection.base import (
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

REPO = Path(__file__).resolve().parents[2]
V1 = "v1.kernel.websocket.jupyter.org"
MSGPACK = "msgpack.reactive.v1"
TIMEOUT = 30.0
URL_LINE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/api\?token=(\S+)")


class GatewayProcess:
    """``python -m gateway`` in a subprocess, stopped with SIGTERM."""

    def __init__(
        self,
        root: Path,
        log: Path,
        *args: str,
        env: dict[str, str] | None = None,
        token: bool = True,
    ) -> None:
        self.root = root
        self.log_path = log
        self.token = uuid.uuid4().hex if token else ""
        cmd = [
            sys.executable,
            "-m",
            "gateway",
            "--port=0",
            f"--root-dir={root}",
            "--heartbeat-interval=0.5",
            *([f"--token={self.token}"] if token else []),
            *args,
        ]
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
        )
        self.port = self._wait_port()

    def _wait_port(self, timeout: float = TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = URL_LINE.search(self.log_path.read_text(errors="replace"))
            if m:
                self.token = self.token or m.group(2)
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)  # polling a file with a deadline
        self.stop()
        raise RuntimeError(f"gateway did not start:\n{self.log_path.read_text()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        return self.proc.returncode

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """A synchronous REST call, for fixtures (which run outside any event loop)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data, self.auth, method=method)
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
        return json.loads(text) if text else None


async def rest(
    gw: GatewayProcess,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> tuple[int, Any]:
    """``(status, decoded JSON or None)`` of one REST call, authenticated by default."""
    request = HTTPRequest(
        gw.url + path,
        method=method,
        headers=gw.auth if headers is None else headers,
        body=None if body is None and method != "POST" else json.dumps(body or {}),
        request_timeout=timeout,
    )
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    text = response.body or b""
    try:
        return response.code, json.loads(text) if text else None
    except ValueError:
        return response.code, text


def header(msg_type: str, session: str) -> dict[str, Any]:
    return {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": session,
        "username": "test",
        "date": "2026-01-01T00:00:00Z",
        "version": "5.3",
    }


@dataclass
class Result:
    """What one request caused, as one client saw it."""

    msg_id: str
    iopub: list[dict[str, Any]] = field(default_factory=list)
    reply: dict[str, Any] | None = None

    def of(self, msg_type: str) -> list[dict[str, Any]]:
        return [m for m in self.iopub if m["header"]["msg_type"] == msg_type]

    def stdout(self) -> str:
        return "".join(m["content"]["text"] for m in self.of("stream"))

    def events(self) -> list[dict[str, Any]]:
        return [m["content"]["data"] for m in self.of("comm_msg")]


class WSClient:
    """A real WebSocket client of the channels endpoint, in one framing."""

    def __init__(self, conn: WebSocketClientConnection, protocol: str, session: str):
        self.conn = conn
        self.protocol = protocol
        self.session = session
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.backlog: list[dict[str, Any]] = []
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(
        cls,
        gw: GatewayProcess,
        kernel_id: str,
        protocol: str = "",
        session: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> WSClient:
        session = session or uuid.uuid4().hex
        request = HTTPRequest(
            f"{gw.ws_url}/api/kernels/{kernel_id}/channels?session_id={session}",
            headers=gw.auth if headers is None else headers,
            connect_timeout=TIMEOUT,
            request_timeout=TIMEOUT,
        )
        conn = await websocket_connect(
            request, subprotocols=[protocol] if protocol else None, max_message_size=1 << 30
        )
        return cls(conn, protocol, session)

    async def _read(self) -> None:
        while True:
            data = await self.conn.read_message()
            if data is None:
                self.closed.set()
                await self.queue.put(None)
                return
            await self.queue.put(self.decode(data))

    def decode(self, data: str | bytes) -> dict[str, Any]:
        if self.protocol == V1:
            assert isinstance(data, bytes)
            channel, parts = deserialize_msg_from_ws_v1(data)
            h, p, m, c = (json.loads(x) for x in parts[:4])
            return {
                "channel": channel,
                "header": h,
                "parent_header": p,
                "metadata": m,
                "content": c,
                "buffers": parts[4:],
            }
        if self.protocol == MSGPACK:
            return dict(msgpack.unpackb(data, raw=False))
        if isinstance(data, bytes):
            msg = deserialize_binary_message(data)
            msg["header"] = json.loads(json.dumps(msg["header"], default=str))
            return dict(msg)
        return dict(json.loads(data))

    def encode(self, msg: dict[str, Any]) -> str | bytes:
        if self.protocol == V1:
            parts = [
                json.dumps(msg[k]).encode()
                for k in ("header", "parent_header", "metadata", "content")
            ]
            return bytes(serialize_msg_to_ws_v1([*parts, *msg["buffers"]], msg["channel"]))
        if self.protocol == MSGPACK:
            return bytes(msgpack.packb(msg, use_bin_type=True))
        if msg.get("buffers"):
            return bytes(serialize_binary_message(msg))
        return json.dumps(msg)

    async def send(
        self,
        channel: str,
        msg_type: str,
        content: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        buffers: list[bytes] | None = None,
    ) -> str:
        msg = {
            "channel": channel,
            "header": header(msg_type, self.session),
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "buffers": buffers or [],
        }
        await self.conn.write_message(self.encode(msg), binary=self.protocol != "" or bool(buffers))
        return str(msg["header"]["msg_id"])

    async def raw(self, data: str | bytes) -> None:
        await self.conn.write_message(data, binary=isinstance(data, bytes))

    async def next(self, predicate: Any = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message matching ``predicate`` (others stay in the backlog)."""
        for i, m in enumerate(self.backlog):
            if predicate is None or predicate(m):
                return self.backlog.pop(i)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no matching message within {timeout}s")
            m = await asyncio.wait_for(self.queue.get(), remaining)
            if m is None:
                await self.queue.put(None)
                raise ConnectionError(f"closed: {self.conn.close_code} {self.conn.close_reason}")
            if predicate is None or predicate(m):
                return m
            self.backlog.append(m)

    async def collect(self, msg_id: str, reply: bool = True, timeout: float = TIMEOUT) -> Result:
        """IOPub messages of request ``msg_id`` until idle, and its shell reply."""
        result = Result(msg_id)

        def mine(m: dict[str, Any]) -> bool:
            parent = m.get("parent_header", {}).get("msg_id", "")
            return parent == msg_id or parent.startswith(msg_id + ":")

        idle = False
        while not (idle and (result.reply is not None or not reply)):
            m = await self.next(mine, timeout)
            if m["channel"] != "iopub":
                result.reply = m
                continue
            result.iopub.append(m)
            idle = idle or (
                m["header"]["msg_type"] == "status"
                and m["content"]["execution_state"] == "idle"
                and m["parent_header"]["msg_id"] == msg_id
            )
        return result

    async def execute(self, code: str, timeout: float = TIMEOUT, **metadata: Any) -> Result:
        msg_id = await self.send(
            "shell",
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
            metadata,
        )
        return await self.collect(msg_id, timeout=timeout)

    async def comm(self, op: str, timeout: float = TIMEOUT, **args: Any) -> Result:
        """A request on the reactive comm; ``reply`` is its reply event."""
        req = uuid.uuid4().hex[:8]
        msg_id = await self.send(
            "shell", "comm_msg", {"comm_id": "reactive", "data": {"op": op, "req": req, **args}}
        )
        result = await self.collect(msg_id, reply=False, timeout=timeout)
        replies = [e for e in result.events() if e.get("event") == "reply" and e["req"] == req]
        assert len(replies) == 1, replies
        result.reply = replies[0]
        return result

    async def status(self, state: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        return await self.next(
            lambda m: (
                m["header"]["msg_type"] == "status" and m["content"]["execution_state"] == state
            ),
            timeout,
        )

    async def close(self) -> None:
        self.conn.close()
        try:
            await asyncio.wait_for(self.closed.wait(), 5)
        except asyncio.TimeoutError:
            pass
        self._reader.cancel()


async def start_kernel(gw: GatewayProcess, name: str = "python3", **body: Any) -> dict[str, Any]:
    status, model = await rest(gw, "POST", "/api/kernels", {"name": name, **body})
    assert status == 201, (status, model)
    return dict(model)


async def wait_for(predicate: Any, timeout: float = TIMEOUT, interval: float = 0.1) -> Any:
    """Poll an async predicate until it returns something truthy, with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met before the deadline")
        await asyncio.sleep(interval)  # polling interval, bounded by the deadline


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
