"""runtime/futures.py: which bound values are cancelled, with real executors and loops."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from reactive_kernel.runtime.futures import MAX_DEPTH, cancel_bound, find


@pytest.fixture
def pool() -> Iterator[tuple[ThreadPoolExecutor, threading.Event]]:
    gate = threading.Event()
    executor = ThreadPoolExecutor(max_workers=1)
    executor.submit(gate.wait, 10)  # occupies the only worker: later work stays pending
    try:
        yield executor, gate
    finally:
        gate.set()
        executor.shutdown(wait=True)


def test_pending_thread_futures_in_containers_are_cancelled(
    pool: tuple[ThreadPoolExecutor, threading.Event],
) -> None:
    executor, _ = pool
    futs = [executor.submit(int, i) for i in range(5)]
    nested = {"a": [futs[0], (futs[1],)], "b": {futs[2]}}
    assert cancel_bound([nested, futs[3], 42, "text", None]) == 4
    assert [f.cancelled() for f in futs] == [True, True, True, True, False]


def test_finished_futures_and_plain_values_are_left_alone() -> None:
    done: Future[int] = Future()
    done.set_result(1)
    assert len(find([done, [1, 2, 3], {"x": "y"}, b"bytes"])) == 0
    assert cancel_bound([done]) == 0 and done.result() == 1


def test_depth_is_bounded(pool: tuple[ThreadPoolExecutor, threading.Event]) -> None:
    executor, _ = pool
    fut = executor.submit(int, 1)
    deep: object = fut
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    assert len(find([deep])) == 0
    assert len(find([[[fut]]])) == 1


def test_cycles_do_not_recurse_forever() -> None:
    loop: list[object] = []
    loop.append(loop)
    assert len(find([loop])) == 0


def test_asyncio_tasks_on_the_running_loop_are_cancelled() -> None:
    async def main() -> list[bool]:
        tasks = [asyncio.ensure_future(asyncio.sleep(10)) for _ in range(3)]
        assert cancel_bound([{"t": tasks}]) == 3
        await asyncio.gather(*tasks, return_exceptions=True)
        return [t.cancelled() for t in tasks]

    assert asyncio.run(main()) == [True, True, True]


def test_asyncio_futures_of_another_threads_loop_are_cancelled_there() -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        cf = asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop)
        cf.result(5)
        made: Future[asyncio.Future[None]] = Future()
        loop.call_soon_threadsafe(lambda: made.set_result(loop.create_future()))
        fut = made.result(5)
        assert cancel_bound([fut]) == 1
        check = asyncio.run_coroutine_threadsafe(_cancelled(fut), loop)
        assert check.result(5) is True
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


async def _cancelled(fut: asyncio.Future[None]) -> bool:
    try:
        await fut
    except asyncio.CancelledError:
        return True
    return False
