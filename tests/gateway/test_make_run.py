"""`make run` serves a copy of the demo, so using the page never rewrites the tracked file."""

from __future__ import annotations

import hashlib
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from gwtools import GatewayProcess, WSClient, rest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo_notebook.py"


def make_run_commands() -> list[list[str]]:
    if shutil.which("make") is None:
        pytest.skip("make is missing")
    dry = subprocess.run(
        ["make", "-n", "run"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    return [shlex.split(line) for line in dry.stdout.splitlines() if line.strip()]


def test_make_run_serves_a_copy_of_the_demo() -> None:
    commands = make_run_commands()
    gateway = next(c for c in commands if c[1:3] == ["-m", "gateway"])
    root = next(a.split("=", 1)[1] if "=" in a else gateway[i + 1]
                for i, a in enumerate(gateway) if a.startswith("--root-dir"))  # fmt: skip
    assert Path(root).resolve() != (REPO / "examples").resolve()
    assert Path(root).parts[0] == ".venv"  # the copy (made by its own rule when out of date)


async def test_using_the_copy_leaves_the_tracked_demo_untouched(tmp_path: Path) -> None:
    before = hashlib.sha256(DEMO.read_bytes()).hexdigest()
    root = tmp_path / ".venv" / "demo"  # the same shape as make run's copy
    root.mkdir(parents=True)
    shutil.copy(DEMO, root / DEMO.name)
    gw = GatewayProcess(root, tmp_path / "gateway.log")
    try:
        status, session = await rest(
            gw, "POST", "/api/sessions",
            {"path": DEMO.name, "kernel": {"name": "reactive"}, "type": "notebook"},
        )  # fmt: skip
        assert status == 201, session
        client = await WSClient.connect(gw, session["kernel"]["id"])
        try:
            r = await client.comm("register", cell_id="min_qty", code="min_qty = 3", run=True)
            assert r.reply and r.reply["ok"], r.reply
        finally:
            await client.close()
    finally:
        gw.stop()
    assert "min_qty = 3" in (root / DEMO.name).read_text(encoding="utf-8")
    assert hashlib.sha256(DEMO.read_bytes()).hexdigest() == before
