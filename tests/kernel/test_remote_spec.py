"""The remote kernelspec (reactive_kernel/remote_spec.py) and its install command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reactive_kernel.remote_spec import get_remote_kernel_dict


def test_distributed_spec_runs_our_launcher_through_gateway_provisioners() -> None:
    spec = get_remote_kernel_dict("distributed", ["h1", " h2 ", ""], "/opt/py/bin/python")
    assert spec["argv"][:3] == ["/opt/py/bin/python", "-m", "reactive_kernel.remote_launcher"]
    for placeholder in ("{kernel_id}", "{response_address}", "{public_key}", "{port_range}"):
        assert placeholder in spec["argv"]
    provisioner = spec["metadata"]["kernel_provisioner"]
    assert provisioner == {
        "provisioner_name": "reactive-distributed-provisioner",
        "config": {"remote_hosts": ["h1", "h2"]},
    }
    assert spec["metadata"]["reactive"] == {"notebook_file": "gateway"}


@pytest.mark.parametrize(
    ("provisioner", "hosts", "message"),
    [("ssh", ["h1"], "unknown provisioner"), ("distributed", [" ", ""], "at least one host")],
)
def test_bad_arguments_are_refused(provisioner: str, hosts: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get_remote_kernel_dict(provisioner, hosts)


def test_install_command_writes_the_remote_spec(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "reactive_kernel.kernelspec",
            "install",
            "--prefix",
            str(tmp_path),
            "--name",
            "reactive_ssh",
            "--provisioner",
            "distributed",
            "--remote-hosts",
            "gpu1,gpu2",
            "--remote-python",
            "/envs/nb/bin/python",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    spec_dir = tmp_path / "share" / "jupyter" / "kernels" / "reactive_ssh"
    assert str(spec_dir) in out.stdout
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec == get_remote_kernel_dict("distributed", ["gpu1", "gpu2"], "/envs/nb/bin/python")
    assert (spec_dir / "logo-64x64.png").exists()


def test_install_without_hosts_is_a_usage_error(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "reactive_kernel.kernelspec",
            "install",
            "--prefix",
            str(tmp_path),
            "--provisioner",
            "distributed",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "at least one host" in out.stderr
