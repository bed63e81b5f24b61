"""Widgets as reactive inputs (PROTOCOL.md section 7), through a real kernel.

The test plays a front end: it sends the ``comm_msg`` updates a widget manager
sends when a slider moves, and watches the cascades that follow on IOPub.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from harness import TIMEOUT, KernelHarness

pytest.importorskip("ipywidgets")


def move(k: KernelHarness, model_id: str, **state: Any) -> str:
    """What a widget manager sends when the user changes a widget."""
    msg = k.client.session.msg(
        "comm_msg",
        {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": []}},
    )
    k.client.shell_channel.send(msg)
    return str(msg["header"]["msg_id"])


def model(k: KernelHarness, expr: str) -> str:
    return str(k.value(f"{expr}.model_id")).strip("'")


def widget_cascades(k: KernelHarness) -> int:
    return int(k.value("get_ipython().kernel.widget_inputs.cascades"))


def events(msgs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        m["content"]["data"]
        for m in msgs
        if m["msg_type"] == "comm_msg" and m["content"]["data"].get("event") == kind
    ]


def text_of(msgs: list[dict[str, Any]], cell_id: str) -> str:
    return "".join(
        m["content"]["text"]
        for m in msgs
        if m["msg_type"] == "stream" and m["parent_header"].get("cellId") == cell_id
    )


def until(k: KernelHarness, done: Any, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
    """IOPub messages (all of them, backlog first) until ``done(msgs)`` holds."""
    msgs, k.backlog = list(k.backlog), []
    deadline = time.monotonic() + timeout
    while not done(msgs):
        try:
            msgs.append(k._iopub(deadline))
        except TimeoutError:
            seen = [
                (m["msg_type"], m["parent_header"].get("cellId"), str(m["content"])[:300])
                for m in msgs
            ]
            raise TimeoutError(f"condition not met; IOPub had {seen}") from None
    return msgs


def finished_with(cell_id: str, text: str) -> Any:
    """A cascade has finished after ``cell_id`` printed ``text``."""

    def done(msgs: list[dict[str, Any]]) -> bool:
        seen = False
        for m in msgs:
            if m["msg_type"] == "stream" and m["parent_header"].get("cellId") == cell_id:
                seen = text in m["content"]["text"]
            elif seen and m["msg_type"] == "comm_msg":
                if m["content"]["data"].get("event") == "cascade_finished":
                    return True
        return False

    return done


def test_one_change_runs_one_cascade_over_the_readers(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    x, r, d = f"x{uid}", f"r{uid}", f"d{uid}"
    k.execute(f"import ipywidgets as W{uid}\ns{uid} = W{uid}.IntSlider(value=1)", cell_id=x)
    k.execute(f"v{uid} = s{uid}.value * 10\nprint('v', v{uid})", cell_id=r)
    k.execute(f"print('d', v{uid} + 1)", cell_id=d)
    before = widget_cascades(k)
    sent = move(k, model(k, f"s{uid}"), value=7)
    msgs = until(k, finished_with(d, "d 71"))
    [started] = events(msgs, "cascade_started")
    assert started["trigger"] == {"op": "widget", "cell_id": x, "name": f"s{uid}"}
    assert started["plan"] == [r, d]  # the widget's own cell does not re-run
    assert "v 70" in text_of(msgs, r)
    ours = [m for m in msgs if m["parent_header"].get("cellId") == r]
    assert all(m["parent_header"]["msg_id"] == f"{sent}:{r}" for m in ours)
    assert widget_cascades(k) == before + 1
    assert k.value(f"v{uid}") == "70"
    assert k.cells()[x]["execution_count"] is not None


def test_kernel_side_sets_and_layout_changes_run_nothing(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    k.execute(f"import ipywidgets as W{uid}\ns{uid} = W{uid}.IntSlider(value=1)", cell_id=f"x{uid}")
    k.execute(f"print(s{uid}.value)", cell_id=f"r{uid}")
    before = widget_cascades(k)
    k.execute(f"s{uid}.value = 5")  # a cell (here the console) sets it: no comm_msg arrives
    k.collect(move(k, model(k, f"s{uid}.layout"), width="50px"))
    k.collect(move(k, model(k, f"s{uid}"), description="moved"))
    assert widget_cascades(k) == before
    assert k.value("len(get_ipython().kernel.widget_inputs.queue)") == "0"


def test_rapid_changes_coalesce_and_end_at_the_last_value(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    k.execute(
        f"import ipywidgets as W{uid}, time as t{uid}\ns{uid} = W{uid}.IntSlider(max=1000)",
        cell_id=f"x{uid}",
    )
    k.execute(f"t{uid}.sleep(0.05)\nprint('seen', s{uid}.value)", cell_id=f"r{uid}")
    before = widget_cascades(k)
    model_id = model(k, f"s{uid}")
    for value in range(1, 101):
        move(k, model_id, value=value)
    msgs = until(k, finished_with(f"r{uid}", "seen 100"))
    runs = widget_cascades(k) - before
    seen = [line for line in text_of(msgs, f"r{uid}").splitlines() if line.startswith("seen")]
    assert seen[-1] == "seen 100"
    print(f"{runs} cascades for 100 changes")
    assert 1 <= runs <= 10, f"{runs} cascades for 100 changes"
    assert len(seen) == runs


def test_widgets_in_containers_and_lists(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    k.execute(
        f"import ipywidgets as W{uid}\n"
        f"box{uid} = W{uid}.VBox([W{uid}.IntSlider(value=2),"
        f" W{uid}.Dropdown(options=['a', 'b'])])\n"
        f"ws{uid} = {{'n': W{uid}.IntText(value=3), 'more': [W{uid}.Text(value='t')]}}",
        cell_id=f"x{uid}",
    )
    k.execute(
        f"print('box', box{uid}.children[0].value, box{uid}.children[1].value)", cell_id=f"b{uid}"
    )
    k.execute(f"print('ws', ws{uid}['n'].value, ws{uid}['more'][0].value)", cell_id=f"l{uid}")
    move(k, model(k, f"box{uid}.children[1]"), value="b", index=1)
    msgs = until(k, finished_with(f"b{uid}", "box 2 b"))
    assert events(msgs, "cascade_started")[0]["plan"] == [f"b{uid}"]
    move(k, model(k, f"ws{uid}['more'][0]"), value="new")
    until(k, finished_with(f"l{uid}", "ws 3 new"))


def test_interactive_and_anywidget_without_value(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    made = k.execute(
        f"import ipywidgets as W{uid}, anywidget as A{uid}, traitlets as T{uid}\n"
        f"ui{uid} = W{uid}.interactive(lambda n: n, n=(0, 10))\n"
        f"class Counter{uid}(A{uid}.AnyWidget):\n"
        "    _esm = 'export default { render() {} }'\n"
        f"    count = T{uid}.Int(0).tag(sync=True)\n"
        f"c{uid} = Counter{uid}()",
        cell_id=f"x{uid}",
    )
    assert made.reply and made.reply["status"] == "ok", made.text()
    k.execute(f"print('n', ui{uid}.kwargs['n'])", cell_id=f"i{uid}")
    k.execute(f"print('count', c{uid}.count)", cell_id=f"c{uid}")
    move(k, model(k, f"ui{uid}.children[0]"), value=9)
    until(k, finished_with(f"i{uid}", "n 9"))
    move(k, model(k, f"c{uid}"), count=4)
    until(k, finished_with(f"c{uid}", "count 4"))


def test_a_reader_that_raises(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    k.execute(f"import ipywidgets as W{uid}\ns{uid} = W{uid}.IntSlider(value=1)", cell_id=f"x{uid}")
    k.execute(
        f"if s{uid}.value > 5:\n    raise ValueError('too big')\nok{uid} = s{uid}.value\n"
        f"print('ok', ok{uid})",
        cell_id=f"r{uid}",
    )
    k.execute(f"print('below', ok{uid})", cell_id=f"d{uid}")
    model_id = model(k, f"s{uid}")
    move(k, model_id, value=9)

    def failed(msgs: list[dict[str, Any]]) -> bool:
        return bool(events(msgs, "cascade_finished")) and any(
            m["msg_type"] == "error" and m["parent_header"].get("cellId") == f"r{uid}" for m in msgs
        )

    until(k, failed)
    cells = k.cells()
    assert cells[f"r{uid}"]["status"] == "error"
    assert cells[f"d{uid}"]["status"] == "error"  # its input failed: it did not run
    move(k, model_id, value=2)  # the input still works after a failure
    until(k, finished_with(f"d{uid}", "below 2"))
    assert k.cells()[f"r{uid}"]["status"] == "success"


def test_rerunning_and_deleting_the_widget_cell(kernel: KernelHarness, uid: str) -> None:
    k = kernel
    x = f"x{uid}"
    k.execute(f"import ipywidgets as W{uid}\ns{uid} = W{uid}.IntSlider(value=1)", cell_id=x)
    k.execute(f"print('r', s{uid}.value)", cell_id=f"r{uid}")
    old = model(k, f"s{uid}")
    move(k, old, value=6)
    until(k, finished_with(f"r{uid}", "r 6"))
    r = k.execute(f"import ipywidgets as W{uid}\ns{uid} = W{uid}.IntSlider(value=1)", cell_id=x)
    assert "r 1" in r.text(f"r{uid}")  # re-running X recreates the widget
    new = model(k, f"s{uid}")
    assert new != old
    before = widget_cascades(k)
    k.collect(move(k, old, value=8))  # the old widget is no input any more
    assert widget_cascades(k) == before
    deleted = k.comm("delete", cell_id=x)
    assert "NameError" in deleted.text(f"r{uid}")
    k.collect(move(k, new, value=3))
    assert widget_cascades(k) == before
    assert k.value("len(get_ipython().kernel.widget_inputs.queue)") == "0"
    assert k.value("get_ipython().kernel.widget_inputs.bindings.cells()").count(x) == 0


def test_a_change_during_a_widget_cascade_gets_its_idle_status(
    kernel: KernelHarness, uid: str
) -> None:
    """ipykernel dispatches comm messages without busy/idle while the shell lock
    is held; a widget front end sends its next change only after the idle of
    the last one, so without this it would stop sending."""
    k = kernel
    k.execute(
        f"import ipywidgets as W{uid}, asyncio as aio{uid}\ns{uid} = W{uid}.IntSlider()",
        cell_id=f"x{uid}",
    )
    k.execute(f"await aio{uid}.sleep(0.3)\nprint('seen', s{uid}.value)", cell_id=f"r{uid}")
    model_id = model(k, f"s{uid}")
    move(k, model_id, value=1)
    until(k, lambda msgs: bool(events(msgs, "cascade_started")))
    during = move(k, model_id, value=2)  # the reader awaits: the kernel handles this now

    def idle(msgs: list[dict[str, Any]]) -> bool:
        return any(
            m["msg_type"] == "status"
            and m["content"]["execution_state"] == "idle"
            and m["parent_header"].get("msg_id") == during
            for m in msgs
        )

    msgs = until(k, idle)
    assert not events(msgs, "cascade_finished")  # while the first cascade still ran
    until(k, finished_with(f"r{uid}", "seen 2"))


def test_a_change_arriving_on_a_subshell(kernel: KernelHarness, uid: str) -> None:
    """JupyterLab sends widget comm messages on a kernel subshell, handled in a
    thread of its own; the cascade still runs in the main thread (signals,
    the shell and the cells live there)."""
    k = kernel
    msg = k.client.session.msg("create_subshell_request", {})
    k.client.control_channel.send(msg)
    reply = k.client.get_control_msg(timeout=TIMEOUT)
    subshell = reply["content"]["subshell_id"]
    k.execute(f"import ipywidgets as W{uid}\ns{uid} = W{uid}.IntSlider()", cell_id=f"x{uid}")
    k.execute(
        f"import threading as th{uid}\nprint('seen', s{uid}.value, th{uid}.current_thread().name)",
        cell_id=f"r{uid}",
    )
    model_id = model(k, f"s{uid}")
    for value in (5, 6, 7):  # the first may still be handled in the main thread
        update = k.client.session.msg(
            "comm_msg",
            {
                "comm_id": model_id,
                "data": {"method": "update", "state": {"value": value}, "buffer_paths": []},
            },
        )
        update["header"]["subshell_id"] = subshell
        k.client.shell_channel.send(update)
        until(k, finished_with(f"r{uid}", f"seen {value} MainThread"))
    assert k.value("get_ipython().kernel.widget_inputs.last_error") == "None"


def throttled_burst(k: KernelHarness, model_id: str, first: int, changes: int, gap: float) -> float:
    """Changes ``first``..``first + changes - 1``, one every ``gap`` seconds, sent
    like ipywidgets does: one update in flight, the next (the newest value)
    after the ``idle`` of the last. Returns when the last value became current
    (``time.monotonic()``); the IOPub messages seen are left in the backlog."""
    msgs, k.backlog = list(k.backlog), []
    start = time.monotonic()
    last = first + changes - 1
    sent, pending = 0, ""
    while sent < last:
        assert time.monotonic() < start + TIMEOUT, f"the front end is stuck at {sent}"
        current = first + min(changes - 1, int((time.monotonic() - start) / gap))
        if not pending and current > sent:
            pending, sent = move(k, model_id, value=current), current
            continue
        # the next event: the idle of the update in flight, or the next change
        next_change = start + (current - first + 1) * gap if current < last else start + TIMEOUT
        try:
            msg = k._iopub(next_change)
        except TimeoutError:
            continue
        msgs.append(msg)
        if (
            msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
            and msg["parent_header"].get("msg_id") == pending
        ):
            pending = ""
    k.backlog = msgs
    return start + (changes - 1) * gap


def test_a_throttled_burst_finishes_within_about_two_runs(kernel: KernelHarness, uid: str) -> None:
    """Issue 14's figure through a real kernel: 100 changes in 1 s from a front
    end that, like ipywidgets, sends one update at a time, while the reader
    takes 200 ms per run. The newest value reaches the kernel a round trip
    after each run; the output must show the last value within about two runs
    after the last change (the median of three bursts, in runs as long as this
    machine's), and nothing is left queued or running."""
    k = kernel
    x, r = f"x{uid}", f"r{uid}"
    run_s, changes, gap = 0.2, 100, 0.01
    k.execute(
        f"import ipywidgets as W{uid}, time as t{uid}\ns{uid} = W{uid}.IntSlider(max=1000)",
        cell_id=x,
    )
    k.execute(f"t{uid}.sleep({run_s})\nprint('seen', s{uid}.value)", cell_id=r)
    model_id = model(k, f"s{uid}")
    figures = []
    for first in (1, 101, 201):
        before = widget_cascades(k)
        last_change = throttled_burst(k, model_id, first, changes, gap)
        last = first + changes - 1
        msgs = until(k, finished_with(r, f"seen {last}"))
        after_s = time.monotonic() - last_change
        durations = [e["duration_ms"] / 1000 for e in events(msgs, "cascade_finished")]
        run = max(run_s, statistics.median(durations))
        runs = widget_cascades(k) - before
        figures.append(after_s / run)
        print(
            f"{runs} cascades; last change -> last value shown: {after_s * 1000:.0f} ms"
            f" = {after_s / run:.2f} runs of {run * 1000:.0f} ms"
        )
        seen = [line for line in text_of(msgs, r).splitlines() if line.startswith("seen")]
        assert seen[-1] == f"seen {last}"
        k.execute("await get_ipython().kernel.widget_inputs.idle()")
        assert k.value("len(get_ipython().kernel.widget_inputs.queue)") == "0"
        cells = k.cells()
        assert cells[r]["status"] == "success"
        assert not [c for c, cell in cells.items() if cell["status"] in ("queued", "running")]
        assert k.value(f"s{uid}.value") == str(last)
    after = statistics.median(figures)
    assert after <= 2.2, f"{after:.2f} runs after the last change (median of {figures})"
