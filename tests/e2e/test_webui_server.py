"""The web notebook's server side (gateway/webui.py), without a browser: auth, listing, creating."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from gateway.webui import COOKIE, cookie_value, is_notebook, list_notebooks


def fetch(
    url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_cookie_is_an_hmac_not_the_token() -> None:
    assert cookie_value("abc") == cookie_value("abc") != cookie_value("abd")
    assert "abc" not in cookie_value("abc")


def test_only_percent_notebooks_under_the_root_are_listed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "a.py").write_text('# %% id="a"\na = 1\n')
    (root / "empty.py").write_text("")
    (root / "script.py").write_text("print('hello')\n")
    (root / "notes.txt").write_text("# %%\n")
    (root / "sub" / "b.py").write_text("# ---\n# jupyter:\n# ---\n\n# %%\nb = 2\n")
    (root / ".hidden" / "c.py").write_text("# %%\n")
    outside = tmp_path / "outside.py"
    outside.write_text("# %%\nsecret = 1\n")
    os.symlink(outside, root / "escape.py")
    listed = [n["path"] for n in list_notebooks(root)]
    assert listed == ["a.py", "empty.py", "sub/b.py"]
    assert is_notebook(root / "a.py") and not is_notebook(root / "script.py")


def test_page_needs_the_token_then_the_cookie(gateway: Any) -> None:
    status, _, body = fetch(f"{gateway.url}/")
    assert status == 401 and b"token" in body
    status, _, _ = fetch(f"{gateway.url}/?token=wrong")
    assert status == 403
    status, headers, body = fetch(f"{gateway.url}/?token={gateway.token}")
    if status == 503:
        pytest.skip("the web UI is not built (webui/build.sh)")
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={cookie_value(gateway.token)}")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and gateway.token not in cookie
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    assert f'content="{gateway.token}"'.encode() in body
    assert b"/static/app.js?v=" in body
    status, _, _ = fetch(
        f"{gateway.url}/", headers={"Cookie": f"{COOKIE}={cookie_value(gateway.token)}"}
    )
    assert status == 200
    status, _, _ = fetch(f"{gateway.url}/", headers={"Cookie": f"{COOKIE}={cookie_value('other')}"})
    assert status == 401


def test_notebook_api_is_authenticated_and_confined(gateway: Any) -> None:
    api = f"{gateway.url}/api/webui/notebooks"
    assert fetch(api)[0] == 401
    cookie_only = {"Cookie": f"{COOKIE}={cookie_value(gateway.token)}"}
    assert fetch(api, headers=cookie_only)[0] == 401  # the cookie opens the page, nothing else
    auth = {"Authorization": f"token {gateway.token}"}
    status, _, body = fetch(api, "POST", {"path": "made.py"}, auth)
    assert status == 201 and json.loads(body)["path"] == "made.py"
    assert (gateway.root / "made.py").read_text() == ""
    assert fetch(api, "POST", {"path": "made.py"}, auth)[0] == 409
    assert fetch(api, "POST", {"path": "made.txt"}, auth)[0] == 400
    assert fetch(api, "POST", {"path": "../up.py"}, auth)[0] == 400
    assert fetch(api, "POST", {"path": "/tmp/elsewhere.py"}, auth)[0] == 403
    assert fetch(api, "POST", {"path": "missing/dir.py"}, auth)[0] == 400
    status, _, body = fetch(api, headers=auth)
    assert status == 200 and "made.py" in [n["path"] for n in json.loads(body)["notebooks"]]


def test_static_assets_are_public_and_versioned(gateway: Any, built_assets: Path) -> None:
    status, headers, _ = fetch(f"{gateway.url}/static/app.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert headers.get("Cache-Control") == "no-cache"
    status, headers, _ = fetch(f"{gateway.url}/static/app.js?v=1")
    assert status == 200 and "max-age" in headers.get("Cache-Control", "")
    assert fetch(f"{gateway.url}/static/../webui.py")[0] in (403, 404)  # never outside static/
    assert fetch(f"{gateway.url}/static/%2e%2e/webui.py")[0] in (403, 404)
