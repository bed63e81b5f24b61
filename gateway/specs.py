"""Kernelspecs over REST, in jupyter_server's JSON shape.

``GET /api/kernelspecs`` -> ``{"default", "kernelspecs": {name: {"name",
"spec", "resources"}}}`` where ``resources`` maps ``kernel.js``,
``kernel.css`` and each ``logo-*`` file (without extension) to its URL under
``/kernelspecs/{name}/{file}``, which serves it. Resource names are single
file names from the spec's own directory; anything else is 404, so the
resource URL cannot read other files.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from tornado import web

from .handlers import APIHandler

RESOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def kernelspec_model(name: str, spec: dict[str, Any], resource_dir: str) -> dict[str, Any]:
    """One kernelspec's REST model (jupyter_server's ``kernelspec_model``)."""
    resources: dict[str, str] = {}
    directory = Path(resource_dir)
    for resource in ("kernel.js", "kernel.css"):
        if (directory / resource).exists():
            resources[resource] = f"/kernelspecs/{name}/{resource}"
    for logo in sorted(directory.glob("logo-*")):
        resources[logo.stem] = f"/kernelspecs/{name}/{logo.name}"
    return {"name": name, "spec": spec, "resources": resources}


def all_specs(manager: KernelSpecManager, default: str) -> dict[str, Any]:
    specs = {
        name: kernelspec_model(name, info["spec"], info["resource_dir"])
        for name, info in manager.get_all_specs().items()
    }
    if default not in specs and specs:
        default = sorted(specs)[0]
    return {"default": default, "kernelspecs": specs}


class KernelSpecsHandler(APIHandler):
    def get(self) -> None:
        services = self.services
        self.send_json(all_specs(services.spec_manager, services.default_kernel_name))


class KernelSpecHandler(APIHandler):
    def get(self, kernel_name: str) -> None:
        try:
            spec = self.services.spec_manager.get_kernel_spec(kernel_name)
        except NoSuchKernel:
            raise web.HTTPError(404, "no kernelspec named %s", kernel_name) from None
        self.send_json(kernelspec_model(kernel_name, spec.to_dict(), spec.resource_dir))


class KernelSpecResourceHandler(APIHandler):
    def get(self, kernel_name: str, path: str) -> None:
        if not RESOURCE_NAME.match(path):
            raise web.HTTPError(404, "no resource %s", path)
        try:
            spec = self.services.spec_manager.get_kernel_spec(kernel_name)
        except NoSuchKernel:
            raise web.HTTPError(404, "no kernelspec named %s", kernel_name) from None
        file = Path(spec.resource_dir) / path
        if not file.is_file():
            raise web.HTTPError(404, "no resource %s", path)
        self.set_header("Content-Type", mimetypes.guess_type(path)[0] or "application/octet-stream")
        self.finish(file.read_bytes())


Route = tuple[str, type[web.RequestHandler], dict[str, Any]]


def spec_handlers(args: dict[str, Any]) -> list[Route]:
    return [
        (r"/api/kernelspecs/?", KernelSpecsHandler, args),
        (r"/api/kernelspecs/(?P<kernel_name>[\w.-]+)/?", KernelSpecHandler, args),
        (r"/kernelspecs/(?P<kernel_name>[\w.-]+)/(?P<path>[^/]+)", KernelSpecResourceHandler, args),
    ]
