"""Widgets as reactive inputs: comm traffic in, cascades out (PROTOCOL.md section 7).

After every cascade :meth:`WidgetInputs.after_cascade` records which widgets
each cell that ran bound to its top-level names (a widget, a container's
children, lists/tuples/dicts of widgets). When a front end changes a widget
through the standard widget comm, the kernel first lets the widget library
apply the update as usual, then calls :meth:`WidgetInputs.comm_msg`, which
queues a cascade over the readers of the names holding that widget.

Only updates arriving over the comm are inputs; a cell setting ``w.value``
sends no ``comm_msg`` to the kernel and so re-runs nothing. Cascades run in a
task of their own, holding the kernel's shell lock like a shell request, so
ipykernel keeps dispatching comm messages (new values) while one runs; the
queue (``core/widget_plan.py``) coalesces them.

ipywidgets is optional (``reactive-kernel[widgets]``): nothing here imports it
until a cell has.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

from ..core.cells import Status
from ..core.widget_plan import Binding, ChangeQueue, WidgetBindings, is_input_change
from .cascade import CascadeResult, Trigger

if TYPE_CHECKING:
    from ..service import ReactiveService

log = logging.getLogger(__name__)

MAX_DEPTH = 3
"""How deep containers (lists, dicts, boxes) are searched for widgets."""
MAX_ITEMS = 256
"""Items of one list/dict looked at: a name holding a big list of numbers is
not worth a scan after every run."""
SETTLE_ROUNDS = 3
"""Event-loop rounds without a new change before a cascade starts: messages
already received are handled first, so the cascade runs with the latest value."""
MAX_SETTLE = 200
BURST_WAIT = 0.04
"""Seconds to wait, after a cascade during which changes arrived, for the next
change: a front end holds back its next update until the kernel has handled the
last one (ipywidgets sends one at a time, with the newest value), so after a
run the kernel has only an old value and the newest is one round trip away.
Waiting for that one message costs milliseconds; not waiting costs a run with
a value that is already old. Waiting for more than one (for the burst to end)
costs a round trip per message while the burst goes on, which delays the run
that shows the last value (issue 14: 100 changes in 1 s, 200 ms per run)."""


HELD_BACK_WAIT = 0.005
"""Seconds to wait, after a cascade, for a change that was sent while it ran:
ipykernel relays it from its shell channel thread, a few event-loop rounds
late. Such a change means a burst (see :data:`BURST_WAIT`)."""
WAIT_SHARE = 0.1
"""Both waits are at most this share of the last cascade's duration: they are
worth it when a stale run is long, and must not slow down a front end that
changes a widget again as soon as a quick cascade's output showed (that
change is not held back, and no newer one follows it)."""


def _widget_class() -> type | None:
    """ipywidgets' ``Widget``, if a cell imported ipywidgets (or anywidget)."""
    module = sys.modules.get("ipywidgets.widgets.widget")
    return getattr(module, "Widget", None) if module is not None else None


def _instances() -> dict[str, Any]:
    module = sys.modules.get("ipywidgets.widgets.widget")
    instances = getattr(module, "_instances", None) if module is not None else None
    return instances if isinstance(instances, dict) else {}


def find_widgets(value: object, widget: type, depth: int = 0) -> Iterator[Any]:
    """Widgets in ``value``: itself, a box's children (``interactive`` is a box),
    items of lists, tuples, sets and dict values, up to :data:`MAX_DEPTH`."""
    if isinstance(value, widget):
        yield value
        children = getattr(value, "children", None)
        if depth < MAX_DEPTH and isinstance(children, (list, tuple)):
            for child in children[:MAX_ITEMS]:
                yield from find_widgets(child, widget, depth + 1)
        return
    if depth >= MAX_DEPTH:
        return
    if isinstance(value, dict):
        items: Any = list(value.values())[:MAX_ITEMS]
    elif isinstance(value, (list, tuple)):
        items = value[:MAX_ITEMS]
    elif isinstance(value, (set, frozenset)):
        items = list(value)[:MAX_ITEMS]
    else:
        return
    for item in items:
        yield from find_widgets(item, widget, depth + 1)


def model_ids(value: object, widget: type) -> set[str]:
    """Model ids of the live widgets in ``value`` (closed ones have none)."""
    ids = set()
    for w in find_widgets(value, widget):
        model_id = getattr(w, "model_id", None)
        if isinstance(model_id, str):
            ids.add(model_id)
    return ids


class WidgetInputs:
    """Turns front-end widget changes into cascades for one kernel."""

    def __init__(
        self,
        service: ReactiveService,
        user_ns: MutableMapping[str, Any],
        lock: Callable[[], asyncio.Lock],
        status: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.service = service
        self.user_ns = user_ns
        self._lock = lock
        """The kernel's shell lock: a widget cascade waits for a running shell
        request and holds back the next one, like a shell request would."""
        self._status = status
        """Publishes a shell status (``busy``/``idle``) under a message."""
        self.holding = False
        """Whether a widget cascade holds the shell lock: ipykernel then
        dispatches comm messages concurrently, without busy/idle statuses."""
        self.bindings = WidgetBindings()
        self.queue = ChangeQueue()
        self._parents: dict[Binding, dict[str, Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()
        """Set when a change queues a cascade (main thread)."""
        self.main_loop: asyncio.AbstractEventLoop | None = None
        """The kernel's main event loop (set when the kernel starts): cascades
        run there, whichever thread handled the comm message."""
        self.cascades = 0
        self.last_error: str | None = None
        """The last kernel fault a widget cascade met (it is also logged)."""
        """Widget cascades run so far (for tests and benchmarks)."""

    # -- keeping bindings current --------------------------------------------

    def after_cascade(self, result: CascadeResult) -> None:
        """Record the widgets each cell of a finished cascade bound."""
        notebook = self.service.notebook
        for cell_id in self.bindings.cells():
            if cell_id not in notebook:
                self.bindings.drop(cell_id)
                self.queue.discard_cell(cell_id)
        widget = _widget_class()
        for cell_id in result.order:
            self.queue.discard_cell(cell_id)  # its widgets are new (or gone)
            cell = notebook.cells.get(cell_id)
            if cell is None or cell.status != Status.SUCCESS or widget is None:
                self.bindings.drop(cell_id)
                continue
            found = {}
            for name in cell.defined:
                if name.isidentifier() and name in self.user_ns:
                    ids = model_ids(self.user_ns[name], widget)
                    if ids:
                        found[name] = ids
            self.bindings.bind(cell_id, found)

    def _current(self, binding: Binding, model_id: str | None = None) -> bool:
        """Whether ``binding`` still holds a widget (``model_id``, if given):
        its cell exists, ran successfully and the name was not rebound."""
        cell = self.service.notebook.cells.get(binding.cell_id)
        if cell is None:
            self.bindings.drop(binding.cell_id)
            return False
        if cell.status != Status.SUCCESS or binding.name not in cell.defined:
            return False
        widget = _widget_class()
        if widget is None or binding.name not in self.user_ns:
            return False
        ids = model_ids(self.user_ns[binding.name], widget)
        return model_id in ids if model_id is not None else bool(ids)

    # -- front-end changes ---------------------------------------------------

    def comm_msg(self, msg: dict[str, Any]) -> None:
        """A ``comm_msg`` the widget library has just handled: if it is a
        front end's change of an input widget, queue the cascade.

        A message handled while a widget cascade holds the shell lock (or
        queued for that and handled just after) gets its ``idle`` status here:
        ipykernel sends none for messages it dispatches concurrently, and a
        widget front end sends its next change only after the ``idle`` of the
        previous one (without it, it would wait forever).
        """
        in_main = threading.current_thread() is threading.main_thread()
        # Dispatched concurrently: while a widget cascade holds the lock, or
        # after it let go of it (ipykernel chose before; a normal dispatch
        # holds the lock while the handler runs).
        concurrent = self.holding or not self._lock().locked()
        if in_main and concurrent and self._status is not None:
            self._status("busy", msg)
            self._status("idle", msg)
        content = msg.get("content")
        if not isinstance(content, dict):
            return
        data = content.get("data")
        model_id = content.get("comm_id")
        if not isinstance(data, dict) or data.get("method") != "update":
            return
        state = data.get("state")
        if not isinstance(state, dict) or not isinstance(model_id, str):
            return
        widget = _instances().get(model_id)
        if widget is None:
            return
        if not is_input_change(state.keys(), "value" in getattr(widget, "keys", ())):
            return
        if not in_main and self.main_loop is not None:
            # JupyterLab sends widget comm messages on a kernel subshell, handled
            # in a thread of its own; cells run in the main thread only.
            self.main_loop.call_soon_threadsafe(self._changed, model_id, msg)
            return
        self._changed(model_id, msg)

    def _changed(self, model_id: str, msg: dict[str, Any]) -> None:
        """Queue cascades for the bindings holding ``model_id`` (main thread)."""
        queued = False
        for binding in self.bindings.lookup(model_id):
            if self._current(binding, model_id):
                self._parents[binding] = msg
                self.queue.changed(binding)
                queued = True
        if queued:
            self._arrived.set()
        if queued and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._work())

    async def _settle(self) -> None:
        """Let the event loop hand over messages already received, so the
        cascade about to start reads the latest value."""
        seen, quiet = self.queue.changes, 0
        for _ in range(MAX_SETTLE):
            await asyncio.sleep(0)
            if self.queue.changes != seen:
                seen, quiet = self.queue.changes, 0
            else:
                quiet += 1
                if quiet >= SETTLE_ROUNDS:
                    return

    async def _next_change(self, timeout: float) -> bool:
        """Wait for one more change (at most ``timeout`` seconds), then for the
        messages right behind it; ``True`` if one came."""
        arrived = self._arrived
        arrived.clear()
        try:
            await asyncio.wait_for(arrived.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        await self._settle()
        return True

    async def _work(self) -> None:
        try:
            ran_at: int | None = None  # queue.changes when the last cascade started
            took = 0.0  # seconds the last cascade took
            loop = asyncio.get_running_loop()
            while True:
                await self._settle()  # messages that queued up while a cell ran
                if ran_at == self.queue.changes and not len(self.queue) and took > 0:
                    # A change sent while the cell ran may still be on its way
                    # in (relayed by ipykernel's shell channel thread).
                    await self._next_change(min(HELD_BACK_WAIT, took * WAIT_SHARE))
                lock = self._lock()
                waited = lock.locked()
                async with lock:
                    self.holding = True
                    try:
                        if waited:  # a shell request ran meanwhile: more may have come
                            await self._settle()
                        if ran_at is not None and self.queue.changes != ran_at:
                            # A burst: the newest value is a round trip away. Waiting
                            # here, holding the lock, the change is dispatched at once
                            # (and gets its idle from comm_msg) even if the message
                            # before it was handled as a shell request.
                            await self._next_change(min(BURST_WAIT, took * WAIT_SHARE))
                        binding = self.queue.next()
                        if binding is None:
                            return
                        parent = self._parents.pop(binding, None)
                        if parent is None or not self._current(binding):
                            continue
                        ran_at = self.queue.changes
                        started = loop.time()
                        await self._run(binding, parent)
                        took = loop.time() - started
                    finally:
                        self.holding = False
        except Exception as exc:  # a kernel fault must not stop later changes
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("reactive: widget cascade failed")
        finally:
            self.holding = False
            self.queue.running = None
            self._task = None
            if len(self.queue):  # changes that arrived while failing
                self._task = asyncio.get_running_loop().create_task(self._work())

    async def _run(self, binding: Binding, parent: dict[str, Any]) -> None:
        readers = self.service.notebook.graph.readers(binding.name) - {binding.cell_id}
        trigger = Trigger("widget", binding.cell_id, parent, name=binding.name)
        self.cascades += 1
        await self.service.cascade(sorted(readers), trigger)

    async def idle(self) -> None:
        """Wait until no widget cascade is queued or running."""
        while self._task is not None:
            await asyncio.shield(self._task)
