"""The ``reactive`` kernelspec (PROTOCOL.md section 1): its definition, the shipped
files, the install command, and the wheel's shared data."""

from __future__ import annotations

import copy
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.kernelspec import KernelSpec

from reactive_kernel import kernelspec as ks

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "kernelspec"
LOGO_SIZES = {"logo-32x32.png": (32, 32), "logo-64x64.png": (64, 64)}
TIMEOUT = 60
JUPYTER = Path(sys.executable).with_name("jupyter")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which must come first, CRC intact)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13, (kind, length)
    body = data[16 : 16 + length]
    (crc,) = struct.unpack(">I", data[16 + length : 20 + length])
    assert zlib.crc32(kind + body) == crc, "IHDR CRC mismatch"
    width, height = struct.unpack(">II", body[:8])
    return width, height


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any Jupyter/XDG path overrides, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("JUPYTER_") and k not in ("XDG_DATA_HOME", "XDG_CONFIG_HOME")
    }
    env.update(extra)
    return env


def run_install(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reactive_kernel.kernelspec", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env if env is not None else clean_env(),
        check=False,
    )


def assert_installed(spec_dir: Path, executable: str = sys.executable) -> None:
    assert sorted(p.name for p in spec_dir.iterdir()) == ["kernel.json", *sorted(LOGO_SIZES)]
    assert json.loads((spec_dir / "kernel.json").read_text()) == ks.get_kernel_dict(executable)
    for logo in LOGO_SIZES:
        assert (spec_dir / logo).read_bytes() == (SHIPPED / logo).read_bytes()


# -- get_kernel_dict ----------------------------------------------------------


def test_kernel_dict_per_spec() -> None:
    spec = ks.get_kernel_dict("python")
    assert ks.KERNEL_NAME == "reactive"
    assert spec["display_name"] == "Python 3 (reactive)"
    assert spec["language"] == "python"
    assert spec["argv"] == ["python", "-m", "reactive_kernel.kernelapp", "-f", "{connection_file}"]
    assert spec["interrupt_mode"] in ("signal", "message")
    # jupyter_client accepts it as a spec
    parsed = KernelSpec(resource_dir="", **spec)
    assert parsed.display_name == "Python 3 (reactive)"
    assert parsed.language == "python"


def test_kernel_dict_is_pure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = ks.get_kernel_dict("/opt/py/bin/python")
    snapshot = copy.deepcopy(first)
    first["argv"].append("mutated")
    first["metadata"]["mutated"] = True
    second = ks.get_kernel_dict("/opt/py/bin/python")
    assert second == snapshot  # a fresh dict each call, same content
    assert second["argv"][0] == "/opt/py/bin/python"
    assert ks.get_kernel_dict() == ks.get_kernel_dict(sys.executable)
    assert list(tmp_path.iterdir()) == []  # no files written


def test_kernelapp_module_exists() -> None:
    import importlib.util

    assert importlib.util.find_spec("reactive_kernel.kernelapp") is not None


# -- shipped files ------------------------------------------------------------


def test_shipped_kernel_json_matches_definition() -> None:
    shipped = json.loads((SHIPPED / "kernel.json").read_text())
    assert shipped == ks.get_kernel_dict("python")
    spec = KernelSpec.from_resource_dir(str(SHIPPED))
    assert (spec.display_name, spec.language) == ("Python 3 (reactive)", "python")


@pytest.mark.parametrize("logo", sorted(LOGO_SIZES))
def test_logos_are_pngs_of_their_size(logo: str) -> None:
    assert logo in ks.LOGOS
    assert png_size((SHIPPED / logo).read_bytes()) == LOGO_SIZES[logo]
    assert png_size((ks.resource_dir() / logo).read_bytes()) == LOGO_SIZES[logo]


def test_png_size_rejects_non_png() -> None:
    with pytest.raises(AssertionError):
        png_size(b"GIF89a" + bytes(30))


# -- install command ----------------------------------------------------------


def test_install_prefix_is_listed_by_jupyter(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    proc = run_install("install", "--prefix", str(prefix))
    assert proc.returncode == 0, proc.stderr
    spec_dir = prefix / "share" / "jupyter" / "kernels" / "reactive"
    assert str(spec_dir) in proc.stdout
    assert_installed(spec_dir)

    env = clean_env(
        JUPYTER_PATH=str(prefix / "share" / "jupyter"),
        HOME=str(tmp_path / "home"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
    )
    listing = subprocess.run(
        [str(JUPYTER), "kernelspec", "list", "--json"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    specs: dict[str, Any] = json.loads(listing.stdout)["kernelspecs"]
    assert "reactive" in specs
    # JUPYTER_PATH comes first, so the listed spec is the one just installed
    assert Path(specs["reactive"]["resource_dir"]) == spec_dir
    assert specs["reactive"]["spec"]["display_name"] == "Python 3 (reactive)"
    assert specs["reactive"]["spec"]["argv"][0] == sys.executable


def test_install_with_custom_name(tmp_path: Path) -> None:
    proc = run_install("install", "--prefix", str(tmp_path), "--name", "reactive-alt")
    assert proc.returncode == 0, proc.stderr
    assert_installed(tmp_path / "share" / "jupyter" / "kernels" / "reactive-alt")


def test_install_user_into_jupyter_data_dir(tmp_path: Path) -> None:
    env = clean_env(HOME=str(tmp_path / "home"), JUPYTER_DATA_DIR=str(tmp_path / "data"))
    proc = run_install("install", "--user", env=env)
    assert proc.returncode == 0, proc.stderr
    assert_installed(tmp_path / "data" / "kernels" / "reactive")
    assert not (tmp_path / "home").exists()


def test_install_user_into_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    proc = run_install("install", "--user", env=clean_env(HOME=str(home)))
    assert proc.returncode == 0, proc.stderr
    expected = (
        home / "Library" / "Jupyter" if sys.platform == "darwin" else home / ".local/share/jupyter"
    )
    assert_installed(expected / "kernels" / "reactive")


def test_reinstall_overwrites(tmp_path: Path) -> None:
    spec_dir = tmp_path / "share" / "jupyter" / "kernels" / "reactive"
    assert run_install("install", "--prefix", str(tmp_path)).returncode == 0
    (spec_dir / "kernel.json").write_text("{}")
    proc = run_install("install", "--prefix", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert_installed(spec_dir)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "required"),
        (("frobnicate",), "invalid choice"),
        (("install", "--bogus"), "unrecognized arguments"),
        (("install", "--user", "--prefix", "/tmp/x"), "not allowed with"),
        (("install", "--user", "--sys-prefix"), "not allowed with"),
        (("install", "--prefix"), "expected one argument"),
    ],
    ids=[
        "no-command",
        "unknown-command",
        "unknown-option",
        "user+prefix",
        "user+sys-prefix",
        "prefix-without-value",
    ],
)
def test_bad_arguments_exit_nonzero_with_message(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    env = clean_env(HOME=str(tmp_path / "home"), JUPYTER_DATA_DIR=str(tmp_path / "data"))
    proc = run_install(*args, env=env)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert message in proc.stderr
    assert "usage:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "data").exists() and not (tmp_path / "home").exists()


def test_invalid_kernel_name_fails(tmp_path: Path) -> None:
    proc = run_install("install", "--prefix", str(tmp_path), "--name", "bad name")
    assert proc.returncode != 0
    assert "Invalid kernel name" in proc.stderr
    assert not (tmp_path / "share").exists()


def test_invalid_kernel_name_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_install("install", "--prefix", str(tmp_path), "--name", "bad name")
    assert proc.returncode == 2, proc.stderr
    assert "usage:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Invalid kernel name" in proc.stderr


# -- wheel --------------------------------------------------------------------


def test_wheel_ships_kernelspec(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(tmp_path.glob("reactive_kernel-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as whl:
        names = set(whl.namelist())
        data = [n for n in names if "/data/share/jupyter/kernels/reactive/" in n]
        assert data, sorted(names)
        data_dir = data[0].rsplit("/", 1)[0]
        assert data_dir.startswith("reactive_kernel-") and data_dir.split("/")[0].endswith(".data")
        assert json.loads(whl.read(f"{data_dir}/kernel.json")) == ks.get_kernel_dict("python")
        for logo, size in LOGO_SIZES.items():
            assert png_size(whl.read(f"{data_dir}/{logo}")) == size
            packaged = whl.read(f"reactive_kernel/_kernelspec/{logo}")
            assert packaged == (SHIPPED / logo).read_bytes()
        assert "reactive_kernel/kernelspec.py" in names
        assert "reactive_kernel/kernelapp.py" in names
