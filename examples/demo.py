"""Run a small reactive notebook through a real kernel and watch cascades.

Starts the ``reactive`` kernel with jupyter_client, creates cells through the
``reactive`` comm, runs them, then edits and deletes an upstream cell and
prints every cell's status and output as the kernel publishes them.

    make run          # or: .venv/bin/python examples/demo.py
"""

from __future__ import annotations

import itertools
import queue
import sys
import time
from typing import Any

from jupyter_client.manager import KernelManager

CELLS = [
    ("prices", "prices = {'apple': 1.20, 'pear': 0.90, 'plum': 2.50}"),
    ("qty", "qty = {'apple': 3, 'pear': 5, 'plum': 1}"),
    ("total", "total = sum(prices[k] * qty[k] for k in prices)\nprint(f'total: {total:.2f}')"),
    ("vat", "vat = round(total * 0.2, 2)\nvat"),
    ("report", "print(f'{len(prices)} items, total {total:.2f} + VAT {vat:.2f}')"),
]
TIMEOUT = 30.0
_req = itertools.count()


def request(kc: Any, op: str, **args: Any) -> dict[str, Any]:
    """Send one comm request; print what the kernel publishes until it is done."""
    req = f"demo-{next(_req)}"
    msg = kc.session.msg(
        "comm_msg", {"comm_id": "reactive", "data": {"op": op, "req": req, **args}}
    )
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
        cell = m["parent_header"].get("cellId", "")
        if kind == "comm_msg":
            data = content["data"]
            event = data["event"]
            if event == "reply":
                reply = data
            elif event == "cascade_started":
                print(f"  cascade: will run {', '.join(data['plan'])}")
            elif event == "cell_status" and data["status"] != "running":
                error = data["error"]
                why = f"  ({error['ename']}: {error['evalue']})" if error else ""
                print(f"  [{data['cell_id']:>7}] {data['status']}{why}")
            elif event == "cascade_finished":
                print(
                    f"  done: {data['succeeded']} ok, {data['failed']} failed "
                    f"in {data['duration_ms']:.1f} ms"
                )
        elif kind == "stream":
            for line in content["text"].splitlines():
                print(f"  [{cell:>7}] | {line}")
        elif kind == "execute_result":
            print(f"  [{cell:>7}] = {content['data']['text/plain']}")
        elif kind == "status" and content["execution_state"] == "idle" and parent == msg_id:
            return reply


def main() -> None:
    km = KernelManager(kernel_name="reactive")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        print("Creating the notebook's cells:")
        for cell_id, code in CELLS:
            request(kc, "create", cell_id=cell_id, code=code)
            print(f"  {cell_id}: {code.splitlines()[0]}")
        print("\nRunning the first cell runs everything that depends on it:")
        request(kc, "run", cell_id="prices")
        print("\nEditing qty re-runs total, vat and report (not prices):")
        request(
            kc,
            "register",
            cell_id="qty",
            code="qty = {'apple': 10, 'pear': 5, 'plum': 2}",
            run=True,
        )
        print("\nDeleting prices: its dependents lose the name and say why:")
        request(kc, "delete", cell_id="prices")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
