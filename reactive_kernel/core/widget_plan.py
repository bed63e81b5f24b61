"""Widgets as reactive inputs (PROTOCOL.md section 7): the pure rules.

A widget bound to a top-level name ``w`` by cell X is an input: a front end's
change of its value runs one cascade, trigger ``{op: "widget", cell_id: X,
name: "w"}``, over the readers of ``w``. This module holds what needs no I/O:

- which state keys of a front-end ``update`` count as a change
  (:func:`is_input_change`);
- which (cell, name) bindings a widget's model id belongs to
  (:class:`WidgetBindings`), kept current as cells run, fail or go;
- how rapid changes coalesce (:class:`ChangeQueue`): one pending cascade per
  binding at most, so the latest value wins and work for superseded values is
  never queued.

The runtime (``runtime/widgets.py``) finds widgets in the namespace, watches
comm traffic and acts on what these classes return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

EXCLUDED_KEYS = frozenset({"layout", "style"})
"""Synced traits whose change never re-runs anything (appearance only)."""


@dataclass(frozen=True, slots=True)
class Binding:
    """A top-level name ``name`` that cell ``cell_id`` bound to (something
    holding) a widget."""

    cell_id: str
    name: str


def is_input_change(keys: Iterable[str], has_value: bool) -> bool:
    """Whether a front-end ``update`` with state ``keys`` is an input change.

    A widget that syncs a ``value`` trait (``has_value``) changes only through
    ``value``; one without (selection widgets sync ``index``, an anywidget's
    state is arbitrary) through any synced trait but layout, style and private
    (``_``-prefixed) ones.
    """
    if has_value:
        return "value" in keys
    return any(k not in EXCLUDED_KEYS and not k.startswith("_") for k in keys)


class WidgetBindings:
    """Model id -> the bindings holding that widget; per cell, what it bound.

    Call :meth:`bind` after a cell ran successfully (with the widgets found
    under each name it defines) and :meth:`drop` when it failed, was deleted
    or is about to re-run; :meth:`lookup` answers which readers a change of a
    model concerns. The caller must still check that a binding is current
    (the name may have been rebound since) before acting on it.
    """

    def __init__(self) -> None:
        self._by_model: dict[str, set[Binding]] = {}
        self._by_cell: dict[str, dict[str, frozenset[str]]] = {}

    def __len__(self) -> int:
        return len(self._by_model)

    def cells(self) -> list[str]:
        """Cells that currently bind at least one widget."""
        return list(self._by_cell)

    def bind(self, cell_id: str, names: Mapping[str, Iterable[str]]) -> None:
        """Cell ``cell_id`` now binds, under each name, the given model ids
        (replacing whatever it bound before)."""
        self.drop(cell_id)
        kept = {name: frozenset(models) for name, models in names.items() if models}
        if not kept:
            return
        self._by_cell[cell_id] = kept
        for name, models in kept.items():
            binding = Binding(cell_id, name)
            for model in models:
                self._by_model.setdefault(model, set()).add(binding)

    def drop(self, cell_id: str) -> None:
        """Cell ``cell_id`` binds no widget any more."""
        names = self._by_cell.pop(cell_id, None)
        if not names:
            return
        for name, models in names.items():
            binding = Binding(cell_id, name)
            for model in models:
                holders = self._by_model.get(model)
                if holders is None:
                    continue
                holders.discard(binding)
                if not holders:
                    del self._by_model[model]

    def lookup(self, model_id: str) -> list[Binding]:
        """The bindings holding model ``model_id``, in a stable order."""
        holders = self._by_model.get(model_id, ())
        return sorted(holders, key=lambda b: (b.cell_id, b.name))

    def models(self, cell_id: str, name: str) -> frozenset[str]:
        """The model ids cell ``cell_id`` bound under ``name``."""
        return self._by_cell.get(cell_id, {}).get(name, frozenset())


class ChangeQueue:
    """Coalesces input changes into cascades, first come first served.

    :meth:`changed` records a change of ``binding``; it is queued unless a
    cascade for it is already queued (that cascade will read the widget's
    current value when it starts, so the new value wins and nothing is
    added). A change of the binding whose cascade is *running* queues one
    more cascade: the running one may have read the older value. Once
    :meth:`next` returns ``None`` the queue is idle and every binding's
    latest value has been run with.
    """

    def __init__(self) -> None:
        self._pending: dict[Binding, None] = {}
        self.running: Binding | None = None
        self.changes = 0
        """Changes recorded so far (a counter the runtime watches to know that
        more messages are still arriving)."""
        self.coalesced = 0
        """Changes absorbed by a cascade already queued."""

    def __len__(self) -> int:
        return len(self._pending)

    def changed(self, binding: Binding) -> bool:
        """Record a change; ``True`` if it queued a new cascade."""
        self.changes += 1
        if binding in self._pending:
            self.coalesced += 1
            return False
        self._pending[binding] = None
        return True

    def next(self) -> Binding | None:
        """The next binding to run a cascade for (it becomes :attr:`running`)."""
        if not self._pending:
            self.running = None
            return None
        binding = next(iter(self._pending))
        del self._pending[binding]
        self.running = binding
        return binding

    def discard_cell(self, cell_id: str) -> None:
        """Forget queued changes of a cell's bindings (the cell re-ran or went,
        so its widgets are new or gone)."""
        for binding in [b for b in self._pending if b.cell_id == cell_id]:
            del self._pending[binding]
