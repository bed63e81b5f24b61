"""A kernel bound to a notebook file: loads it, saves every change before the
reply, never overwrites a file it could not parse, survives SIGKILL intact."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import TIMEOUT, KernelHarness, start_kernel, stop_kernel

from reactive_kernel.core.nbformat_percent import NotebookCell, NotebookDoc, dumps, loads


def bound_kernel(path: Path, **env: str) -> tuple[Any, Any, KernelHarness]:
    km, kc = start_kernel(env={**os.environ, "REACTIVE_NOTEBOOK": str(path), **env})
    return km, kc, KernelHarness(kc)


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    path = tmp_path / "nb.py"
    doc = NotebookDoc(
        cells=(
            NotebookCell(id="a", type="python", code="a = 5"),
            NotebookCell(id="b", type="python", code="b = a * 2\nprint('b is', b)"),
        ),
        metadata={},
    )
    path.write_text(dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def bound(notebook: Path) -> Iterator[KernelHarness]:
    km, kc, h = bound_kernel(notebook)
    try:
        yield h
    finally:
        stop_kernel(km, kc)


def cells_in(path: Path) -> list[tuple[str, str]]:
    return [(c.id, c.code) for c in loads(path.read_text(encoding="utf-8")).cells]


def test_loads_cells_at_start(bound: KernelHarness, notebook: Path) -> None:
    snap = bound.snapshot()
    assert [c["id"] for c in snap["cells"]] == ["a", "b"]
    assert snap["notebook_path"] == str(notebook) and snap["notebook_error"] is None
    r = bound.comm("run", cell_id="b")
    assert r.text("b") == "b is 10\n"


def test_every_change_is_on_disk_before_its_reply(bound: KernelHarness, notebook: Path) -> None:
    bound.comm("create", cell_id="c", code="c = b + 1", after="a")
    assert cells_in(notebook) == [
        ("a", "a = 5"),
        ("c", "c = b + 1"),
        ("b", "b = a * 2\nprint('b is', b)"),
    ]
    bound.comm("register", cell_id="a", code="a = 7")
    assert cells_in(notebook)[0] == ("a", "a = 7")
    bound.comm("move", cell_id="c", after=None)
    assert [i for i, _ in cells_in(notebook)] == ["a", "b", "c"]
    bound.comm("delete", cell_id="b")
    assert [i for i, _ in cells_in(notebook)] == ["a", "c"]
    bound.execute("d = 1", cell_id="lab-cell")
    assert ("lab-cell", "d = 1") in cells_in(notebook)
    leftovers = [p.name for p in notebook.parent.iterdir() if p.name != notebook.name]
    assert leftovers == []  # no temporary files left behind


def test_run_on_open(notebook: Path) -> None:
    km, kc, h = bound_kernel(notebook, REACTIVE_RUN_ON_OPEN="1")
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            statuses = [c["status"] for c in h.snapshot()["cells"]]
            if statuses == ["success", "success"] or time.monotonic() > deadline:
                break
        assert statuses == ["success", "success"]
        assert h.value("b") == "10"
    finally:
        stop_kernel(km, kc)


def test_unparsable_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    original = b'# %% id="ok"\nx = 1\n# %% id="a b c" type="nonsense"\ny = 2\n'
    path.write_bytes(original)
    km, kc, h = bound_kernel(path)
    try:
        snap = h.snapshot()
        assert snap["cells"] == [] and "broken.py" in snap["notebook_error"]
        r = h.comm("create", cell_id="new", code="z = 1")
        assert r.reply and r.reply["ok"] is False and r.reply["error"]["code"] == "save_failed"
        r = h.execute("w = 1", cell_id="lab")
        assert r.reply and r.reply["status"] == "ok"  # the cell runs; the file is kept
        assert "not saved" in r.text()
        assert path.read_bytes() == original
    finally:
        stop_kernel(km, kc)


def test_missing_file_is_created_on_first_change(tmp_path: Path) -> None:
    path = tmp_path / "new.py"
    km, kc, h = bound_kernel(path)
    try:
        assert h.snapshot()["cells"] == [] and not path.exists()
        h.comm("create", cell_id="first", code="x = 1")
        assert cells_in(path) == [("first", "x = 1")]
    finally:
        stop_kernel(km, kc)


KILLS = int(os.environ.get("REACTIVE_TEST_KILLS", "100"))


@pytest.mark.timeout(900)
def test_sigkill_during_rapid_edits_never_loses_an_acknowledged_change(tmp_path: Path) -> None:
    """SIGKILL the kernel at random moments while edits stream in, 100 times:
    the file always parses and holds every change whose reply arrived."""
    rng = random.Random(20261121)
    with_acks = mid_stream = 0
    for attempt in range(KILLS):
        path = tmp_path / f"nb{attempt}.py"
        km, kc, h = bound_kernel(path)
        acked: dict[str, int] = {}  # cell id -> highest value whose reply arrived
        sent: dict[str, tuple[str, int]] = {}  # request id -> (cell id, value)
        try:
            pid = km.provisioner.process.pid  # type: ignore[union-attr]
            ids = [f"c{i}" for i in range(4)]
            for n in range(40):  # queue the edits; the kernel works through them
                cid = ids[n % 4]
                req = f"{attempt}-{n}"
                sent[req] = (cid, n)
                op = "create" if n < 4 else "register"
                h.send_comm({"op": op, "req": req, "cell_id": cid, "code": f"v_{cid} = {n}"})
            kill_after = rng.randint(1, 30)  # replies seen before the SIGKILL
            replies, killed = 0, False
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                try:
                    msg = kc.get_iopub_msg(timeout=0.5 if killed else TIMEOUT)
                except Exception:
                    break
                data = msg["content"].get("data", {}) if msg["msg_type"] == "comm_msg" else {}
                if data.get("event") == "reply" and data.get("ok") and data.get("req") in sent:
                    cid, value = sent[data["req"]]
                    acked[cid] = max(acked.get(cid, -1), value)
                    replies += 1
                    if replies == kill_after and not killed:
                        os.kill(pid, signal.SIGKILL)
                        killed = True
            assert killed, f"attempt {attempt}: only {replies} replies"
            with_acks += bool(acked)
            mid_stream += replies < len(sent)
            on_disk = {
                c.id: int(c.code.rsplit("= ", 1)[1]) for c in loads(path.read_text("utf-8")).cells
            }
            for cid, value in acked.items():
                assert cid in on_disk, f"attempt {attempt}: acknowledged cell {cid} missing"
                assert on_disk[cid] >= value, f"attempt {attempt}: {cid} lost edit {value}"
        finally:
            kc.stop_channels()
            if km.is_alive():  # the kill did not happen: leave no kernel behind
                km.shutdown_kernel(now=True)
            else:
                km.cleanup_resources()
    # The kills really landed mid-stream, after some replies and before others.
    assert with_acks == KILLS and mid_stream >= KILLS * 9 // 10, (with_acks, mid_stream)
