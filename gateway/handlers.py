"""REST handlers, compatible with the Jupyter (kernel gateway) API.

``/api``, ``/api/kernels[/{id}[/interrupt|restart]]`` and
``/api/sessions[/{id}]`` with jupyter_server's JSON models, so
``jupyter server --gateway-url`` and ``@jupyterlab/services`` work unchanged.
Every handler checks the token first; every error is JSON
``{"message": ..., "reason": ...}``.
"""

from __future__ import annotations

import json
from http.client import responses
from typing import Any

from tornado import web

from . import __version__
from .auth import check_token, host_name, listed_origin, token_from
from .paths import PathError, confine_dir
from .registry import UnknownKernelSpec, client_env
from .services import Services

KERNEL_ID = r"(?P<kernel_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
SESSION_ID = r"(?P<session_id>[^/]+)"


class APIHandler(web.RequestHandler):
    """Token check, JSON bodies and JSON errors for every REST handler."""

    services: Services

    def initialize(self, services: Services) -> None:
        self.services = services

    def prepare(self) -> None:
        if self.request.method == "OPTIONS":
            return
        presented = token_from(
            self.request.headers.get("Authorization"), self.get_query_argument("token", None)
        )
        status = check_token(presented, self.services.token)
        if status == 401:
            raise web.HTTPError(401, reason="Unauthorized: a token is required")
        if status == 403:
            raise web.HTTPError(403, reason="Forbidden: invalid token")

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        origin = self.request.headers.get("Origin")
        allow = self.settings.get("allow_origin", "")  # handlers' initialize() has not run yet
        if origin and allow and listed_origin(origin, allow):
            self.set_header("Access-Control-Allow-Origin", origin)
            self.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
            self.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, PATCH, OPTIONS")

    def options(self, *args: Any, **kwargs: Any) -> None:
        self.set_status(204)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        message = self._reason or responses.get(status_code, "Error")
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        self.finish(json.dumps({"message": message, "reason": responses.get(status_code, "")}))

    def json_body(self) -> dict[str, Any]:
        if not self.request.body:
            return {}
        try:
            body = json.loads(self.request.body)
        except ValueError:
            raise web.HTTPError(400, "request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPError(400, "request body must be a JSON object")
        return body

    def send_json(self, obj: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(obj))

    def kernel_or_404(self, kernel_id: str) -> Any:
        if kernel_id not in self.services.registry:
            raise web.HTTPError(404, "no kernel %s", kernel_id)
        return self.services.registry.get(kernel_id)


class APIVersionHandler(APIHandler):
    def get(self) -> None:
        self.send_json({"version": __version__})


class KernelsHandler(APIHandler):
    def get(self) -> None:
        self.send_json([k.model() for k in self.services.registry.list()])

    async def post(self) -> None:
        """Start a kernel: ``{name, path?, env?}`` (only ``KERNEL_*`` env is used)."""
        body = self.json_body()
        name = body.get("name") or self.services.default_kernel_name
        if not isinstance(name, str):
            raise web.HTTPError(400, "name must be a string")
        env = client_env(body.get("env"))
        cwd = self._working_dir(body.get("path"), env.get("KERNEL_WORKING_DIR"))
        try:
            kernel = await self.services.registry.start(name, cwd, env)
        except UnknownKernelSpec:
            raise web.HTTPError(404, "no kernelspec named %s", name) from None
        except Exception as e:
            raise web.HTTPError(500, "could not start kernel %s: %s", name, e) from e
        self.set_header("Location", f"/api/kernels/{kernel.id}")
        self.send_json(kernel.model(), 201)

    def _working_dir(self, path: Any, working_dir: str | None) -> Any:
        root = self.services.root
        if path is not None:
            if not isinstance(path, str):
                raise web.HTTPError(400, "path must be a string")
            try:
                return confine_dir(root, path)
            except PathError as e:
                raise web.HTTPError(e.status, "%s", e.message) from None
        if working_dir:  # a peer's own path: used only when it is inside our root
            try:
                return confine_dir(root, working_dir)
            except PathError:
                pass
        return root.resolve()


class KernelHandler(APIHandler):
    def get(self, kernel_id: str) -> None:
        self.send_json(self.kernel_or_404(kernel_id).model())

    async def delete(self, kernel_id: str) -> None:
        kernel = self.kernel_or_404(kernel_id)
        clients = list(kernel.clients)
        await self.services.registry.shutdown(kernel_id)
        for client in clients:
            client.close(1000, "kernel shut down")
        self.set_status(204)
        self.finish()


class KernelActionHandler(APIHandler):
    async def post(self, kernel_id: str, action: str) -> None:
        kernel = self.kernel_or_404(kernel_id)
        if action == "interrupt":
            await kernel.interrupt()
            self.set_status(204)
            self.finish()
            return
        try:
            await kernel.restart()
        except Exception as e:
            raise web.HTTPError(500, "could not restart the kernel: %s", e) from e
        self.send_json(kernel.model())


class SessionsHandler(APIHandler):
    def get(self) -> None:
        sessions = self.services.sessions
        self.send_json([sessions.model(s) for s in sessions.list()])

    async def post(self) -> None:
        """``{path, kernel: {name}, type, name}``: the session for that notebook."""
        body = self.json_body()
        path = body.get("path")
        if not isinstance(path, str):
            raise web.HTTPError(400, "path must be a string naming a notebook file")
        kernel = body.get("kernel") or {}
        if not isinstance(kernel, dict):
            raise web.HTTPError(400, "kernel must be an object")
        name = kernel.get("name") or self.services.default_kernel_name
        sessions = self.services.sessions
        try:
            session, _created = await sessions.open(
                path, str(name), str(body.get("name") or ""), str(body.get("type") or "notebook")
            )
        except PathError as e:
            raise web.HTTPError(e.status, "%s", e.message) from None
        except UnknownKernelSpec:
            raise web.HTTPError(404, "no kernelspec named %s", name) from None
        self.set_header("Location", f"/api/sessions/{session.id}")
        self.send_json(sessions.model(session), 201)  # 201 even when shared, as jupyter_server


class SessionHandler(APIHandler):
    def _session(self, session_id: str) -> Any:
        sessions = self.services.sessions
        sessions.list()  # drop sessions whose kernel is gone
        try:
            return sessions.get(session_id)
        except KeyError:
            raise web.HTTPError(404, "no session %s", session_id) from None

    def get(self, session_id: str) -> None:
        self.send_json(self.services.sessions.model(self._session(session_id)))

    async def delete(self, session_id: str) -> None:
        session = self._session(session_id)
        kernel = self.services.registry.kernels.get(session.kernel_id)
        clients = list(kernel.clients) if kernel else []
        await self.services.sessions.close(session_id)
        for client in clients:
            client.close(1000, "session closed")
        self.set_status(204)
        self.finish()


class NotFoundHandler(APIHandler):
    def prepare(self) -> None:
        super().prepare()
        raise web.HTTPError(404, "no such endpoint")


class HostRefusedHandler(APIHandler):
    """Every request whose ``Host`` is not allowed (see :func:`gateway.auth.host_allowed`):
    403 before the token is even looked at."""

    def prepare(self) -> None:
        host = host_name(self.request.host)
        raise web.HTTPError(
            403,
            "Blocking request with non-local 'Host' %s: this gateway listens on a loopback "
            "address. To serve that name, start it with --allowed-hosts=%s (or "
            "--allow-remote-access).",
            host[:100],
            host[:100],
        )


def rest_handlers(services: Services) -> list[tuple[str, type[web.RequestHandler], dict[str, Any]]]:
    args = {"services": services}
    return [
        (r"/api/?", APIVersionHandler, args),
        (r"/api/kernels/?", KernelsHandler, args),
        (rf"/api/kernels/{KERNEL_ID}/?", KernelHandler, args),
        (rf"/api/kernels/{KERNEL_ID}/(?P<action>interrupt|restart)/?", KernelActionHandler, args),
        (r"/api/sessions/?", SessionsHandler, args),
        (rf"/api/sessions/{SESSION_ID}/?", SessionHandler, args),
    ]
