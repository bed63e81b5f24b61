"""execute_request paths (JupyterLab, console), several clients, interrupts."""

from __future__ import annotations

import re
import threading
import time

from harness import TIMEOUT, KernelHarness, connect_client, start_kernel, stop_kernel

from reactive_kernel.core.protocol import per_cell_statuses

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # tracebacks colour each token


def test_jupyterlab_execute_creates_and_runs_cells(kernel: KernelHarness, uid: str) -> None:
    a, b = f"la{uid}", f"lb{uid}"
    r = kernel.execute(f"{a} = 3", cell_id=a)
    assert r.reply and r.reply["status"] == "ok"
    assert r.of("cell_created")[0]["cell"]["id"] == a
    r = kernel.execute(f"{b} = {a} * 2\n{b}", cell_id=b)
    [result] = [m for m in r.iopub if m["msg_type"] == "execute_result"]
    # The cell that was run keeps the request's own msg_id (JupyterLab shows it).
    assert result["parent_header"]["msg_id"] == r.msg_id
    assert result["parent_header"]["cellId"] == b
    assert result["content"]["data"]["text/plain"] == "6"
    assert r.reply["execution_count"] == result["content"]["execution_count"]
    [inp] = [m for m in r.iopub if m["msg_type"] == "execute_input"]
    assert inp["content"]["execution_count"] == r.reply["execution_count"]
    # Editing and running the upstream cell re-runs b under a derived msg_id.
    r = kernel.execute(f"{a} = 10", cell_id=a)
    [result] = [m for m in r.iopub if m["msg_type"] == "execute_result"]
    assert result["parent_header"]["msg_id"] == f"{r.msg_id}:{b}"
    assert result["content"]["data"]["text/plain"] == "20"
    assert r.reply["status"] == "ok"


def test_jupyterlab_deleted_cells_are_deleted_first(kernel: KernelHarness, uid: str) -> None:
    a, b, c = f"da{uid}", f"db{uid}", f"dc{uid}"
    kernel.execute(f"{a} = 1", cell_id=a)
    kernel.execute(f"{b} = {a} + 1", cell_id=b)
    r = kernel.execute(f"{c} = 5", cell_id=c, deleted=[a, "never-seen-id"])
    assert r.of("cell_deleted")[0]["cell_id"] == a
    assert r.reply and r.reply["status"] == "ok"
    cells = kernel.cells()
    assert a not in cells
    assert cells[b]["status"] == "error" and cells[b]["error"]["ename"] == "NameError"
    assert cells[c]["status"] == "success"


def test_execute_reply_is_error_only_when_the_cell_failed(kernel: KernelHarness, uid: str) -> None:
    a, b = f"ea{uid}", f"eb{uid}"
    kernel.execute(f"{a} = 1", cell_id=a)
    kernel.execute(f"{b} = 1 / ({a} - 1)", cell_id=b)
    r = kernel.execute(f"{a} = 2", cell_id=a)
    assert r.reply and r.reply["status"] == "ok"  # b failed before; now b succeeds
    r = kernel.execute(f"{a} = 1", cell_id=a)
    assert r.reply and r.reply["status"] == "ok"  # a is fine, b fails
    assert kernel.cells()[b]["error"]["ename"] == "ZeroDivisionError"
    r = kernel.execute("raise ValueError('nope')", cell_id=f"bad{uid}")
    assert r.reply and r.reply["status"] == "error" and r.reply["ename"] == "ValueError"


def test_blocked_cell_execute_shows_why(kernel: KernelHarness, uid: str) -> None:
    kernel.execute(f"same{uid} = 1", cell_id=f"s1{uid}")
    r = kernel.execute(f"same{uid} = 2", cell_id=f"s2{uid}")
    assert r.reply and r.reply["status"] == "error"
    assert r.reply["ename"] == "MultipleDefinitionError"
    [err] = [m for m in r.iopub if m["msg_type"] == "error"]
    assert err["parent_header"]["msg_id"] == r.msg_id


def test_console_scratch_input_triggers_cascade_inline(kernel: KernelHarness, uid: str) -> None:
    kernel.create(f"sc{uid}", f"print('double', k{uid} * 2)")
    r = kernel.execute(f"k{uid} = 21")
    assert r.reply and r.reply["status"] == "ok"
    assert r.text().startswith("double 42\n↻ re-ran 1 dependent cell:")  # then a summary
    [out] = r.outputs(f"sc{uid}")
    assert out["parent_header"]["msg_id"] == r.msg_id  # console sees it inline
    assert r.of("cascade_started")[0]["trigger"] == {"op": "execute", "cell_id": None}


def test_silent_execute_triggers_nothing(kernel: KernelHarness, uid: str) -> None:
    kernel.create(f"si{uid}", f"print('ran', s{uid})")
    r = kernel.execute(f"s{uid} = 1", silent=True)
    assert not r.of("cascade_started")


def test_three_clients_each_see_every_event_once(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    km = k.manager  # type: ignore[attr-defined]
    others = [connect_client(km) for _ in range(2)]
    try:
        peers = [KernelHarness(c) for c in others]
        k.create("a", "a = 1")
        k.create("b", "b = a + 1")
        r = k.comm("run", cell_id="b")
        mine = [e for e in r.events]
        for peer in peers:
            seen = peer.collect(r.msg_id).events
            assert seen == mine  # same events, same order, no duplicates
        assert [e["event"] for e in mine].count("cascade_finished") == 1
        snaps = [k.snapshot(), *(p.snapshot() for p in peers)]
        assert snaps[0] == snaps[1] == snaps[2]
    finally:
        for c in others:
            c.stop_channels()


def test_interrupt_mid_cascade_leaves_rest_stale(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    km = k.manager  # type: ignore[attr-defined]
    k.create("a", "a = 1")
    k.create("slow", "import time\nfor _ in range(600):\n    time.sleep(0.05)\nslow = a")
    k.create("after", "after = slow + 1")
    k.create("later", "later = after + 1")
    msg_id = k.send_comm({"op": "run", "req": "int", "cell_id": "a"})
    running = threading.Event()

    def wait_running() -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            msg = k.client.get_iopub_msg(timeout=TIMEOUT)
            k.backlog.append(msg)
            data = msg["content"].get("data", {}) if msg["msg_type"] == "comm_msg" else {}
            for change in per_cell_statuses(data):
                if change["cell_id"] == "slow" and change["status"] == "running":
                    running.set()
                    return

    wait_running()
    assert running.is_set()
    started = time.monotonic()
    km.interrupt_kernel()
    r = k.collect(msg_id)
    assert time.monotonic() - started < 10
    final = {e["cell_id"]: e for e in r.of("cell_status")}
    assert final["a"]["status"] == "success"
    assert (
        final["slow"]["status"] == "error"
        and final["slow"]["error"]["ename"] == "KeyboardInterrupt"
    )
    traceback = ANSI.sub("", "".join(final["slow"]["error"]["traceback"]))
    assert "time.sleep" in traceback and "reactive_kernel" not in traceback  # user code only
    assert final["after"]["status"] == "stale" and final["later"]["status"] == "stale"
    assert r.of("reply")[0]["ok"] is True
    # The kernel keeps serving, and the stale cells run on request.
    k.comm("register", cell_id="slow", code="slow = a * 100")
    r = k.comm("run", cell_id="later")
    assert k.value("later") == "102"


def test_kernel_survives_hostile_cells(kernel: KernelHarness, uid: str) -> None:
    cases = {
        f"exit{uid}": ("raise SystemExit(3)", "SystemExit"),
        f"kbi{uid}": ("raise KeyboardInterrupt", "KeyboardInterrupt"),
        f"syn{uid}": ("def broken(:\n    pass", "SyntaxError"),
        f"bid{uid}": ("import builtins\ndel builtins.len", "BuiltinsDamaged"),
        f"bns{uid}": ("del __builtins__", "BuiltinsDamaged"),
        f"gen{uid}": ("raise GeneratorExit", "GeneratorExit"),
    }
    for cell_id, (code, ename) in cases.items():
        r = kernel.execute(code, cell_id=cell_id)
        assert r.reply and r.reply["status"] == "error", code
        assert r.reply["ename"] == ename, (code, r.reply)
        assert kernel.cells()[cell_id]["error"]["ename"] == ename
    r = kernel.execute("print(len([1, 2, 3]))", cell_id=f"ok{uid}")
    assert r.text() == "3\n"


def test_restart_gives_an_empty_notebook() -> None:
    km, kc = start_kernel()
    try:
        k = KernelHarness(kc)
        k.create("a", "a = 1")
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=60)
        k.backlog.clear()
        assert k.snapshot()["cells"] == []
    finally:
        stop_kernel(km, kc)


def test_summary_of_the_cascade_ends_the_run_cells_output(kernel: KernelHarness, uid: str) -> None:
    a, b, c = f"sa{uid}", f"sb{uid}", f"sc{uid}"
    kernel.execute(f"{a} = 1", cell_id=a)
    kernel.execute(f"{b} = {a} + 1\n{b}", cell_id=b)
    kernel.execute(f"{c} = 1 / ({b} - 3)", cell_id=c)
    r = kernel.execute(f"{a} = 2", cell_id=a)
    summaries = [
        m
        for m in r.iopub
        if m["msg_type"] == "display_data" and m["content"]["metadata"].get("reactive")
    ]
    assert len(summaries) == 1
    [summary] = summaries
    assert summary["parent_header"]["msg_id"] == r.msg_id  # shown in the run cell
    text = summary["content"]["data"]["text/plain"]
    assert text.startswith("↻ re-ran 2 dependent cells, 1 not ok")
    assert f"✓ {b} = {a} + 1: ok" in text and "ZeroDivisionError" in text  # first lines
    assert r.iopub.index(summary) > max(
        r.iopub.index(m) for m in r.iopub if m["parent_header"].get("cellId") == c
    )
    # A front end that shows cascades itself turns it off.
    reply = kernel.comm("configure", summary=False).reply
    assert reply and reply["ok"] and reply["summary"] is False
    r = kernel.execute(f"{a} = 5", cell_id=a)
    assert not [m for m in r.iopub if m["content"].get("metadata", {}).get("reactive")]
    kernel.comm("configure", summary=True)
    r = kernel.execute(f"{c} = 0", cell_id=c)  # nothing else re-ran: no summary
    assert not [m for m in r.iopub if m["content"].get("metadata", {}).get("reactive")]


def test_summary_shows_the_run_cells_diagnostics(kernel: KernelHarness, uid: str) -> None:
    """Front ends without the extension see a mutates-foreign warning in the run cell."""
    owner, mut, reader = f"wo{uid}", f"wm{uid}", f"wr{uid}"
    kernel.execute(f"lst_{uid} = []", cell_id=owner)
    r = kernel.execute(f"lst_{uid}.append(1)", cell_id=mut)
    [summary] = [m for m in r.iopub if m["content"].get("metadata", {}).get("reactive")]
    assert summary["parent_header"]["msg_id"] == r.msg_id
    text = summary["content"]["data"]["text/plain"]
    assert text.startswith(f"⚠ This cell mutates lst_{uid}, which cell {owner} defines")
    assert "↻" not in text  # nothing else re-ran
    assert "⚠" in summary["content"]["data"]["text/html"]
    kernel.execute(f"n_{uid} = len(lst_{uid})", cell_id=reader)
    r = kernel.execute(f"lst_{uid} = [1, 2]", cell_id=owner)  # the owner: no warning
    [summary] = [m for m in r.iopub if m["content"].get("metadata", {}).get("reactive")]
    assert "⚠" not in summary["content"]["data"]["text/plain"]
