"""The wheel's prebuilt extension is compatible with the oldest and the newest
JupyterLab that ``pyproject.toml`` supports (its ``lab`` extra).

For each end of the range: a fresh virtualenv, the wheel built from this
checkout and that JupyterLab installed from the package index, then
``jupyter labextension list`` must say ``enabled OK`` for the extension (an
extension whose ``@jupyterlab/*`` ranges miss the running JupyterLab is listed
``enabled X``, "not compatible with the current JupyterLab").

Installing two JupyterLabs takes minutes and needs the package index, so this
runs only with ``REACTIVE_LAB_VERSIONS=1`` (``make test-lab-versions``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from labdriver import EXTENSION_NAME, REPO

pytestmark = pytest.mark.skipif(
    os.environ.get("REACTIVE_LAB_VERSIONS", "") in ("", "0"),
    reason="installs JupyterLab twice from the package index: REACTIVE_LAB_VERSIONS=1 "
    "(make test-lab-versions)",
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
INSTALL_TIMEOUT = 900


def supported_range() -> str:
    """The ``jupyterlab`` requirement of the ``lab`` extra, e.g. ``>=4.1.0,<5``."""
    text = (REPO / "pyproject.toml").read_text()
    match = re.search(r'^lab = \["jupyterlab([^"]+)"\]$', text, re.MULTILINE)
    assert match, "pyproject.toml has no `lab = [\"jupyterlab...\"]` extra"
    return match.group(1)


def oldest() -> str:
    match = re.search(r">=\s*([0-9.]+)", supported_range())
    assert match, supported_range()
    return match.group(1)


def run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    assert result.returncode == 0, f"{argv}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return ANSI.sub("", result.stdout + result.stderr)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    env = {**os.environ, "REACTIVE_SKIP_WEBUI": "1"}  # only the lab extension matters here
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(REPO)],
        env=env,
    )
    (built,) = out.glob("reactive_kernel-*.whl")
    return built


def isolated_env(base: Path) -> dict[str, str]:
    """Jupyter paths inside ``base``: nothing installed for this user takes part."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON"))}
    for var, name in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data")):
        (base / name).mkdir(parents=True, exist_ok=True)
        env[var] = str(base / name)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    return env


@pytest.mark.parametrize("end", ["oldest", "newest"])
def test_labextension_list_says_enabled_ok(
    end: str, wheel: Path, tmp_path: Path
) -> None:
    lab = f"jupyterlab=={oldest()}" if end == "oldest" else f"jupyterlab{supported_range()}"
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", str(wheel), lab], timeout=INSTALL_TIMEOUT)
    env = isolated_env(tmp_path)
    version = run([python, "-c", "import jupyterlab; print(jupyterlab.__version__)"]).strip()
    if end == "oldest":
        assert version == oldest()
    listing = run([python, "-m", "jupyter", "labextension", "list"], env=env)
    line = next((ln for ln in listing.splitlines() if EXTENSION_NAME in ln and " v" in ln), None)
    assert line is not None, f"JupyterLab {version} does not list the extension:\n{listing}"
    assert re.search(r"\benabled\s+OK\b", line), f"JupyterLab {version}: {line.strip()}\n{listing}"
    assert "not compatible" not in listing and "incompatible" not in listing, listing
    print(f"JupyterLab {version}: {line.strip()}")
