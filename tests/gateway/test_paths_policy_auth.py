"""Pure helpers: path confinement, the restart policy, token and origin checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.auth import check_token, generate_token, origin_allowed, token_from
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
