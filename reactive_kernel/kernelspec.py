"""The ``reactive`` kernelspec: build it (pure) and install it.

``python -m reactive_kernel.kernelspec install [--user|--sys-prefix|--prefix P]``

:func:`get_kernel_dict` is the single definition of kernel.json: the install
command writes it with this interpreter's path, and the wheel ships the same
dict (with plain ``python``) as ``kernelspec/kernel.json`` under
``share/jupyter/kernels/reactive/``; a test keeps the two equal.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from .remote_spec import PROVISIONERS, get_remote_kernel_dict

KERNEL_NAME = "reactive"
DISPLAY_NAME = "Python 3 (reactive)"
LOGOS = ("logo-32x32.png", "logo-64x64.png")


def get_kernel_dict(executable: str | None = None) -> dict[str, Any]:
    """kernel.json's content; ``executable`` defaults to this interpreter."""
    return {
        "argv": [
            executable or sys.executable,
            "-m",
            "reactive_kernel.kernelapp",
            "-f",
            "{connection_file}",
        ],
        "display_name": DISPLAY_NAME,
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }


def resource_dir() -> Path:
    """Where the logos are: inside the installed package, or the source tree."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_kernelspec", here.parent / "kernelspec"):
        if (candidate / LOGOS[0]).exists():
            return candidate
    raise FileNotFoundError("reactive kernelspec resources (logos) are missing from the package")


def write_kernel_spec(
    path: Path, executable: str | None = None, spec: dict[str, Any] | None = None
) -> Path:
    """Write kernel.json (``spec``, or the local one) and the logos into ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    spec = spec if spec is not None else get_kernel_dict(executable)
    (path / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    source = resource_dir()
    for logo in LOGOS:
        shutil.copyfile(source / logo, path / logo)
    return path


def install(
    user: bool = False,
    prefix: str | None = None,
    name: str = KERNEL_NAME,
    spec: dict[str, Any] | None = None,
) -> str:
    """Install the kernelspec (``spec``: another kernel.json, e.g. a remote one);
    returns the directory it went to."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        spec_dir = write_kernel_spec(Path(tmp) / name, spec=spec)
        return str(
            KernelSpecManager().install_kernel_spec(str(spec_dir), name, user=user, prefix=prefix)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reactive_kernel.kernelspec", description="Install the reactive kernelspec."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help="install the 'reactive' kernelspec")
    where = inst.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for the current user")
    where.add_argument("--sys-prefix", action="store_true", help=f"install into {sys.prefix}")
    where.add_argument("--prefix", help="install under this prefix (PREFIX/share/jupyter/kernels)")
    inst.add_argument("--name", default=KERNEL_NAME, help="kernelspec name (default: reactive)")
    inst.add_argument(
        "--provisioner",
        choices=["local", *PROVISIONERS],
        default="local",
        help="where kernels run: 'local' (default), or 'distributed': other hosts over SSH "
        "through gateway_provisioners (see docs/remote.md)",
    )
    inst.add_argument("--remote-hosts", default="", help="comma-separated hosts (distributed)")
    inst.add_argument(
        "--remote-python", default="python3", help="the Python to run on the remote hosts"
    )
    args = parser.parse_args(argv)
    prefix = sys.prefix if args.sys_prefix else args.prefix
    try:
        spec = None
        if args.provisioner != "local":
            hosts = args.remote_hosts.split(",")
            spec = get_remote_kernel_dict(args.provisioner, hosts, args.remote_python)
        dest = install(user=args.user, prefix=prefix, name=args.name, spec=spec)
    except ValueError as exc:  # e.g. an invalid kernelspec name
        parser.error(str(exc))
    print(f"Installed kernelspec {args.name} in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
