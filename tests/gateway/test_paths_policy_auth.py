"""Pure helpers: path confinement, the restart policy, token and origin checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from gwtools import GatewayProcess, start_kernel
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from gateway.auth import (
    check_token,
    generate_token,
    host_allowed,
    listens_locally,
    origin_allowed,
    token_from,
)
from gateway.heartbeat import RestartPolicy
from gateway.paths import PathError, confine, confine_dir


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / "escape")
    os.symlink(root / "sub", root / "inside-link")
    return root


@pytest.mark.parametrize(
    ("path", "relative"),
    [
        ("nb.py", "nb.py"),
        ("sub/nb.py", "sub/nb.py"),
        ("./sub/nb.py", "sub/nb.py"),
        ("inside-link/nb.py", "sub/nb.py"),
    ],
)
def test_paths_inside_the_root(root: Path, path: str, relative: str) -> None:
    confined = confine(root, path)
    assert confined.relative == relative
    assert confined.absolute == root.resolve() / relative


def test_absolute_path_inside_the_root(root: Path) -> None:
    assert confine(root, str(root / "sub" / "x.py")).relative == "sub/x.py"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("../x.py", 400),
        ("sub/../../x.py", 400),
        ("", 400),
        ("a\x00b", 400),
        (".", 400),
        ("/etc/passwd", 403),
        ("escape/nb.py", 403),
    ],
)
def test_refused_paths(root: Path, path: str, status: int) -> None:
    with pytest.raises(PathError) as info:
        confine(root, path)
    assert info.value.status == status and info.value.message


def test_absolute_path_outside_via_tmp(root: Path) -> None:
    with pytest.raises(PathError) as info:
        confine(root, str(root.parent / "outside" / "nb.py"))
    assert info.value.status == 403


def test_working_dirs(root: Path) -> None:
    assert confine_dir(root, None) == root.resolve()
    assert confine_dir(root, str(root)) == root.resolve()
    assert confine_dir(root, "sub") == root.resolve() / "sub"
    with pytest.raises(PathError):
        confine_dir(root, "missing")
    with pytest.raises(PathError):
        confine_dir(root, "/tmp")


def test_restart_policy_window() -> None:
    policy = RestartPolicy(max_restarts=2, window=10.0)
    assert policy.allow(0.0)
    policy.record(0.0)
    policy.record(1.0)
    assert not policy.allow(5.0)
    assert policy.allow(10.5)  # the first restart left the window
    policy.record(10.5)
    assert not policy.allow(10.6)
    policy.reset()
    assert policy.allow(10.6) and policy.recent == 0


@pytest.mark.parametrize(
    ("authorization", "query", "token"),
    [
        ("token abc", None, "abc"),
        ("Bearer abc", None, "abc"),
        (None, "q", "q"),
        ("Basic xyz", None, None),
        ("token ", None, None),
        (None, None, None),
    ],
)
def test_token_from(authorization: str | None, query: str | None, token: str | None) -> None:
    assert token_from(authorization, query) == token


def test_check_token() -> None:
    assert check_token(None, "t") == 401
    assert check_token("u", "t") == 403
    assert check_token("t", "t") is None
    assert len(generate_token()) >= 32 and generate_token() != generate_token()


@pytest.mark.parametrize(
    ("origin", "allow", "ok"),
    [
        ("http://127.0.0.1:8899", "", True),
        ("http://evil.com", "", False),
        ("http://evil.com", "*", True),
        ("https://app.example", "https://app.example", True),
        ("https://app.example", "https://a.b, https://app.example/", True),
        ("https://other.example", "https://app.example", False),
    ],
)
def test_origin(origin: str, allow: str, ok: bool) -> None:
    assert origin_allowed(origin, "127.0.0.1:8899", allow) is ok


# -- Host header (DNS rebinding) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed", "ok"),
    [
        ("localhost:8899", frozenset(), True),
        ("127.0.0.1:8899", frozenset(), True),
        ("127.1.2.3", frozenset(), True),
        ("[::1]:8899", frozenset(), True),
        ("LOCALHOST.", frozenset(), True),
        ("evil.example:8899", frozenset(), False),
        ("192.168.1.5:8899", frozenset(), False),
        ("[::ffff:10.0.0.1]:1", frozenset(), False),
        ("", frozenset(), False),
        ("nb.example:8899", frozenset({"nb.example"}), True),
        ("evil.example:8899", None, True),
    ],
)
def test_host_allowed(host: str, allowed: frozenset[str] | None, ok: bool) -> None:
    assert host_allowed(host, allowed) is ok


@pytest.mark.parametrize(
    ("ip", "local"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("", False)],
)
def test_listens_locally(ip: str, local: bool) -> None:
    assert listens_locally(ip) is local


async def _status_with_host(gw: GatewayProcess, host: str, path: str = "/api/kernels") -> int:
    request = HTTPRequest(gw.url + path, headers={**gw.auth, "Host": host}, request_timeout=30)
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    return response.code


async def _ws_with_host(gw: GatewayProcess, kernel_id: str, host: str) -> str:
    """``"open"`` or the HTTP error of a WebSocket whose Host and Origin name ``host``."""
    request = HTTPRequest(
        f"{gw.ws_url}/api/kernels/{kernel_id}/channels",
        headers={**gw.auth, "Host": host, "Origin": f"http://{host}"},
        request_timeout=30,
    )
    try:
        conn = await websocket_connect(request)
    except HTTPClientError as e:
        return str(e.code)
    conn.close()
    return "open"


async def test_non_local_host_is_refused_on_loopback(make_gateway: Any) -> None:
    gw = make_gateway()
    kernel = await start_kernel(gw)
    evil = f"evil.example:{gw.port}"
    assert await _status_with_host(gw, evil) == 403
    request = HTTPRequest(f"{gw.url}/api", headers={"Host": evil})
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    assert b"--allowed-hosts" in (response.body or b"")  # says how to allow it
    assert await _status_with_host(gw, evil, f"/?token={gw.token}") == 403  # the page
    assert await _ws_with_host(gw, kernel["id"], evil) == "403"  # Origin matches Host: refused
    for local in (f"localhost:{gw.port}", f"127.0.0.1:{gw.port}", f"[::1]:{gw.port}", "LocalHost"):
        assert await _status_with_host(gw, local) == 200, local
    assert await _ws_with_host(gw, kernel["id"], f"localhost:{gw.port}") == "open"


async def test_remote_hosts_when_configured(make_gateway: Any) -> None:
    listed = make_gateway("--allowed-hosts=notebook.example,Other.Example")
    assert await _status_with_host(listed, f"notebook.example:{listed.port}") == 200
    assert await _status_with_host(listed, "other.example") == 200
    assert await _status_with_host(listed, f"evil.example:{listed.port}") == 403
    anywhere = make_gateway("--allow-remote-access")
    kernel = await start_kernel(anywhere)
    assert await _status_with_host(anywhere, f"evil.example:{anywhere.port}") == 200
    assert await _ws_with_host(anywhere, kernel["id"], f"evil.example:{anywhere.port}") == "open"
