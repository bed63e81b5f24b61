"""Cancelling the distributed work a cell started when its names go away.

A cell that binds futures at top level (``futs = client.map(f, xs)``) owns the
work behind them. When the cell re-runs, is deleted or is interrupted, the
kernel removes the names it bound (``forget``); the values those names held are
passed here first, and every pending future among them is cancelled, so a
cluster never keeps computing results nobody can see any more (other
references, such as a list in another cell or IPython's ``Out``, would
otherwise keep the work alive).

Recognised, by duck typing so that no engine has to be imported:

- :class:`concurrent.futures.Future` (thread and process pools),
- :class:`asyncio.Future` and :class:`asyncio.Task` (cancelled on their own loop),
- Dask ``distributed.Future`` (cancelled in one call per client),
- Ray ``ObjectRef`` (``ray.cancel``, when ray is imported by the user),

and lists, tuples, sets and dict values of those, a few levels deep.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

MAX_DEPTH = 3
"""How deep containers are searched: ``{"a": [fut, ...]}`` is found, a
future inside an arbitrary object graph is not (that is the object's to own)."""
_PENDING: set[asyncio.Future[Any]] = set()
"""Cancellations under way on the loop (kept referenced until they finish)."""
MAX_ITEMS = 10_000
"""Containers longer than this are not searched: a big list of numbers must not
slow down every re-run of its cell."""
_SCALARS = (int, float, str, bytes, bool, type(None))


@dataclass(slots=True)
class Found:
    """The cancellable futures among some values, grouped by how they are cancelled."""

    plain: list[Any] = field(default_factory=list)
    """concurrent.futures and asyncio futures: their own ``cancel()``."""
    dask: dict[int, tuple[Any, list[Any]]] = field(default_factory=dict)
    """Dask futures by ``id(client)``: one ``client.cancel(futures)`` each."""
    ray: list[Any] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.plain) + sum(len(f) for _, f in self.dask.values()) + len(self.ray)


def _is_dask_future(value: Any) -> bool:
    cls = type(value)
    return cls.__name__ == "Future" and cls.__module__.startswith("distributed")


def _is_ray_ref(value: Any) -> bool:
    cls = type(value)
    return cls.__name__ == "ObjectRef" and cls.__module__.startswith("ray")


def find(values: Iterable[Any], depth: int = MAX_DEPTH) -> Found:
    """The pending futures among ``values`` (and inside their containers)."""
    found = Found()
    seen: set[int] = set()

    def visit(value: Any, level: int) -> None:
        if isinstance(value, _SCALARS) or id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, (concurrent.futures.Future, asyncio.Future)):
            if not value.done():
                found.plain.append(value)
        elif _is_dask_future(value):
            if getattr(value, "status", None) == "pending":
                client = value.client
                found.dask.setdefault(id(client), (client, []))[1].append(value)
        elif _is_ray_ref(value):
            found.ray.append(value)
        elif level < depth and isinstance(value, (list, tuple, set, frozenset, dict)):
            if len(value) > MAX_ITEMS:
                return
            items = value.values() if isinstance(value, dict) else value
            for item in items:
                visit(item, level + 1)

    for value in values:
        visit(value, 0)
    return found


def cancel(found: Found) -> int:
    """Cancel what :func:`find` found; returns how many were asked to stop.

    Never raises: a future that cannot be cancelled (its client is closed, its
    loop is gone) is logged and the rest are still cancelled.
    """
    count = 0
    for fut in found.plain:
        try:
            if isinstance(fut, asyncio.Future):
                _cancel_asyncio(fut)
            else:
                fut.cancel()
            count += 1
        except Exception as exc:
            log.warning("reactive: could not cancel %r: %s", fut, exc)
    for client, futures in found.dask.values():
        try:
            if getattr(client, "asynchronous", False):
                # An asynchronous client's cancel is a coroutine on our own loop.
                task = asyncio.ensure_future(client.cancel(futures))
                _PENDING.add(task)
                task.add_done_callback(_PENDING.discard)
            else:
                client.cancel(futures)
            count += len(futures)
        except Exception as exc:
            log.warning("reactive: could not cancel %d dask futures: %s", len(futures), exc)
    if found.ray:
        ray = sys.modules.get("ray")  # the user's cells imported it to make the refs
        for ref in found.ray:
            try:
                if ray is not None:
                    ray.cancel(ref)
                    count += 1
            except Exception as exc:
                log.warning("reactive: could not cancel %r: %s", ref, exc)
    return count


def _cancel_asyncio(fut: asyncio.Future[Any]) -> None:
    loop = fut.get_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is running:
        fut.cancel()
    elif not loop.is_closed():
        loop.call_soon_threadsafe(fut.cancel)


def cancel_bound(values: Iterable[Any]) -> int:
    """Cancel the pending futures among ``values``; how many were cancelled."""
    found = find(values)
    return cancel(found) if len(found) else 0
