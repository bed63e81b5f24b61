"""Every comm op and the events it publishes, against a real kernel process."""

from __future__ import annotations

from harness import KernelHarness


def test_comm_is_open_from_start(kernel: KernelHarness) -> None:
    msg_id = kernel.client.comm_info(target_name="reactive")
    reply = kernel.shell_reply(msg_id)
    kernel.collect(msg_id)
    assert reply["content"]["comms"] == {"reactive": {"target_name": "reactive"}}


def test_create_events_and_snapshot(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    r = k.create("a", "a = 1")
    [created] = r.of("cell_created")
    assert created["index"] == 0
    cell = created["cell"]
    assert (cell["id"], cell["type"], cell["status"], cell["writes"]) == (
        "a",
        "python",
        "idle",
        ["a"],
    )
    assert r.events[-1]["event"] == "reply"  # events first, then the reply
    k.create("top", "t = 0", after="^")
    k.create("mid", "m = a", after="top")
    snap = k.snapshot()
    assert [c["id"] for c in snap["cells"]] == ["top", "mid", "a"]
    assert snap["protocol"] == 2 and snap["database"] == "sqlite://"
    assert snap["cells"][1]["reads"] == ["a"]


def test_create_generates_an_id(kernel: KernelHarness) -> None:
    r = kernel.comm("create", code="z_generated = 1")
    assert r.reply and r.reply["ok"]
    assert r.of("cell_created")[0]["cell"]["id"] == r.reply["cell_id"]


def test_run_publishes_a_cascade(kernel: KernelHarness, uid: str) -> None:
    kernel.create(f"p{uid}", f"p{uid} = 2")
    kernel.create(f"q{uid}", f"q{uid} = p{uid} * 10\nq{uid}")
    r = kernel.comm("run", cell_id=f"q{uid}")
    assert r.reply and r.reply["ok"] and r.reply["status"] == "success"
    kinds = [e["event"] for e in r.events]
    assert kinds[0] == "cascade_started" and kinds[-2:] == ["cascade_finished", "reply"]
    started = r.of("cascade_started")[0]
    assert started["plan"] == [f"p{uid}", f"q{uid}"]
    assert started["trigger"] == {"op": "run", "cell_id": f"q{uid}"}
    statuses = r.of("cell_status")
    assert [(s["cell_id"], s["status"], s["index"], s["total"]) for s in statuses] == [
        (f"p{uid}", "running", 0, 2),
        (f"p{uid}", "success", 0, 2),
        (f"q{uid}", "running", 1, 2),
        (f"q{uid}", "success", 1, 2),
    ]
    assert all(s["cascade_id"] == started["cascade_id"] for s in statuses)
    finished = r.of("cascade_finished")[0]
    assert (finished["ran"], finished["succeeded"], finished["failed"], finished["skipped"]) == (
        2,
        2,
        0,
        0,
    )
    # Outputs carry cellId and a per-cell msg_id; execute_input for each cell.
    [result] = [m for m in r.iopub if m["msg_type"] == "execute_result"]
    assert result["content"]["data"]["text/plain"] == "20"
    assert result["parent_header"]["cellId"] == f"q{uid}"
    assert result["parent_header"]["msg_id"] == f"{r.msg_id}:q{uid}"
    inputs = [m["parent_header"]["cellId"] for m in r.iopub if m["msg_type"] == "execute_input"]
    assert inputs == [f"p{uid}", f"q{uid}"]
    cells = kernel.cells()
    assert cells[f"q{uid}"]["outputs"][0]["data"]["text/plain"] == "20"
    assert cells[f"q{uid}"]["execution_count"] == result["content"]["execution_count"]


def test_register_marks_stale_and_run_flag_runs(kernel: KernelHarness, uid: str) -> None:
    a, b = f"ra{uid}", f"rb{uid}"
    kernel.create(a, f"{a} = 1")
    kernel.create(b, f"{b} = {a} + 1\nprint({b})")
    kernel.comm("run", cell_id=b)
    r = kernel.comm("register", cell_id=a, code=f"{a} = 41")
    [updated] = r.of("cell_updated")
    assert updated["cell"]["status"] == "stale" and updated["cell"]["code"] == f"{a} = 41"
    assert [(s["cell_id"], s["status"]) for s in updated["statuses"]] == [(b, "stale")]
    assert not r.of("cascade_started")
    r = kernel.comm("register", cell_id=a, code=f"{a} = 99", run=True)
    assert r.text(b) == "100\n"
    assert r.reply and r.reply["cascade_id"] == r.of("cascade_started")[0]["cascade_id"]


def test_register_same_code_is_a_no_op(kernel: KernelHarness, uid: str) -> None:
    kernel.create(f"n{uid}", f"n{uid} = 1")
    r = kernel.comm("register", cell_id=f"n{uid}", code=f"n{uid} = 1")
    assert r.reply and r.reply["ok"] and not r.of("cell_updated")


def test_move_changes_order_not_dependencies(kernel: KernelHarness, uid: str) -> None:
    a, b = f"ma{uid}", f"mb{uid}"
    kernel.create(a, f"{a} = 1")
    kernel.create(b, f"{b} = {a} + 1")
    r = kernel.comm("move", cell_id=a, after=b)
    [moved] = r.of("cell_moved")
    ids = [c["id"] for c in kernel.snapshot()["cells"]]
    assert moved == {"event": "cell_moved", "cell_id": a, "index": ids.index(a)}
    assert ids.index(a) == ids.index(b) + 1
    r = kernel.comm("run", cell_id=b)
    assert r.of("cascade_started")[0]["plan"] == [a, b]
    r = kernel.comm("move", cell_id=a, after="^")
    assert r.of("cell_moved")[0]["index"] == 0


def test_delete_scenario_a_b_c(fresh_kernel: KernelHarness) -> None:
    """The spec's scenario: a=5, b=a*2, c=b+1, then delete a."""
    k = fresh_kernel
    k.create("a", "a = 5")
    k.create("b", "b = a * 2")
    k.create("c", "c = b + 1")
    k.comm("run", cell_id="a")
    assert k.value("c") == "11"
    r = k.comm("delete", cell_id="a")
    deleted = r.events[0]
    assert (deleted["event"], deleted["cell_id"]) == ("cell_deleted", "a")
    assert [(s["cell_id"], s["status"]) for s in deleted["statuses"]] == [
        ("b", "stale"),
        ("c", "stale"),
    ]
    assert r.of("cascade_started")[0]["trigger"] == {"op": "delete", "cell_id": "a"}
    final = {s["cell_id"]: s for s in r.of("cell_status") if s["status"] != "running"}
    assert final["b"]["error"]["ename"] == "NameError"
    assert final["c"]["error"]["ename"] == "UpstreamError"
    assert "b" in final["c"]["error"]["evalue"]
    assert (
        k.value("a") == "NameError" and k.value("b") == "NameError" and k.value("c") == "NameError"
    )
    cells = k.cells()
    assert set(cells) == {"b", "c"}
    assert cells["c"]["outputs"][0]["ename"] == "UpstreamError"


def test_failed_cell_descendants_do_not_run(kernel: KernelHarness, uid: str) -> None:
    a, b, c = f"fa{uid}", f"fb{uid}", f"fc{uid}"
    kernel.create(a, f"{a} = 1")
    kernel.create(b, f"{b} = {a} + 1")
    kernel.create(c, f"{c} = {b} + 1\nprint('ran c')")
    kernel.comm("run", cell_id=a)
    assert kernel.value(c) == "3"
    r = kernel.comm("register", cell_id=a, code=f"{a} = 1 / 0", run=True)
    assert "ran c" not in r.text()
    final = {s["cell_id"]: s["status"] for s in r.of("cell_status")}
    assert final == {a: "error", b: "error", c: "error"}
    assert kernel.value(b) == "NameError" and kernel.value(c) == "NameError"
    assert kernel.cells()[b]["error"]["ename"] == "UpstreamError"


def test_multiple_definition_blocks_the_second_definer(kernel: KernelHarness, uid: str) -> None:
    one, two, name = f"d1{uid}", f"d2{uid}", f"dup{uid}"
    kernel.create(one, f"{name} = 1")
    r = kernel.create(two, f"{name} = 2")
    cell = r.of("cell_created")[0]["cell"]
    assert cell["status"] == "blocked"
    assert cell["error"]["ename"] == "MultipleDefinitionError"
    assert f'by cell "{name} = 1"' in cell["error"]["evalue"]  # a generated id: its first line
    r = kernel.comm("run", cell_id=two)
    assert r.reply and r.reply["status"] == "blocked"
    assert kernel.value(name) == "NameError"
    kernel.comm("run", cell_id=one)
    assert kernel.value(name) == "1"
    kernel.create(f"rd{uid}", f"seen{uid} = {name}")
    r = kernel.comm("delete", cell_id=one)
    # The heir is unblocked and runs, because a reader of the name re-runs.
    assert [s["cell_id"] for s in r.of("cell_status") if s["status"] == "success"] == [
        two,
        f"rd{uid}",
    ]
    assert kernel.value(name) == "2" and kernel.value(f"seen{uid}") == "2"


def test_cycle_blocks_both_cells_until_broken(kernel: KernelHarness, uid: str) -> None:
    x, y = f"cx{uid}", f"cy{uid}"
    kernel.create(x, f"{x} = {y} + 1 if False else 1")
    r = kernel.create(y, f"{y} = {x} + 1")
    statuses = {s["cell_id"]: s for s in r.of("cell_created")[0]["statuses"]}
    assert statuses[x]["status"] == "blocked" and statuses[x]["error"]["ename"] == "CycleError"
    assert kernel.cells()[y]["status"] == "blocked"
    r = kernel.comm("register", cell_id=x, code=f"{x} = 1", run=True)
    assert {s["cell_id"]: s["status"] for s in r.of("cell_status")} == {x: "success", y: "success"}
    assert kernel.value(y) == "2"


def test_names_removed_before_rerun(kernel: KernelHarness, uid: str) -> None:
    cell, old, new = f"rn{uid}", f"old{uid}", f"new{uid}"
    kernel.create(cell, f"{old} = 1")
    kernel.comm("run", cell_id=cell)
    assert kernel.value(old) == "1"
    kernel.comm("register", cell_id=cell, code=f"{new} = 2", run=True)
    assert kernel.value(old) == "NameError" and kernel.value(new) == "2"


def test_outputs_are_bounded_with_a_note(kernel: KernelHarness, uid: str) -> None:
    cell = f"big{uid}"
    kernel.create(cell, "for i in range(3000):\n    print('x' * 1000)")
    kernel.comm("run", cell_id=cell)
    outputs = kernel.cells()[cell]["outputs"]
    text = "".join(o.get("text", "") for o in outputs)
    assert len(text) < 1.2 * (1 << 20)
    assert "output truncated" in outputs[-1]["text"]


def test_stdout_and_display_are_kept_per_cell(kernel: KernelHarness, uid: str) -> None:
    cell = f"out{uid}"
    code = (
        "print('hello')\nfrom IPython.display import display, HTML\n"
        "display(HTML('<b>x</b>'))\n3 * 7"
    )
    kernel.create(cell, code)
    kernel.comm("run", cell_id=cell)
    outputs = kernel.cells()[cell]["outputs"]
    kinds = [o["output_type"] for o in outputs]
    assert kinds == ["stream", "display_data", "execute_result"]
    assert outputs[0]["text"] == "hello\n" and outputs[2]["data"]["text/plain"] == "21"
    kernel.comm("run", cell_id=cell)  # a re-run replaces, not appends
    assert len(kernel.cells()[cell]["outputs"]) == 3


def test_semicolon_silences_last_expression(kernel: KernelHarness, uid: str) -> None:
    cell = f"semi{uid}"
    kernel.create(cell, "1 + 1;")
    r = kernel.comm("run", cell_id=cell)
    assert not [m for m in r.iopub if m["msg_type"] == "execute_result"]


def test_magics_and_top_level_await_in_cells(kernel: KernelHarness, uid: str) -> None:
    m, w = f"mg{uid}", f"aw{uid}"
    kernel.create(m, f"v{uid} = %time 6 * 7\nprint(v{uid})")
    kernel.create(w, f"import asyncio\nawait asyncio.sleep(0)\nw{uid} = v{uid} + 1\nw{uid}")
    r = kernel.comm("run", cell_id=w)
    assert "42" in r.text(m)
    assert r.text(w) == "43\n"
    assert kernel.cells()[m]["writes"] == [f"v{uid}"]


def test_reactive_magics(kernel: KernelHarness, uid: str) -> None:
    kernel.create(f"g{uid}", f"g{uid} = 1")
    kernel.create(f"h{uid}", f"h{uid} = g{uid}")
    r = kernel.execute("%reactive cells")
    assert f"g{uid}" in r.text() and "idle" in r.text()
    r = kernel.execute("%reactive graph")
    [display] = [m for m in r.iopub if m["msg_type"] == "display_data"]
    md = display["content"]["data"]["text/markdown"]
    assert md.startswith("```mermaid\nflowchart TD") and f"|g{uid}|" in md
    r = kernel.execute(f"%reactive run h{uid}")
    assert "queued" in r.text()
    assert [s["status"] for s in r.of("cell_status") if s["cell_id"] == f"h{uid}"] == [
        "running",
        "success",
    ]
    r = kernel.execute("%reactive run nosuchcell")
    assert "no cell" in r.text()
    r = kernel.execute(f"%reactive delete g{uid}")
    assert f"g{uid}" not in kernel.cells()
    assert kernel.cells()[f"h{uid}"]["error"]["ename"] == "NameError"
    r = kernel.execute("%reactive bogus")
    assert "Usage" in r.text()


def test_cell_magic_defines_and_updates_cells(kernel: KernelHarness, uid: str) -> None:
    r = kernel.execute(f"src{uid} = 3")
    r = kernel.execute(f"%%reactive mc{uid}\nout{uid} = src{uid} * 2\nprint('out', out{uid})")
    assert r.text() == "out 6\n"
    assert kernel.cells()[f"mc{uid}"]["reads"] == [f"src{uid}"]
    r = kernel.execute(f"%%reactive mc{uid}\nout{uid} = src{uid} * 3\nprint('out', out{uid})")
    assert r.text() == "out 9\n"
    r = kernel.execute(f"src{uid} = 5")
    assert r.text().startswith("out 15\n↻ re-ran 1 dependent cell")  # a scratch cascade
    r = kernel.execute(f"%reactive add one{uid} print('one', src{uid} + 1)")
    assert r.text() == "one 6\n"
    r = kernel.execute("%%reactive bad id!\nx = 1")
    assert "invalid cell id" in r.text()
