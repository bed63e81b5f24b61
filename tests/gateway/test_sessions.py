"""Notebook sessions: one reactive kernel per notebook file, shared live by every client."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from gwtools import MSGPACK, V1, GatewayProcess, WSClient, rest


async def open_session(gw: GatewayProcess, path: str, kernel: str = "reactive") -> tuple[int, Any]:
    return await rest(
        gw, "POST", "/api/sessions", {"path": path, "kernel": {"name": kernel}, "type": "notebook"}
    )


async def test_a_session_binds_its_notebook_and_is_shared(gateway: GatewayProcess) -> None:
    status, first = await open_session(gateway, "bound.py")
    assert status == 201
    assert first["path"] == "bound.py" and first["type"] == "notebook"
    assert first["notebook"] == {"path": "bound.py", "name": "bound.py"}
    assert first["kernel"]["name"] == "reactive" and first["kernel"]["execution_state"] == "idle"
    notebook = (gateway.root / "bound.py").resolve()
    for same in ("bound.py", "./bound.py", str(notebook)):
        status, again = await open_session(gateway, same)
        assert status == 201 and again["id"] == first["id"]
        assert again["kernel"]["id"] == first["kernel"]["id"]
    status, listed = await rest(gateway, "GET", "/api/sessions")
    assert [s["id"] for s in listed].count(first["id"]) == 1
    assert (await rest(gateway, "GET", f"/api/sessions/{first['id']}"))[1]["id"] == first["id"]

    client = await WSClient.connect(gateway, first["kernel"]["id"])
    result = await client.execute("import os\nprint(os.environ['REACTIVE_NOTEBOOK'], os.getcwd())")
    env_path, cwd = result.stdout().split()
    assert env_path == str(notebook) and cwd == str(notebook.parent)
    created = await client.comm(
        "create", cell_type="python", after=None, cell_id="c1", code="z = 1"
    )
    assert created.reply["ok"]
    snapshot = (await client.comm("snapshot")).reply["snapshot"]
    assert snapshot["notebook_path"] == str(notebook)
    assert "z = 1" in notebook.read_text()  # the kernel saved its cell to the bound file

    assert (await rest(gateway, "DELETE", f"/api/sessions/{first['id']}"))[0] == 204
    await asyncio.wait_for(client.closed.wait(), 10)
    assert client.conn.close_code == 1000
    assert (await rest(gateway, "GET", f"/api/kernels/{first['kernel']['id']}"))[0] == 404
    assert (await rest(gateway, "GET", f"/api/sessions/{first['id']}"))[0] == 404


async def test_concurrent_opens_start_one_kernel(gateway: GatewayProcess) -> None:
    results = await asyncio.gather(
        *(open_session(gateway, "raced.py", "python3") for _ in range(3))
    )
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    kernel_id = results[0][1]["kernel"]["id"]
    _, kernels = await rest(gateway, "GET", "/api/kernels")
    assert [k["id"] for k in kernels].count(kernel_id) == 1
    await rest(gateway, "DELETE", f"/api/sessions/{results[0][1]['id']}")


async def test_deleting_the_kernel_ends_its_session(gateway: GatewayProcess) -> None:
    _, session = await open_session(gateway, "ends.py", "python3")
    assert (await rest(gateway, "DELETE", f"/api/kernels/{session['kernel']['id']}"))[0] == 204
    _, listed = await rest(gateway, "GET", "/api/sessions")
    assert session["id"] not in [s["id"] for s in listed]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("../outside.py", 400),
        ("sub/../../x.py", 400),
        ("/etc/evil.py", 403),
        ("escape/nb.py", 403),
        ("missing-dir/nb.py", 400),
        ("", 400),
    ],
)
async def test_paths_are_confined_to_the_root(
    gateway: GatewayProcess, path: str, status: int
) -> None:
    link = gateway.root / "escape"
    if not link.exists():
        os.symlink(Path("/tmp"), link)
    got, body = await open_session(gateway, path)
    assert got == status and body["message"]


async def test_bad_session_bodies(gateway: GatewayProcess) -> None:
    assert (await rest(gateway, "POST", "/api/sessions", {"path": "x.py", "kernel": 3}))[0] == 400
    status, body = await open_session(gateway, "x.py", kernel="no-such-kernel")
    assert status == 404 and "no-such-kernel" in body["message"]


async def test_three_clients_see_each_event_once_and_the_same_snapshot(
    gateway: GatewayProcess,
) -> None:
    _, session = await open_session(gateway, "three.py")
    kernel_id = session["kernel"]["id"]
    clients = [await WSClient.connect(gateway, kernel_id, p) for p in ("", V1, MSGPACK)]
    author, *others = clients
    try:
        ops: list[tuple[str, dict[str, Any]]] = [
            ("create", {"cell_type": "python", "after": None, "cell_id": "a", "code": "a = 1"}),
            (
                "create",
                {
                    "cell_type": "python",
                    "after": "a",
                    "cell_id": "b",
                    "code": "b = a + 1\nprint('b is', b)",
                },
            ),
            (
                "create",
                {
                    "cell_type": "python",
                    "after": "b",
                    "cell_id": "c",
                    "code": "c = b * 10\nprint('c is', c)",
                },
            ),
            ("run", {"cell_id": "a"}),
            ("register", {"cell_id": "a", "code": "a = 5", "run": True}),
        ]
        for op, args in ops:
            mine = await author.comm(op, **args)
            assert mine.reply["ok"], mine.reply
            theirs = [await other.collect(mine.msg_id, reply=False) for other in others]
            ids = [m["header"]["msg_id"] for m in mine.iopub]
            assert len(ids) == len(set(ids)), f"{op}: a message was delivered twice"
            for seen in theirs:
                assert [m["header"]["msg_id"] for m in seen.iopub] == ids, op
        assert "c is 60" in "".join(m["content"].get("text", "") for m in mine.iopub)
        snapshots = [(await c.comm("snapshot")).reply["snapshot"] for c in clients]
        assert snapshots[0] == snapshots[1] == snapshots[2]
        cells = {cell["id"]: cell for cell in snapshots[0]["cells"]}
        assert list(cells) == ["a", "b", "c"]
        assert all(cell["status"] == "success" for cell in cells.values())
    finally:
        for c in clients:
            await c.close()
        await rest(gateway, "DELETE", f"/api/sessions/{session['id']}")


FOREIGN = {
    "notes.txt": "shopping list\n",
    "module.py": "import os\n\n\ndef f():\n    return os.sep\n",
    "data.csv": "a,b\n1,2\n",
}


@pytest.mark.parametrize("name", sorted(FOREIGN))
async def test_a_file_that_is_not_a_notebook_is_never_bound(
    gateway: GatewayProcess, name: str
) -> None:
    path = gateway.root / "foreign" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(FOREIGN[name], encoding="utf-8")
    before = path.stat()
    status, body = await open_session(gateway, f"foreign/{name}")
    assert status == 409, body
    assert "not a percent notebook" in body["message"] and "never rewritten" in body["message"]
    assert path.read_text(encoding="utf-8") == FOREIGN[name]
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    _, sessions = await rest(gateway, "GET", "/api/sessions")
    assert all(s["path"] != f"foreign/{name}" for s in sessions)


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("sub/", "names a directory"),
        ("subdir", "not a regular file"),
        ("x" * 300 + ".py", "longer than 255"),
        ("subdir/" + "y" * 300, "longer than 255"),
    ],
)
async def test_paths_that_cannot_be_a_notebook_are_400(
    gateway: GatewayProcess, path: str, why: str
) -> None:
    (gateway.root / "subdir").mkdir(exist_ok=True)
    status, body = await open_session(gateway, path)
    assert status == 400 and why in body["message"], (status, body)
    assert not (gateway.root / "sub").exists()
    if path.endswith(".py"):
        status, body = await rest(gateway, "POST", "/api/webui/notebooks", {"path": path})
        assert status == 400 and why in body["message"], (status, body)


async def test_notebooks_empty_files_and_new_files_are_bound(gateway: GatewayProcess) -> None:
    root = gateway.root / "bindable"
    root.mkdir(exist_ok=True)
    (root / "empty.py").write_text("\n", encoding="utf-8")
    (root / "nb.py").write_text('x = 0\n# %% id="a"\nx = 1\n', encoding="utf-8")
    (root / "header.py").write_text(
        "# ---\n# jupyter:\n#   reactive: {}\n# ---\n", encoding="utf-8"
    )
    for name in ("empty.py", "nb.py", "header.py", "new.py"):
        status, body = await open_session(gateway, f"bindable/{name}", kernel="python3")
        assert status == 201, (name, body)
