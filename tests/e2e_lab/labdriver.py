"""A real JupyterLab server and a real Chromium, for the lab extension's tests.

:class:`LabServer` runs ``python -m jupyterlab`` on 127.0.0.1 with a token, a
temporary root dir and temporary Jupyter config/data/runtime/settings dirs, so
nothing the user configured (or installed with ``--user``) takes part. The
``reactive`` kernelspec is written into its data dir; the built extension is
copied into an ``extra_labextensions_path`` (searched before the installed
extensions) or, for the no-extension path, disabled in its page config.

:class:`NotebookPage` drives one notebook through the UI with Playwright.
Every wait is bounded; nothing sleeps.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BUILT_EXTENSION = REPO / "reactive_kernel" / "labextension"
EXTENSION_NAME = "reactive-kernel-labextension"
CHROMIUM = os.environ.get("REACTIVE_CHROMIUM", "/usr/bin/chromium")

ARTIFACTS = REPO / "test-artifacts" / "lab"
REQUIRE = os.environ.get("REACTIVE_REQUIRE_BROWSER", "") not in ("", "0", "false", "no")
"""CI sets REACTIVE_REQUIRE_BROWSER=1: then a missing requirement fails the tests."""
SERVER_START_TIMEOUT = 60.0
UI_TIMEOUT_MS = 30_000

# Lab plugins that pop up over the notebook on a fresh profile.
QUIET_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)


def missing_requirements() -> list[str]:
    """What the browser tests need and this machine lacks (empty: all there)."""
    missing = []
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        missing.append("jupyterlab (pip install jupyterlab)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install playwright)")
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not (BUILT_EXTENSION / "package.json").exists():
        missing.append(
            f"the built extension in {BUILT_EXTENSION} (cd labextension && npm run build)"
        )
    return missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_notebook(path: Path, cells: Iterable[tuple[str, str]], kernel: str = "reactive") -> None:
    """An .ipynb whose code cells have the given (id, source) and no outputs."""
    import nbformat

    names = {"reactive": "Python 3 (reactive)", "python3": "Python 3 (ipykernel)"}
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": kernel,
        "display_name": names[kernel],
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source, id=cell_id) for cell_id, source in cells]
    nbformat.write(nb, str(path))


class LabServer:
    """``jupyter lab`` in a sandbox of its own under ``base``."""

    APP = "jupyterlab"
    """The module run with ``python -m`` (a subclass runs Notebook 7)."""
    APP_OPTIONS = (
        "--LabApp.extra_labextensions_path={extensions}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    )

    def __init__(self, base: Path, extension: bool) -> None:
        self.base = base
        self.extension = extension
        self.root = base / "root"
        self.token = uuid.uuid4().hex
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = base / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _environment(self) -> dict[str, str]:
        from reactive_kernel.kernelspec import write_kernel_spec

        dirs = {
            "JUPYTER_CONFIG_DIR": "config",
            "JUPYTER_DATA_DIR": "data",
            "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
            "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
            "IPYTHONDIR": "ipython",
        }
        env = dict(os.environ)
        for var, name in dirs.items():
            (self.base / name).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.base / name)
        env.pop("JUPYTER_PATH", None)
        env.pop("JUPYTER_CONFIG_PATH", None)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        # The kernel under test: this interpreter, this checkout.
        write_kernel_spec(self.base / "data" / "kernels" / "reactive", sys.executable)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        disabled = {name: True for name in QUIET_PLUGINS}
        if not self.extension:
            disabled[EXTENSION_NAME] = True
        labconfig = self.base / "config" / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}))
        return env

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        env = self._environment()
        extensions = self.base / "labextensions"
        shutil.copytree(BUILT_EXTENSION, extensions / EXTENSION_NAME, dirs_exist_ok=True)
        for _attempt in range(3):
            self.port = free_port()
            argv = [
                sys.executable,
                "-m",
                self.APP,
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                "--ServerApp.open_browser=False",
                *(option.format(extensions=extensions) for option in self.APP_OPTIONS),
            ]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                argv.append("--allow-root")  # CI machines run as root
            log = self.log_path.open("ab")
            self.proc = subprocess.Popen(
                argv,
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its kernels are in its process group
            )
            log.close()
            if self._wait_ready():
                return
            self.stop()
        raise RuntimeError(f"jupyter lab did not start; log:\n{self.log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                self.api("GET", "/api/status", timeout=2)
                return True
            except (urllib.error.URLError, OSError):
                try:  # a bounded pause that also notices the server exiting
                    self.proc.wait(timeout=0.25)
                except subprocess.TimeoutExpired:
                    pass
        return False

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def kernel_client(self, notebook: str) -> Any:
        """A second client (jupyter_client, over ZMQ) of the kernel a notebook
        uses, as another front end attached to the same kernel would be."""
        from jupyter_client.blocking.client import BlockingKernelClient

        sessions = self.api("GET", "/api/sessions")
        kernel_id = next(s["kernel"]["id"] for s in sessions if s["path"] == notebook)
        client = BlockingKernelClient()
        client.load_connection_file(str(self.base / "runtime" / f"kernel-{kernel_id}.json"))
        client.start_channels()
        client.wait_for_ready(timeout=30)
        return client

    def lab_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?token={self.token}&reset"

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            self.api("POST", "/api/shutdown", timeout=5)  # shuts its kernels down too
            proc.wait(timeout=15)
        except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
            pass
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


class NotebookPage:
    """One open notebook in JupyterLab, driven like a user would."""

    def __init__(self, page: Any, server: LabServer) -> None:
        self.page = page
        self.server = server
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.set_default_timeout(UI_TIMEOUT_MS)

    def open(self, notebook: str, cells: int, kernel: str = "Python 3 (reactive)") -> None:
        """Open a notebook and wait until it is loaded and its kernel idle."""
        from playwright.sync_api import expect

        self.page.goto(self.server.lab_url(notebook))
        panel = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        expect(self.cells).to_have_count(cells, timeout=60_000)
        expect(panel.locator(".jp-Spinner")).to_have_count(0)
        expect(self.kernel_status).to_have_text(f"{kernel} | Idle", timeout=60_000)
        # More room for the notebook in screenshots: close the file browser.
        self.page.locator(".jp-SideBar .lm-TabBar-tab.lm-mod-current").first.click()

    @property
    def kernel_status(self) -> Any:
        """The status bar's "<kernel> | <state>" item."""
        return self.page.locator("#jp-main-statusbar").get_by_text(re.compile(r" \| "))

    @property
    def notebook(self) -> Any:
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")

    @property
    def cells(self) -> Any:
        return self.notebook.locator(".jp-Cell")

    def cell(self, index: int) -> Any:
        return self.cells.nth(index)

    def output(self, index: int) -> Any:
        return self.cell(index).locator(".jp-OutputArea")

    def prompt(self, index: int) -> Any:
        return self.cell(index).locator(".jp-InputArea-prompt")

    def badge(self, index: int) -> Any:
        return self.cell(index).locator(".jp-reactive-badge")

    def wait_kernel_idle(self) -> None:
        from playwright.sync_api import expect

        expect(self.kernel_status).to_contain_text("| Idle", timeout=UI_TIMEOUT_MS)
        panel = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        indicator = panel.locator(".jp-Notebook-ExecutionIndicator")
        expect(indicator).to_have_attribute("data-status", "idle", timeout=UI_TIMEOUT_MS)

    def edit(self, index: int, source: str) -> None:
        editor = self.cell(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.insert_text(source)

    def run(self, index: int) -> None:
        """Run one cell (Ctrl+Enter: stay on it, add no cell)."""
        self.cell(index).locator(".cm-content").click()
        self.page.keyboard.press("Control+Enter")

    def select(self, index: int) -> None:
        """Make a cell active in command mode."""
        self.prompt(index).click()
        self.page.keyboard.press("Escape")

    def delete(self, index: int) -> None:
        self.select(index)
        self.page.keyboard.press("d")
        self.page.keyboard.press("d")

    def context_command(self, index: int, label: str) -> None:
        self.prompt(index).click(button="right")
        self.page.locator(".lm-Menu .lm-Menu-itemLabel", has_text=label).first.click()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path
