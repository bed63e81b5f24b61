"""Fixtures for the gateway tests: real gateway subprocesses and test kernelspecs.

``async def`` tests run on a fresh event loop each (a ten-line hook instead of
a plugin dependency), bounded by ``ASYNC_TEST_TIMEOUT``. Every gateway gets a
free port (``--port=0``), its own root dir and log under ``tmp_path``, so the
suite is safe under ``pytest -n``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gwtools import GatewayProcess

ASYNC_TEST_TIMEOUT = 90.0
HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(asyncio.wait_for(pyfuncitem.obj(**args), ASYNC_TEST_TIMEOUT))
    return True


def _write_spec(kernels: Path, name: str, spec: dict[str, Any]) -> None:
    (kernels / name).mkdir(parents=True)
    (kernels / name / "kernel.json").write_text(json.dumps(spec))


@pytest.fixture(scope="session")
def gateway_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for gateway subprocesses: extra kernelspecs and the test provisioner.

    - ``marked``: ipykernel launched through ``MarkingProvisioner``;
    - ``crashing``: a "kernel" that exits at once, every time, logging each launch.
    """
    base = tmp_path_factory.mktemp("jupyter")
    kernels = base / "kernels"
    ipykernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    _write_spec(
        kernels,
        "marked",
        {
            "argv": ipykernel,
            "display_name": "Marked",
            "language": "python",
            "metadata": {"kernel_provisioner": {"provisioner_name": "gateway-test-provisioner"}},
        },
    )
    crash = "import sys; open(sys.argv[1], 'a').write('launch\\n'); sys.exit(3)"
    _write_spec(
        kernels,
        "crashing",
        {
            "argv": [
                sys.executable,
                "-c",
                crash,
                str(base / "crash-launches.log"),
                "{connection_file}",
            ],
            "display_name": "Crashing",
            "language": "python",
        },
    )
    dist = base / "site" / "gateway_test_provisioner-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gateway-test-provisioner\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        "[jupyter_client.kernel_provisioners]\n"
        "gateway-test-provisioner = marking_provisioner:MarkingProvisioner\n"
    )
    return {
        "JUPYTER_PATH": str(base),
        "PYTHONPATH": f"{base / 'site'}:{HERE}",
        "GATEWAY_TEST_PROVISIONER_LOG": str(base / "provisioned.log"),
        "GATEWAY_TEST_CRASH_LOG": str(base / "crash-launches.log"),
    }


@pytest.fixture
def make_gateway(
    tmp_path: Path, gateway_env: dict[str, str]
) -> Iterator[Callable[..., GatewayProcess]]:
    """Start gateways with extra options; all are stopped after the test."""
    started: list[GatewayProcess] = []

    def make(*args: str, root: Path | None = None) -> GatewayProcess:
        root = root or tmp_path / "root"
        root.mkdir(exist_ok=True)
        gw = GatewayProcess(root, tmp_path / f"gateway-{len(started)}.log", *args, env=gateway_env)
        started.append(gw)
        return gw

    yield make
    for gw in started:
        gw.stop()


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, gateway_env: dict[str, str]
) -> Iterator[GatewayProcess]:
    """One gateway with default options for a whole test module."""
    base = tmp_path_factory.mktemp("gateway")
    root = base / "root"
    root.mkdir()
    gw = GatewayProcess(root, base / "gateway.log", env=gateway_env)
    yield gw
    gw.stop()
