"""Run the demo notebook through a real kernel and watch cascades.

Starts the ``reactive`` kernel with jupyter_client, creates the cells of
``examples/demo_notebook.py`` (Python and SQL on the embedded database) through
the ``reactive`` comm, runs them, then edits and deletes upstream cells, and
prints every cell's status and output as the kernel publishes them.

    make run          # or: .venv/bin/python examples/demo.py
"""

from __future__ import annotations

import itertools
import queue
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

from reactive_kernel.core.nbformat_percent import loads

NOTEBOOK = Path(__file__).with_name("demo_notebook.py")
TIMEOUT = 30.0
_req = itertools.count()


def show(cell: str, kind: str, content: dict[str, Any]) -> None:
    """Print one IOPub message of a cell run, prefixed by the cell's id."""
    if kind == "comm_msg":
        data = content["data"]
        event = data["event"]
        if event == "cascade_started":
            print(f"  cascade: will run {', '.join(data['plan'])}")
        elif event in ("cell_status", "cell_statuses"):
            entries = data["statuses"] if event == "cell_statuses" else [data]
            for entry in entries:
                if entry["status"] == "running":
                    continue
                error = entry["error"]
                why = f"  ({error['ename']}: {error['evalue']})" if error else ""
                print(f"  [{entry['cell_id']:>8}] {entry['status']}{why}")
        elif event == "cascade_finished":
            print(
                f"  done: {data['succeeded']} ok, {data['failed']} failed "
                f"in {data['duration_ms']:.1f} ms"
            )
    elif kind == "stream":
        for line in content["text"].splitlines():
            print(f"  [{cell:>8}] | {line}")
    elif kind in ("execute_result", "display_data"):
        for line in content["data"].get("text/plain", "").splitlines():
            print(f"  [{cell:>8}] = {line}")


def request(kc: Any, op: str, **args: Any) -> dict[str, Any]:
    """Send one comm request; print what the kernel publishes until it is done."""
    req = f"demo-{next(_req)}"
    data = {"op": op, "req": req, **args}
    msg = kc.session.msg("comm_msg", {"comm_id": "reactive", "data": data})
    kc.shell_channel.send(msg)
    msg_id = msg["header"]["msg_id"]
    reply: dict[str, Any] = {}
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            m = kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            sys.exit(f"no answer to {op} within {TIMEOUT} s")
        parent = m["parent_header"].get("msg_id", "")
        if not parent.startswith(msg_id):
            continue
        kind, content = m["msg_type"], m["content"]
        if kind == "comm_msg" and content["data"]["event"] == "reply":
            reply = content["data"]
        elif kind == "status" and content["execution_state"] == "idle" and parent == msg_id:
            return reply
        else:
            show(m["parent_header"].get("cellId", ""), kind, content)


def main() -> None:
    km = KernelManager(kernel_name="reactive")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        print(f"Creating the cells of {NOTEBOOK.name}:")
        doc = loads(NOTEBOOK.read_text(encoding="utf-8"))
        cells = [c for c in doc.cells if not c.markdown]
        for c in cells:
            request(kc, "create", cell_id=c.id, code=c.code, cell_type=c.type, name=c.name)
            print(f"  {c.id:>8} ({c.type}): {c.code.splitlines()[0]}")
        print("\nRunning the last cell runs everything it needs, in dependency order:")
        request(kc, "run", cell_id=cells[-1].id)
        print("\nChanging min_qty re-runs the query and what reads it, nothing else:")
        request(kc, "register", cell_id="min_qty", code="min_qty = 1", run=True)
        print("\nDeleting the cell that creates the table; its dependents say why they fail:")
        request(kc, "delete", cell_id="orders")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
