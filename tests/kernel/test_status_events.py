"""No status change is lost in a big cascade, and status events come batched.

A 10,000-cell chain (bound from a notebook file), two jupyter_client clients
with their default receive high-water mark, one of which reads nothing until
the cascade is over, and a CPU burner competing for the two cores: before the
IOPub socket's high-water mark was lifted, the kernel dropped thousands of
messages for the slow client (PUB sockets drop, they never block).
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from pathlib import Path
from typing import Any

import pytest
from harness import connect_client, start_kernel, stop_kernel

N = 10_000
DEADLINE = 90.0  # seconds for the cascade and both clients' reading


def changes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The status changes one comm event carries (either form)."""
    if data.get("event") == "cell_status":
        return [data]
    if data.get("event") == "cell_statuses":
        return list(data["statuses"])
    return []


def burn(stop: Any) -> None:
    while not stop.is_set():
        sum(range(100_000))


def follow(client: Any, msg_id: str, deadline: float) -> dict[str, Any]:
    """Every IOPub message of the request until its idle: final status per
    cell, the number of status events and of status changes, the reply."""
    final: dict[str, str] = {}
    seen: dict[str, Any] = {"events": 0, "changes": 0, "reply": None, "finished": None}
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(
                f"lost messages: no idle; {len(final)} cells heard of, {seen['changes']} changes"
            )
        try:
            msg = client.get_iopub_msg(timeout=remaining)
        except queue.Empty:
            continue
        parent = msg["parent_header"].get("msg_id", "")
        if parent != msg_id and not parent.startswith(msg_id + ":"):
            continue
        if msg["msg_type"] == "status" and parent == msg_id:
            if msg["content"]["execution_state"] == "idle":
                break
        if msg["msg_type"] != "comm_msg":
            continue
        data = msg["content"]["data"]
        entries = changes(data)
        if entries:
            seen["events"] += 1
            seen["changes"] += len(entries)
            for entry in entries:
                final[entry["cell_id"]] = entry["status"]
        elif data.get("event") == "reply":
            seen["reply"] = data
        elif data.get("event") == "cascade_finished":
            seen["finished"] = data
    seen["final"] = final
    return seen


@pytest.fixture
def chain_kernel(tmp_path: Path) -> Any:
    path = tmp_path / "chain.py"
    cells = [f'# %% id="c{i}"\nx{i} = {"0" if i == 0 else f"x{i - 1} + 1"}\n' for i in range(N)]
    path.write_text("\n".join(cells))
    km, kc = start_kernel(env={"REACTIVE_NOTEBOOK": str(path)})
    other = connect_client(km)
    try:
        yield km, kc, other
    finally:
        other.stop_channels()
        stop_kernel(km, kc)


def test_big_cascade_under_load_loses_nothing(chain_kernel: Any) -> None:
    _km, kc, other = chain_kernel
    for client in (kc, other):  # both subscribed and quiet before the cascade
        while True:
            try:
                client.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                break
    stop = multiprocessing.Event()
    burner = multiprocessing.Process(target=burn, args=(stop,), daemon=True)
    burner.start()
    try:
        msg = kc.session.msg(
            "comm_msg", {"comm_id": "reactive", "data": {"op": "run", "req": "go", "cell_id": "c0"}}
        )
        kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        deadline = time.monotonic() + DEADLINE
        first = follow(kc, msg_id, deadline)
        # The second client has read nothing so far: its whole cascade waits
        # in the kernel's queue (well past the default 1,000 messages).
        second = follow(other, msg_id, deadline)
    finally:
        stop.set()
        burner.join(10)
    for seen in (first, second):
        assert seen["reply"] is not None and seen["reply"]["ok"], seen["reply"]
        assert seen["finished"] is not None and seen["finished"]["succeeded"] == N
        assert seen["changes"] == 2 * N  # running and success, for every cell
        assert len(seen["final"]) == N
        assert set(seen["final"].values()) == {"success"}
        # Coalesced: far fewer status events than status changes.
        assert seen["events"] <= N // 10, seen["events"]


def _timeline(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(what, cell) in arrival order: status changes and outputs."""
    out: list[tuple[str, str]] = []
    for m in messages:
        if m["msg_type"] == "comm_msg":
            for entry in changes(m["content"]["data"]):
                out.append((entry["status"], entry["cell_id"]))
        elif m["msg_type"] in ("stream", "execute_result", "display_data", "error"):
            out.append((m["msg_type"], m["parent_header"].get("cellId", "")))
    return out


def test_a_cells_running_status_precedes_its_outputs(fresh_kernel: Any) -> None:
    """Batched statuses are handed over before any output: stdout (sent by the
    IOPub thread), display data and an error (sent by the main thread)."""
    k = fresh_kernel
    k.create("p0", "p0 = 1")
    k.create("p1", "print('one', p0)\np1 = p0 + 1")
    k.create("p2", "from IPython.display import display\ndisplay(p1)\np2 = p1")
    k.create("p3", "p2\nraise ValueError('three')")
    r = k.comm("run", cell_id="p0")
    timeline = _timeline(r.iopub)
    for cell, output in (("p1", "stream"), ("p2", "display_data"), ("p3", "error")):
        assert timeline.index(("running", cell)) < timeline.index((output, cell)), timeline
    assert [e for e in r.events if e.get("event") == "cell_status"] == []
    assert len([e for e in r.events if e.get("event") == "cell_statuses"]) <= 4


def test_configure_per_cell_status_events(fresh_kernel: Any) -> None:
    k = fresh_kernel
    bad = k.comm("configure", status_events="each")
    assert bad.reply is not None and bad.reply["ok"] is False
    assert bad.reply["error"]["code"] == "bad_request"
    r = k.comm("configure", status_events="per_cell")
    assert r.reply is not None and r.reply["status_events"] == "per_cell"
    k.create("q0", "q0 = 1")
    k.create("q1", "q1 = q0 + 1")
    r = k.comm("run", cell_id="q0")
    per_cell = [(e["status"], e["cell_id"]) for e in r.events if e.get("event") == "cell_status"]
    assert per_cell == [("running", "q0"), ("success", "q0"), ("running", "q1"), ("success", "q1")]
    assert all(e["total"] == 2 for e in r.events if e.get("event") == "cell_status")
    assert [e for e in r.events if e.get("event") == "cell_statuses"] == []
    r = k.comm("configure", status_events="batched")
    assert r.reply is not None and r.reply["status_events"] == "batched"
    r = k.comm("run", cell_id="q0")
    # batched again: no per-cell events (a loaded machine may flush more than one batch)
    kinds = [e["event"] for e in r.events if "status" in e["event"]]
    assert kinds and set(kinds) == {"cell_statuses"}, kinds
