"""Distributed work follows the graph: futures a cell bound are cancelled when
the cell re-runs, is deleted or is interrupted (real kernel, real Dask cluster)."""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator

import pytest
from harness import KernelHarness, start_kernel, stop_kernel

pytest.importorskip("distributed")

CLUSTER = """\
import time
from distributed import Client, LocalCluster
cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                       dashboard_address=None)
client = Client(cluster)
held = []
"""
WORK = """\
futs = [client.submit(time.sleep, 0.2, pure=False) for _ in range(100)]
held.append(futs)  # another reference: dropping the name alone would not stop them
"""


def statuses(k: KernelHarness, batch: int) -> dict[str, int]:
    text = k.value(f"__import__('collections').Counter(f.status for f in held[{batch}])")
    return dict(ast.literal_eval(text.removeprefix("Counter(").removesuffix(")")))


def on_scheduler(k: KernelHarness, batch: int) -> int:
    """How many of a batch's tasks the scheduler still knows."""
    return int(
        k.value(
            f"client.run_on_scheduler(lambda dask_scheduler, keys=[f.key for f in held[{batch}]]:"
            " sum(k in dask_scheduler.tasks for k in keys))"
        )
    )


@pytest.fixture(scope="module")
def dask_kernel() -> Iterator[KernelHarness]:
    km, kc = start_kernel()
    k = KernelHarness(kc)
    k.manager = km  # type: ignore[attr-defined]
    try:
        k.create("cluster", CLUSTER)
        r = k.comm("run", cell_id="cluster", timeout=60)
        assert r.reply and r.reply["status"] == "success", r.text()
        yield k
        k.execute("client.close(); cluster.close()")
    finally:
        stop_kernel(km, kc)


def test_rerun_cancels_the_cells_pending_futures(dask_kernel: KernelHarness) -> None:
    k = dask_kernel
    k.create("work", WORK)
    r = k.comm("run", cell_id="work")
    assert r.reply and r.reply["status"] == "success", r.text()
    assert statuses(k, 0).get("pending", 0) >= 95  # 0.2 s each, one thread
    started = time.monotonic()
    r = k.comm("run", cell_id="work")
    assert r.reply and r.reply["status"] == "success", r.text()
    deadline = started + 1.0
    while True:
        old = statuses(k, 0)
        if "pending" not in old or time.monotonic() > deadline:
            break
    elapsed = time.monotonic() - started
    assert "pending" not in old, old
    assert old.get("cancelled", 0) >= 95, old
    assert elapsed < 1.0
    # The scheduler learns of the cancellation by message: it drops them (but
    # the one in flight) soon after, not necessarily within the same second.
    until = time.monotonic() + 10.0
    while (left := on_scheduler(k, 0)) > 1 and time.monotonic() < until:
        time.sleep(0.1)
    assert left <= 1, left
    assert statuses(k, 1).get("pending", 0) >= 95  # the new run's work goes on


def test_delete_cancels_the_cells_futures(dask_kernel: KernelHarness) -> None:
    k = dask_kernel
    k.create("work2", WORK.replace("futs", "futs2"))
    r = k.comm("run", cell_id="work2")
    assert r.reply and r.reply["status"] == "success", r.text()
    batch = int(k.value("len(held)")) - 1
    assert statuses(k, batch).get("pending", 0) >= 95
    r = k.comm("delete", cell_id="work2")
    assert r.reply and r.reply["ok"]
    assert "pending" not in statuses(k, batch)
    k.comm("delete", cell_id="work")


def test_interrupt_cancels_what_the_cell_bound_so_far(dask_kernel: KernelHarness) -> None:
    k = dask_kernel
    code = (
        "futs3 = [client.submit(time.sleep, 0.2, pure=False) for _ in range(100)]\n"
        "held.append(futs3)\n"
        "print('started', flush=True)\n"
        "time.sleep(30)\n"
    )
    k.create("work3", code)
    msg_id = k.send_comm({"op": "run", "cell_id": "work3"})
    deadline = time.monotonic() + 30
    seen = ""
    while "started" not in seen and time.monotonic() < deadline:
        msg = k._iopub(deadline)
        k.backlog.append(msg)
        if msg["msg_type"] == "stream":
            seen += msg["content"]["text"]
    k.manager.interrupt_kernel()  # type: ignore[attr-defined]
    [reply] = k.collect(msg_id).of("reply")
    assert reply["status"] == "error", reply
    batch = int(k.value("len(held)")) - 1
    assert "pending" not in statuses(k, batch)
    k.comm("delete", cell_id="work3")
