"""The web notebook: the page at ``/``, its assets, and the notebook list.

Thin on purpose: the page is a static shell built from ``webui/`` into
``gateway/static/`` by ``webui/build.sh``; everything the page does goes
through the gateway's own API (``/api/sessions``, the kernel WebSocket and the
``reactive`` comm), always with the token.

Auth: ``GET /`` needs the token once (``?token=T``, or an ``Authorization``
header). The answer embeds the token in the page (the script sends it as
``Authorization: token T`` on REST calls and ``?token=T`` on the WebSocket,
then removes it from the address bar) and sets an HttpOnly, SameSite=Strict
cookie holding an HMAC of the token, so a reload of ``/`` works without it.
The cookie authorises nothing but the page itself. ``/static/`` is the public
build output (code and styles, no data), served without a token.

``GET /api/webui/notebooks`` lists the percent-format notebooks under the
root (``.py`` files with a ``# %%`` line, or empty); ``POST`` with ``{path}``
creates an empty one (409 if it exists). Paths are checked as for sessions
(:func:`gateway.notebooks.notebook_target`).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
from pathlib import Path
from typing import Any

from tornado import web

from .auth import check_token, token_from
from .handlers import APIHandler
from .notebooks import is_notebook, notebook_target
from .paths import PathError
from .services import Services

STATIC_DIR = Path(__file__).parent / "static"
COOKIE = "reactive_webui"
MAX_NOTEBOOKS = 2000
MAX_DEPTH = 4
SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
CSP = (
    "default-src 'self'; script-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>reactive notebook</title>
<h1>The web notebook is not built</h1>
<p>Run <code>webui/build.sh</code> (Node.js and npm) to build its assets into
<code>gateway/static/</code>, then reload. The REST and WebSocket API work without it.</p>"""
LOGIN = """<!doctype html><meta charset="utf-8"><title>reactive notebook</title>
<h1>A token is required</h1>
<p>Open the address that <code>reactive-gateway</code> printed when it started
(<code>http://host:port/?token=...</code>).</p>"""


def cookie_value(token: str) -> str:
    """What the page cookie holds: an HMAC of the token, never the token itself."""
    return hmac.new(token.encode(), b"reactive-webui-page", hashlib.sha256).hexdigest()


def asset_version(directory: Path = STATIC_DIR) -> str:
    """A short content hash of the built assets, for cache-busting URLs."""
    digest = hashlib.sha256()
    for name in ("app.js", "app.css", "widgets.js"):
        try:
            digest.update((directory / name).read_bytes())
        except OSError:
            pass
    return digest.hexdigest()[:12]


def list_notebooks(root: Path) -> list[dict[str, Any]]:
    """Percent notebooks under ``root``, sorted by path; symlinks leaving it are skipped."""
    real_root = root.resolve()
    found: list[dict[str, Any]] = []
    for folder, dirs, files in os.walk(real_root):
        here = Path(folder)
        depth = len(here.relative_to(real_root).parts)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS and depth < MAX_DEPTH
        )
        for name in sorted(files):
            if not name.endswith(".py") or name.startswith("."):
                continue
            path = here / name
            real = Path(os.path.realpath(path))
            if not real.is_relative_to(real_root) or not is_notebook(real):
                continue
            stat = real.stat()
            found.append(
                {
                    "path": path.relative_to(real_root).as_posix(),
                    "name": name,
                    "size": stat.st_size,
                    "modified": stat.st_mtime,
                }
            )
            if len(found) >= MAX_NOTEBOOKS:
                return found
    return found


class PageHandler(web.RequestHandler):
    """``GET /``: the notebook page, with the token embedded for its script."""

    def initialize(self, services: Services) -> None:
        self.services = services

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def get(self) -> None:
        token = self.services.token
        presented = token_from(
            self.request.headers.get("Authorization"), self.get_query_argument("token", None)
        )
        cookie = self.get_cookie(COOKIE)
        if presented is not None:
            status = check_token(presented, token)
            if status is not None:
                self.set_status(status)
                self.finish(LOGIN)
                return
        elif cookie is None or not hmac.compare_digest(cookie, cookie_value(token)):
            self.set_status(401)
            self.finish(LOGIN)
            return
        self.set_cookie(COOKIE, cookie_value(token), httponly=True, samesite="Strict", path="/")
        try:
            template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
        except OSError:
            self.set_status(503)
            self.finish(NOT_BUILT)
            return
        page = template.replace("__REACTIVE_TOKEN__", html.escape(token, quote=True)).replace(
            "__REACTIVE_VERSION__", asset_version()
        )
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page)


class StaticHandler(web.StaticFileHandler):
    """The built assets; versioned URLs (``?v=``) are cached for a long time."""

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        if "v" not in self.request.arguments:
            self.set_header("Cache-Control", "no-cache")


class NotebooksHandler(APIHandler):
    """``GET``: the notebooks under the root; ``POST {path}``: create an empty one."""

    def get(self) -> None:
        root = self.services.root
        self.send_json({"root": root.name, "notebooks": list_notebooks(root)})

    def post(self) -> None:
        path = self.json_body().get("path")
        if not isinstance(path, str) or not path.endswith(".py"):
            raise web.HTTPError(400, "path must be a string ending in .py")
        try:
            confined = notebook_target(self.services.root, path)
        except PathError as e:
            raise web.HTTPError(e.status, "%s", e.message) from None
        try:
            with confined.absolute.open("x", encoding="utf-8"):
                pass
        except FileExistsError:
            raise web.HTTPError(409, "%s already exists", path) from None
        except OSError as e:
            raise web.HTTPError(500, "could not create %s: %s", path, e) from None
        self.send_json({"path": confined.relative, "name": confined.absolute.name}, 201)


def webui_handlers(services: Services) -> list[tuple[str, Any, dict[str, Any]]]:
    """Routes of the web notebook; register them before the catch-all 404."""
    args = {"services": services}
    return [
        (r"/", PageHandler, args),
        (r"/static/(.*)", StaticHandler, {"path": str(STATIC_DIR)}),
        (r"/api/webui/notebooks/?", NotebooksHandler, args),
    ]
