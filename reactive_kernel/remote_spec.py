"""kernel.json for reactive kernels started elsewhere by gateway_provisioners.

``python -m reactive_kernel.kernelspec install --provisioner distributed
--remote-hosts h1,h2 [--remote-python /path/to/python]`` writes a ``reactive``
kernelspec whose ``kernel_provisioner`` is gateway_provisioners'
``distributed-provisioner`` (through :mod:`reactive_kernel.remote_provisioner`,
which makes its liveness check and stop reliable): it picks one of the hosts (round robin), runs the
kernelspec's argv there over SSH (``GP_SSH_PORT``, ``GP_REMOTE_USER``, key
authentication with the gateway user's keys and known_hosts) and receives the
connection info back on the response address. The argv runs
:mod:`reactive_kernel.remote_launcher` with the remote host's Python, so the
remote host needs ``reactive-kernel`` and ``gateway_provisioners`` installed.

``metadata.reactive.notebook_file = "gateway"`` tells the gateway that the
kernel cannot reach the notebook file: the gateway loads the file into the
kernel and writes the kernel's saves (gateway/filesync.py). Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

PROVISIONERS = {"distributed": "reactive-distributed-provisioner"}
"""``--provisioner`` choices and their provisioners' entry-point names (ours:
:mod:`reactive_kernel.remote_provisioner`, on gateway_provisioners' own)."""

LAUNCHER_ARGS = [
    "--kernel-id",
    "{kernel_id}",
    "--port-range",
    "{port_range}",
    "--response-address",
    "{response_address}",
    "--public-key",
    "{public_key}",
]


def get_remote_kernel_dict(
    provisioner: str,
    remote_hosts: list[str],
    remote_python: str = "python3",
    display_name: str = "Python 3 (reactive, remote)",
) -> dict[str, Any]:
    """kernel.json's content for a kernel launched on ``remote_hosts``."""
    if provisioner not in PROVISIONERS:
        raise ValueError(f"unknown provisioner {provisioner!r}; choose from {sorted(PROVISIONERS)}")
    hosts = [h.strip() for h in remote_hosts if h.strip()]
    if not hosts:
        raise ValueError("--remote-hosts needs at least one host name")
    config: dict[str, Any] = {"remote_hosts": hosts}
    return {
        "argv": [remote_python, "-m", "reactive_kernel.remote_launcher", *LAUNCHER_ARGS],
        "display_name": display_name,
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {
            "debugger": False,
            "kernel_provisioner": {"provisioner_name": PROVISIONERS[provisioner], "config": config},
            "reactive": {"notebook_file": "gateway"},
        },
    }
