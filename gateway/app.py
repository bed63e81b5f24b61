"""``reactive-gateway``: the application, its options, and clean shutdown.

A Jupyter-style traitlets application: every option is a trait with
``help=``, settable as ``--ip=...`` on the command line (short aliases below)
or as ``c.GatewayApp.ip = ...`` in ``reactive_gateway_config.py`` (found in
the Jupyter config path, or given with ``--config=FILE``). Config is read
here only; the rest of the package receives plain values.

SIGINT/SIGTERM close every WebSocket (1001), shut every kernel down
(gracefully, then killed after ``shutdown_wait``), remove the runtime dir of
connection files, and exit: no kernel process outlives the gateway.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_core.application import JupyterApp, base_aliases, base_flags
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from traitlets import Bool, Float, Integer, Unicode, default

from . import __version__, persist
from .auth import generate_token, host_allowed, listens_locally, parse_hosts
from .budget import OutputBudget
from .handlers import HostRefusedHandler, NotFoundHandler, rest_handlers
from .kernels import KernelSettings
from .logs import install as scrub_logs
from .logs import log_request
from .registry import KernelRegistry
from .services import Services
from .sessions import NotebookSessions
from .specs import spec_handlers
from .websocket import CLOSE_GOING_AWAY, websocket_handlers
from .webui import webui_handlers

aliases = {
    **base_aliases,
    "ip": "GatewayApp.ip",
    "port": "GatewayApp.port",
    "root-dir": "GatewayApp.root_dir",
    "token": "GatewayApp.token",
    "allow-origin": "GatewayApp.allow_origin",
    "default-kernel": "GatewayApp.default_kernel_name",
    "max-restarts": "GatewayApp.max_restarts",
    "restart-window": "GatewayApp.restart_window",
    "heartbeat-interval": "GatewayApp.heartbeat_interval",
    "max-message-size": "GatewayApp.max_message_size",
    "client-buffer": "GatewayApp.max_client_buffer",
    "max-buffered-bytes": "GatewayApp.max_buffered_bytes",
    "allowed-hosts": "GatewayApp.allowed_hosts",
}
flags = {
    **base_flags,
    "allow-remote-access": (
        {"GatewayApp": {"allow_remote_access": True}},
        "Serve requests whatever their Host header names (see GatewayApp.allow_remote_access).",
    ),
    "keep-kernels": (
        {"GatewayApp": {"keep_kernels": True}},
        "Leave kernels running when the gateway stops; the next gateway re-attaches them.",
    ),
}


class GatewayApplication(web.Application):
    """tornado's Application, refusing requests whose ``Host`` is not allowed before
    any route sees them (DNS rebinding; see :func:`gateway.auth.host_allowed`)."""

    def find_handler(self, request: Any, **kwargs: Any) -> Any:
        services: Services = self.settings["services"]
        if not host_allowed(request.host or "", services.allowed_hosts):
            return self.get_handler_delegate(request, HostRefusedHandler, {"services": services})
        return super().find_handler(request, **kwargs)


class GatewayApp(JupyterApp):
    """Bridges browser WebSockets to Jupyter kernels' ZMQ channels."""

    name = "reactive-gateway"
    version = __version__
    description = (
        "A Jupyter-compatible kernel gateway: REST + WebSocket (JSON, "
        "v1.kernel.websocket.jupyter.org, msgpack.reactive.v1) to any Jupyter kernel, "
        "with notebook sessions shared by every client."
    )
    aliases = aliases
    flags = flags

    ip = Unicode("127.0.0.1", help="Interface to listen on.").tag(config=True)
    port = Integer(8899, help="Port to listen on (0: any free port).").tag(config=True)
    root_dir = Unicode(
        help="Directory notebook paths are confined to; kernels start in it by default."
    ).tag(config=True)
    token = Unicode(
        None,
        allow_none=True,
        help="Token clients must present (Authorization: token T, or ?token=T). "
        "Generated and printed when not set.",
    ).tag(config=True)
    allow_origin = Unicode(
        "",
        help="Origins (comma-separated, or '*') allowed to open WebSockets and read REST "
        "from a browser, besides this gateway's own host.",
    ).tag(config=True)
    allow_remote_access = Bool(
        help="Serve requests whatever host name their Host header gives. Off by default when "
        "listening on a loopback address (then only localhost and loopback addresses, plus "
        "allowed_hosts, are served: a defence against DNS rebinding, as in jupyter_server); "
        "on otherwise.",
    ).tag(config=True)
    allowed_hosts = Unicode(
        "",
        help="Host names (comma-separated) served besides local ones when allow_remote_access "
        "is off, e.g. a name for this machine used through an SSH tunnel.",
    ).tag(config=True)
    default_kernel_name = Unicode("python3", help="Kernelspec used when a request names none.").tag(
        config=True
    )
    max_restarts = Integer(
        3, help="Automatic restarts of a dead kernel allowed within restart_window."
    ).tag(config=True)
    restart_window = Float(
        60.0, help="Seconds over which max_restarts is counted; past it a kernel stays dead."
    ).tag(config=True)
    heartbeat_interval = Float(
        1.0, help="Seconds between liveness checks (process poll + hb ping) of each kernel."
    ).tag(config=True)
    heartbeat_misses = Integer(
        5,
        help="Missed heartbeats in a row after which a live but unresponsive kernel is "
        "considered dead (a process that exited is seen at the next check).",
    ).tag(config=True)
    kernel_info_timeout = Float(
        60.0, help="Seconds a (re)started kernel has to answer kernel_info."
    ).tag(config=True)
    shutdown_wait = Float(
        5.0, help="Seconds a kernel has to shut down after a shutdown_request before it is killed."
    ).tag(config=True)
    max_message_size = Integer(
        64 * 1024 * 1024, help="Largest WebSocket frame (bytes) accepted from a client (1009)."
    ).tag(config=True)
    max_client_buffer = Integer(
        64 * 1024 * 1024,
        help="Bytes that may wait to be sent to one client; past it the client is closed (1008).",
    ).tag(config=True)
    max_buffered_bytes = Integer(
        256 * 1024 * 1024,
        help="Bytes of output that may wait to be sent to all clients together (0: no limit). "
        "Past it the clients furthest behind (most bytes queued since their socket last took a "
        "write) are closed first (1008, with the reason), never one within its fair share "
        "of this budget.",
    ).tag(config=True)
    max_bad_frames = Integer(
        100, help="Malformed frames a client may send before it is closed (1008)."
    ).tag(config=True)
    keep_kernels = Bool(
        False,
        help="On shutdown, leave kernels running and record them (connection info, 0600) under "
        "the Jupyter runtime dir; the next gateway on the same root dir re-attaches them with "
        "their state, and clients reconnect to the same kernel ids. Kernels are started "
        "independent of the gateway process. A gateway always re-attaches recorded kernels.",
    ).tag(config=True)
    ws_ping_interval = Float(
        30.0, help="Seconds between WebSocket pings (0: never), to drop vanished clients."
    ).tag(config=True)

    @default("allow_remote_access")
    def _allow_remote_access_default(self) -> bool:
        return not listens_locally(self.ip)

    @default("root_dir")
    def _root_dir_default(self) -> str:
        return os.getcwd()

    def start(self) -> None:
        super().start()  # --generate-config and subcommands
        if self.token is not None and not self.token.strip():
            self.log.critical("--token must not be empty")
            self.exit(2)
        try:
            asyncio.run(self.serve())
        except KeyboardInterrupt:  # a second Ctrl-C during shutdown
            pass

    def build_services(self, runtime_dir: Path) -> Services:
        root = Path(self.root_dir).expanduser().resolve()
        if not root.is_dir():
            raise SystemExit(f"root dir {root} is not a directory")
        settings = KernelSettings(
            heartbeat_interval=self.heartbeat_interval,
            heartbeat_misses=self.heartbeat_misses,
            kernel_info_timeout=self.kernel_info_timeout,
            max_restarts=self.max_restarts,
            restart_window=self.restart_window,
            shutdown_wait=self.shutdown_wait,
            independent=self.keep_kernels,
        )
        spec_manager = KernelSpecManager(parent=self)
        registry = KernelRegistry(spec_manager, settings, runtime_dir, self.log, self)
        return Services(
            registry=registry,
            sessions=NotebookSessions(registry, root),
            spec_manager=spec_manager,
            root=root,
            token=self.token or generate_token(),
            allow_origin=self.allow_origin,
            allowed_hosts=None if self.allow_remote_access else parse_hosts(self.allowed_hosts),
            default_kernel_name=self.default_kernel_name,
            max_client_buffer=self.max_client_buffer,
            max_bad_frames=self.max_bad_frames,
            budget=OutputBudget(self.max_buffered_bytes),
        )

    def web_app(self, services: Services) -> web.Application:
        args = {"services": services}
        handlers: list[Any] = [
            *rest_handlers(services),
            *spec_handlers(args),
            *websocket_handlers(services),
            *webui_handlers(services),
            (r".*", NotFoundHandler, args),
        ]
        return GatewayApplication(
            handlers,
            services=services,
            log_function=log_request,
            allow_origin=self.allow_origin,
            websocket_max_message_size=self.max_message_size,
            websocket_ping_interval=self.ws_ping_interval or None,
            websocket_ping_timeout=self.ws_ping_interval or None,
        )

    async def serve(self) -> None:
        for name in ("tornado", "gateway"):  # their records go through this app's log config
            logging.getLogger(name).parent = self.log
        runtime_dir = Path(tempfile.mkdtemp(prefix="reactive-gateway-"))
        services = self.build_services(runtime_dir)
        scrub_logs(self.log, services.token)
        state = persist.state_path(services.root)
        attached = await persist.reattach(services.registry, services.sessions, state)
        if attached:
            self.log.info("re-attached %d kernels kept by the previous gateway", len(attached))
        sockets = bind_sockets(self.port, self.ip)
        server = HTTPServer(self.web_app(services), max_body_size=self.max_message_size)
        server.add_sockets(sockets)
        port = sockets[0].getsockname()[1]
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        url = f"http://{host}:{port}/api"
        shown = services.token if self.token is None else "<your token>"
        print(
            f"reactive-gateway {__version__}: root {services.root}, "
            f"connection files in {runtime_dir}",
            flush=True,
        )
        print(f"reactive-gateway listening on {url}?token={shown}", flush=True)
        print(f"reactive-gateway web notebook: http://{host}:{port}/?token={shown}", flush=True)

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
            self.log.info("shutting down: %d kernels", len(services.registry.kernels))
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            server.stop()
            await self.shutdown(services)
        finally:
            services.registry.close()
            shutil.rmtree(runtime_dir, ignore_errors=True)

    async def shutdown(self, services: Services) -> None:
        """Close clients, then stop every kernel, bounded in time."""
        for client in list(services.clients):
            client.close(CLOSE_GOING_AWAY, "gateway shutting down")
        if self.keep_kernels:
            state = persist.state_path(services.root)
            kept = await persist.record(services.registry, services.sessions, state)
            self.log.info("%d kernels left running, recorded in %s", kept, state)
            return
        kernels = services.registry.list()
        try:
            await asyncio.wait_for(services.registry.shutdown_all(), self.shutdown_wait + 5)
        except asyncio.TimeoutError:
            self.log.warning("kernels slow to stop; killing them")
            await asyncio.gather(
                *(k.km.shutdown_kernel(now=True) for k in kernels), return_exceptions=True
            )


def main(argv: list[str] | None = None) -> None:
    GatewayApp.launch_instance(argv if argv is not None else sys.argv[1:])
