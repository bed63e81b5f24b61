"""A real peer: ``jupyter server --gateway-url`` runs a reactive kernel through us.

The peer lists our kernelspecs, starts a ``reactive`` kernel through our REST
API and proxies its own WebSocket to ours; we drive the peer exactly as a
browser would (its REST API and its channels WebSocket) and run a cell.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gwtools import GatewayProcess, WSClient, rest
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

pytest.importorskip("jupyter_server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Peer:
    def __init__(self, port: int, token: str, proc: subprocess.Popen[bytes], log: Path):
        self.port, self.token, self.proc, self.log = port, token, proc, log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def peer(gateway: GatewayProcess, tmp_path: Path) -> Iterator[Peer]:
    token = uuid.uuid4().hex
    port = free_port()
    home = tmp_path / "peer"
    for sub in ("config", "data", "runtime", "root"):
        (home / sub).mkdir(parents=True)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or "jupyter"
    log = tmp_path / "peer.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                jupyter,
                "server",
                "--no-browser",
                f"--port={port}",
                "--ip=127.0.0.1",
                "--allow-root",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={home / 'root'}",
                f"--gateway-url={gateway.url}",
                f"--GatewayClient.auth_token={gateway.token}",
                "--GatewayClient.request_timeout=60",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        yield Peer(port, token, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def peer_rest(peer: Peer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = HTTPRequest(
        peer.url + path,
        method=method,
        headers={"Authorization": f"token {peer.token}"},
        body=None if body is None else json.dumps(body),
        request_timeout=60,
    )
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    return response.code, json.loads(response.body) if response.body else None


async def wait_ready(peer: Peer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if (await peer_rest(peer, "GET", "/api/status"))[0] == 200:
                return
        except OSError:
            pass
        if peer.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"jupyter server did not start:\n{peer.log.read_text()}")
        await asyncio.sleep(0.1)  # polling the peer's port, bounded by the deadline


async def test_jupyter_server_uses_us_as_its_gateway(gateway: GatewayProcess, peer: Peer) -> None:
    await wait_ready(peer)
    status, specs = await peer_rest(peer, "GET", "/api/kernelspecs")
    assert status == 200 and "reactive" in specs["kernelspecs"]
    assert specs["kernelspecs"]["reactive"]["spec"]["display_name"] == "Python 3 (reactive)"

    status, kernel = await peer_rest(peer, "POST", "/api/kernels", {"name": "reactive"})
    assert status == 201, kernel
    _, ours = await rest(gateway, "GET", "/api/kernels")
    assert kernel["id"] in [k["id"] for k in ours]  # the peer's kernel runs in our gateway

    session = uuid.uuid4().hex
    conn = await websocket_connect(
        HTTPRequest(
            f"ws://127.0.0.1:{peer.port}/api/kernels/{kernel['id']}/channels?session_id={session}",
            headers={"Authorization": f"token {peer.token}"},
        )
    )
    client = WSClient(conn, "", session)
    try:
        result = await client.execute(
            "answer = 6 * 7\nprint('answer is', answer)", 60, cellId="peer-cell"
        )
        assert result.reply["content"]["status"] == "ok"
        assert "answer is 42" in result.stdout()
        snapshot = (await client.comm("snapshot", 60)).reply["snapshot"]
        assert [c["id"] for c in snapshot["cells"]] == ["peer-cell"]
    finally:
        await client.close()
    assert (await peer_rest(peer, "DELETE", f"/api/kernels/{kernel['id']}"))[0] == 204
    _, ours = await rest(gateway, "GET", "/api/kernels")
    assert kernel["id"] not in [k["id"] for k in ours]
