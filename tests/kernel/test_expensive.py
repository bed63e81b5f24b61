"""Lazy mode, disabled cells and the result cache through real kernels
(PROTOCOL.md section 8): restart and reopen hit the cache with identical
outputs and values, an upstream edit misses only below it, SQL keys cover the
database and bound values, an unpicklable value gives a diagnostic."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import KernelHarness, start_kernel, stop_kernel

from reactive_kernel.core.nbformat_percent import NotebookCell, NotebookDoc, dumps, loads

pytest.importorskip("numpy")
pytest.importorskip("pandas")


def statuses(h: KernelHarness) -> dict[str, str]:
    return {cid: c["status"] for cid, c in h.cells().items()}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Jupyter data dir of this module's kernels (the cache signing key goes there)."""
    return tmp_path_factory.mktemp("jupyter-data")


@pytest.fixture(scope="module")
def kernel(data_dir: Path) -> Iterator[KernelHarness]:
    """One kernel for the module's tests on unbound notebooks (unique ids and names)."""
    km, kc = start_kernel(env={**os.environ, "JUPYTER_DATA_DIR": str(data_dir)})
    try:
        yield KernelHarness(kc)
    finally:
        stop_kernel(km, kc)


def ok(result: Any) -> Any:
    assert result.reply and result.reply["ok"], result.reply
    return result


# -- lazy mode and disabled cells (one kernel for the module) ---------------------


def test_lazy_mode_marks_below_stale_and_run_brings_ancestors_up_to_date(
    kernel: KernelHarness, uid: str
) -> None:
    a, b, c = f"a{uid}", f"b{uid}", f"c{uid}"
    kernel.create(a, f"{a} = 1")
    kernel.create(b, f"{b} = {a} + 1")
    kernel.create(c, f"{c} = {b} + 1")
    ok(kernel.comm("run", cell_id=a))
    assert kernel.value(c) == "3"
    reply = ok(kernel.comm("configure", mode="lazy")).reply
    assert reply["mode"] == "lazy" and reply["cache_limit_mb"] == 1024
    try:
        edit = ok(kernel.comm("register", cell_id=a, code=f"{a} = 10", run=True))
        assert edit.statuses(a)[-1] == "success"
        assert edit.of("cascade_started")[0]["plan"] == [a]  # b and c marked, not run
        assert statuses(kernel)[b] == statuses(kernel)[c] == "stale"
        assert kernel.value(a) == "10" and kernel.value(b) == "2"  # b still holds its old value
        run_c = ok(kernel.comm("run", cell_id=c))  # brings b up to date first
        assert run_c.of("cascade_started")[0]["plan"] == [b, c]
        assert kernel.value(c) == "12"
        again = ok(kernel.comm("run", cell_id=a))  # a re-run of a marks what is below stale
        assert [(s["cell_id"], s["status"]) for s in again.of("cell_status")][-1] == (a, "success")
        marked = [e for e in again.of("cell_statuses") if e["cascade_id"] is None]
        assert [(s["cell_id"], s["status"]) for s in marked[0]["statuses"]] == [
            (b, "stale"),
            (c, "stale"),
        ]
        ok(kernel.comm("run", cell_id=c))
        ok(kernel.comm("register", cell_id=b, code=f"{b} = {a} + 2"))
        assert statuses(kernel)[c] == "stale"
        ok(kernel.comm("run_all"))
        assert kernel.value(c) == "13" and statuses(kernel)[c] == "success"
        # deleting a cell in lazy mode runs nothing below it
        gone = ok(kernel.comm("delete", cell_id=b))
        assert not gone.of("cascade_started") and statuses(kernel)[c] == "stale"
    finally:
        ok(kernel.comm("configure", mode="auto"))
    assert kernel.snapshot()["mode"] == "auto"


def test_disabled_cell_and_descendants_do_not_run_and_bind_nothing(
    kernel: KernelHarness, uid: str
) -> None:
    a, b, c = f"a{uid}", f"b{uid}", f"c{uid}"
    kernel.create(a, f"{a} = 1")
    kernel.create(b, f"{b} = {a} + 1")
    kernel.create(c, f"{c} = {b} + 1")
    ok(kernel.comm("run", cell_id=a))
    off = ok(kernel.comm("configure_cell", cell_id=b, disabled=True))
    updated = off.of("cell_updated")[0]
    assert updated["cell"]["disabled"] is True and updated["cell"]["status"] == "disabled"
    assert {s["cell_id"]: s["status"] for s in updated["statuses"]} == {c: "disabled"}
    cells = kernel.cells()
    assert cells[b]["disabled_by"] is None and cells[c]["disabled_by"] == b
    assert kernel.value(b) == "NameError" and kernel.value(c) == "NameError"
    rerun = ok(kernel.comm("run", cell_id=a))
    assert rerun.of("cascade_started")[0]["plan"] == [a]
    assert ok(kernel.comm("run", cell_id=c)).reply["status"] == "disabled"
    # a new cell below a disabled one is disabled at once
    d = f"d{uid}"
    created = kernel.create(d, f"{d} = {c} * 2").of("cell_created")[0]
    assert created["cell"]["status"] == "disabled" and created["cell"]["disabled_by"] == b
    on = ok(kernel.comm("configure_cell", cell_id=b, disabled=False))  # auto mode: they run
    assert on.of("cascade_started")[0]["plan"] == [b, c, d]
    assert kernel.value(d) == "6" and statuses(kernel)[d] == "success"


def test_configure_cell_and_configure_reject_bad_arguments(kernel: KernelHarness) -> None:
    bad = kernel.comm("configure_cell", cell_id="nope", disabled=True).reply
    assert bad is not None and bad["error"]["code"] == "unknown_cell"
    bad = kernel.comm("configure", mode="eager").reply
    assert (
        bad is not None
        and bad["error"]["code"] == "bad_request"
        and "mode" in bad["error"]["message"]
    )
    bad = kernel.comm("configure", cache_limit_mb=0).reply
    assert bad is not None and bad["error"]["code"] == "bad_request"


# -- the cache across restarts (kernels bound to a file) --------------------------

CELLS = (
    NotebookCell(
        "arr",
        "python",
        "import numpy as np\narr = np.arange(1_000_000) * 2\nprint('made', arr.sum())",
        cache=True,
    ),
    NotebookCell(
        "frame",
        "python",
        "import pandas as pd\nframe = pd.DataFrame({'x': arr[:5]})\nframe",
        cache=True,
    ),
    NotebookCell(
        "fn", "python", "def scale(v):\n    return v * 3\nclass Box:\n    size = 4", cache=True
    ),
    NotebookCell("use", "python", "total = scale(int(frame.x.sum())) + Box.size\nprint(total)"),
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "data")}


def open_kernel(path: Path, env: dict[str, str]) -> tuple[Any, Any, KernelHarness]:
    km, kc = start_kernel(env={**env, "REACTIVE_NOTEBOOK": str(path)})
    return km, kc, KernelHarness(kc)


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    path = tmp_path / "nb.py"
    path.write_text(dumps(NotebookDoc(CELLS, {})), encoding="utf-8")
    return path


def run_all(h: KernelHarness) -> tuple[Any, dict[str, dict[str, Any]]]:
    result = ok(h.comm("run_all", timeout=60))
    return result, h.cells()


def test_reopen_restores_values_and_outputs_from_the_cache(
    notebook: Path, env: dict[str, str]
) -> None:
    km, kc, h = open_kernel(notebook, env)
    try:
        first, before = run_all(h)
        assert all(c["status"] == "success" and not c["cached"] for c in before.values())
        assert [c["cache"] for c in before.values()] == [True, True, True, False]
        values = [h.value(e) for e in ("arr[-3:]", "frame", "scale(2)", "Box.size", "total")]
    finally:
        stop_kernel(km, kc)
    assert (notebook.parent / "__reactive_cache__" / "nb.py").is_dir()
    key = notebook.parent / "data" / "reactive-cache.key"
    assert key.stat().st_mode & 0o777 == 0o600
    km, kc, h = open_kernel(notebook, env)  # a new kernel on the same file
    try:
        again, after = run_all(h)
        hits = {e["cell_id"] for e in again.of("cell_status") if e.get("cached")}
        assert hits == {"arr", "frame", "fn"}
        assert "running" not in again.statuses("arr") + again.statuses("frame")
        assert again.statuses("use") == ["running", "success"]
        for cid in ("arr", "frame", "fn"):
            assert after[cid]["status"] == "success" and after[cid]["cached"] is True
            assert after[cid]["outputs"] == before[cid]["outputs"]
        assert again.text("arr") == first.text("arr") == "made 999999000000\n"
        assert [
            h.value(e) for e in ("arr[-3:]", "frame", "scale(2)", "Box.size", "total")
        ] == values
        assert h.value("type(arr).__name__") == "'ndarray'"
        assert h.value("arr.flags.writeable") == "True"
        # an edit upstream misses below it only
        code = "import pandas as pd\nframe = pd.DataFrame({'x': arr[:6]})\nframe"
        edit = ok(h.comm("register", cell_id="frame", code=code, run=True))
        assert edit.statuses("frame") == ["running", "success"]
        assert edit.statuses("use") == ["running", "success"]
        assert h.cells()["frame"]["cached"] is False
        assert h.value("total") == str(3 * sum(range(0, 12, 2)) + 4)
        rerun = ok(h.comm("run", cell_id="arr"))  # arr and the new frame are hits now
        assert {e["cell_id"] for e in rerun.of("cell_status") if e.get("cached")} == {
            "arr",
            "frame",
        }
    finally:
        stop_kernel(km, kc)
    doc = loads(notebook.read_text(encoding="utf-8"))
    assert [c.cache for c in doc.cells] == [True, True, True, False]


def test_unpicklable_value_gives_a_diagnostic_and_runs_normally(kernel: KernelHarness) -> None:
    h = kernel
    h.create("lock", "import threading\nlock = threading.Lock()")
    ok(h.comm("configure_cell", cell_id="lock", cache=True))
    run = ok(h.comm("run", cell_id="lock"))
    assert run.statuses("lock")[-1] == "success"
    cell = h.cells()["lock"]
    assert [d["code"] for d in cell["diagnostics"]] == ["uncacheable"]
    assert "lock" in cell["diagnostics"][0]["message"]
    assert cell["diagnostics"][0]["names"] == ["lock"]
    again = ok(h.comm("run", cell_id="lock"))
    assert again.statuses("lock") == ["running", "success"]
    ok(h.comm("configure_cell", cell_id="lock", cache=False))
    assert h.cells()["lock"]["diagnostics"] == []


def test_sql_key_covers_the_database_and_bound_values(
    kernel: KernelHarness, tmp_path: Path
) -> None:
    h = kernel
    h.execute("n = 1")  # bound by a console input, not by a cell
    h.create("q", "SELECT :n AS v", cell_type="sql", name="rows")
    ok(h.comm("configure_cell", cell_id="q", cache=True))
    assert ok(h.comm("run", cell_id="q")).statuses("q")[-1] == "success"
    hit = ok(h.comm("run", cell_id="q"))
    assert [e.get("cached") for e in hit.of("cell_status")] == [True]
    h.execute("n = 2")  # the cell re-runs: a new bound value is a miss
    assert h.value("int(rows.v[0])") == "2" and h.cells()["q"]["cached"] is False
    ok(h.comm("set_database", url=f"sqlite:///{tmp_path / 'other.db'}"))
    assert h.cells()["q"]["cached"] is False and h.value("int(rows.v[0])") == "2"
    assert ok(h.comm("run", cell_id="q")).of("cell_status")[0].get("cached") is True
    dropped = ok(h.comm("clear_cache", cell_id="q")).reply
    assert dropped["dropped"] >= 1
    assert ok(h.comm("run", cell_id="q")).statuses("q") == ["running", "success"]


def test_console_magics_set_mode_options_and_clear_the_cache(kernel: KernelHarness) -> None:
    h = kernel
    h.create("m1", "m1 = 1")
    h.create("m2", "m2 = m1 + 1")
    ok(h.comm("run", cell_id="m1"))
    assert "mode: lazy" in h.execute("%reactive mode lazy").text()
    assert h.snapshot()["mode"] == "lazy"
    run = h.execute("m1 = 5", cell_id="m1")  # a client without the extension is told
    summary = [
        m["content"]["data"]["text/plain"]
        for m in run.outputs("m1")
        if m["msg_type"] == "display_data"
    ]
    assert summary and "lazy mode: 1 dependent cell is now stale" in summary[-1]
    assert statuses(h)["m2"] == "stale"
    assert "disabled" in h.execute("%reactive disable m2").text()
    table = h.execute("%reactive cells").text()
    assert "disabled" in table
    h.execute("%reactive enable m2")
    assert statuses(h)["m2"] == "stale"  # lazy: enabled again, not run
    h.execute("%reactive cache m1 on")
    assert h.cells()["m1"]["cache"] is True
    assert (
        "[cache]" in h.execute("%reactive cells").text()
        or "cached" in h.execute("%reactive cells").text()
    )
    assert "dropped" in h.execute("%reactive clear-cache").text()
    assert "mode: auto" in h.execute("%reactive mode auto").text()
    assert "Usage" in h.execute("%reactive cache m1 maybe").text()


# -- headless run -------------------------------------------------------------------


def headless(path: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "reactive_kernel", "run", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_headless_run_uses_the_cache_and_no_cache_runs_everything(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "stamp.py"
    cells = (
        NotebookCell("t", "python", "import time\nt = time.time_ns()\nprint(t)", cache=True),
        NotebookCell("off", "python", "raise SystemExit('must not run')", disabled=True),
    )
    path.write_text(dumps(NotebookDoc(cells, {})), encoding="utf-8")
    first = headless(path, env)
    assert "1 disabled" in first and "[off] disabled: not run" in first
    stamp = [line for line in first.splitlines() if line.startswith("[t] ")]
    assert len(stamp) == 1
    assert stamp[0] in headless(path, env)  # restored: the same output
    assert (tmp_path / "__reactive_cache__" / "stamp.py").is_dir()
    assert stamp[0] not in headless(path, env, "--no-cache")
