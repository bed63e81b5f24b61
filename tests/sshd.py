"""A real OpenSSH server on a loopback address, for remote-kernel tests and benchmarks.

:class:`SshServer` runs Debian's ``/usr/sbin/sshd -D`` with a generated config on a
free port of ``127.0.0.2`` (a loopback address jupyter_client does not count as
local, so gateway_provisioners really goes through SSH instead of launching
locally), with a generated host key, key authentication only, for the current
user with a generated client key. :meth:`SshServer.client_env` is the environment
a gateway needs to use it: ``HOME`` with ``.ssh/id_ed25519`` and ``known_hosts``
(paramiko reads both from there), ``GP_SSH_PORT``, ``GP_RESPONSE_IP``/``PORT``.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"
HOST = "127.0.0.2"


def unavailable() -> str | None:
    """Why an sshd cannot be run here, or None."""
    if not Path(SSHD).exists():
        return f"{SSHD} is missing (apt-get install openssh-server)"
    if shutil.which("ssh-keygen") is None:
        return "ssh-keygen is missing"
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class SshServer:
    def __init__(self, base: Path) -> None:
        self.base = base
        base.mkdir(parents=True, exist_ok=True)
        self.home = base / "home"
        ssh = self.home / ".ssh"
        ssh.mkdir(parents=True, exist_ok=True)
        os.chmod(ssh, 0o700)
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", ""]
        subprocess.run([*keygen, "-f", str(base / "host_key")], check=True)
        subprocess.run([*keygen, "-f", str(ssh / "id_ed25519")], check=True)
        (base / "authorized_keys").write_text((ssh / "id_ed25519.pub").read_text())
        os.chmod(base / "authorized_keys", 0o600)
        self.port = free_port(HOST)
        host_pub = (base / "host_key.pub").read_text().split()
        (ssh / "known_hosts").write_text(f"[{HOST}]:{self.port} {host_pub[0]} {host_pub[1]}\n")
        config = base / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    f"ListenAddress {HOST}",
                    f"HostKey {base / 'host_key'}",
                    f"PidFile {base / 'sshd.pid'}",
                    f"AuthorizedKeysFile {base / 'authorized_keys'}",
                    f"AllowUsers {getpass.getuser()}",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    "StrictModes no",
                    "UsePAM no",
                    "LogLevel ERROR",
                    "",
                ]
            )
        )
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation dir
        self.log = open(base / "sshd.log", "wb")
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)], stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait()

    def _wait(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.base / 'sshd.log').read_text()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.05)  # polling a port with a deadline
        raise RuntimeError("sshd did not listen in time")

    def client_env(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            "GP_SSH_PORT": str(self.port),
            "GP_RESPONSE_IP": "127.0.0.1",
            "GP_RESPONSE_PORT": str(free_port()),
            "GP_KERNEL_LOG_DIR": str(self.base),
            "KERNEL_LAUNCH_TIMEOUT": "120",  # a loaded machine starts kernels slowly
            "GP_REMOTE_USER": getpass.getuser(),
            # gateway_provisioners refuses root by default; CI runs tests as root
            "GP_UNAUTHORIZED_USERS": "",
        }

    def kernels(self, response_port: str) -> list[int]:
        """Pids of kernels launched through this server for a gateway whose
        ``GP_RESPONSE_PORT`` is ``response_port`` (to clean up after a test)."""
        marker = f"127.0.0.1:{response_port}"
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            words = [w.decode(errors="replace") for w in cmd]
            if "reactive_kernel.remote_launcher" in words and marker in words:
                pids.append(int(proc.name))
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
