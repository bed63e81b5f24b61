"""Expensive notebooks: lazy mode, disabled cells and the result cache, wired
into the :class:`~reactive_kernel.service.ReactiveService` (PROTOCOL.md section 8).

The rules are pure (core/modes.py, core/cache_key.py); the cache's I/O is in
runtime/cell_cache.py. This module holds the notebook's settings, keeps
statuses in line with them after every change (the service calls
:meth:`ExpensiveNotebook.refresh`), plans cascades in the current mode, and
handles the ops ``configure`` (mode, cache limit), ``configure_cell`` and
``clear_cache``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .core import protocol
from .core.cells import Cell, Status
from .core.modes import AUTO, LAZY, apply_disabled, lazy_plan, mark_stale_below, without_disabled
from .core.nbformat_percent import NotebookDoc
from .core.notebook import Change
from .core.plan import CascadePlan
from .runtime.cascade import Trigger
from .runtime.cell_cache import DEFAULT_LIMIT_MB, CellCache

if TYPE_CHECKING:
    from .service import ReactiveService

_NO_RUN_IN_LAZY = frozenset({"delete"})
"""Triggers whose cells lazy mode only marks stale (a console input's readers too)."""


class ExpensiveNotebook:
    """The mode, the disabled cells and the cache of one notebook."""

    def __init__(self, svc: ReactiveService) -> None:
        self.svc = svc
        self.mode: str = AUTO
        self.disabled: set[str] = set()
        """Cells with the ``disabled`` option on."""
        self.closure: dict[str, str | None] = {}
        """Cells that do not run now, each with the disabled ancestor that stops it."""
        self.cache: CellCache | None = None
        """Set by the kernel; None where no cache is available (tests of the service)."""
        self.cache_limit_mb = DEFAULT_LIMIT_MB
        self._stale: list[str] = []
        """Cells the last lazy cascade marked stale (for the text summary)."""

    # -- loading and keeping statuses current ------------------------------------

    def load(self, doc: NotebookDoc) -> None:
        """Take the mode and the cells' options from a notebook file."""
        mode = doc.metadata.get("mode")
        self.mode = LAZY if mode == LAZY else AUTO
        cells = self.svc.notebook.cells
        for stored in doc.cells:
            cell = cells.get(stored.id)
            if cell is None:
                continue
            cell.cache = stored.cache
            if stored.disabled:
                cell.disabled = True
                self.disabled.add(stored.id)
        self.refresh(Change())

    def refresh(self, change: Change) -> list[str]:
        """Bring disabled statuses in line after ``change``; their names go and
        the cells join ``change.changed``. Returns the cells enabled again.
        Free when no cell is or was disabled."""
        if not self.disabled and not self.closure:
            return []
        cells = self.svc.notebook.cells
        self.disabled = {c for c in self.disabled if c in cells}
        result = apply_disabled(self.svc.notebook, self.disabled, self.closure)
        self.closure = result.closure
        if result.remove_names:
            self.svc.forget(result.remove_names)
            change.remove_names |= result.remove_names
        if result.changed:
            positions = cells.positions()
            change.changed = sorted(
                set(change.changed) | set(result.changed), key=positions.__getitem__
            )
        return result.enabled

    # -- planning ----------------------------------------------------------------

    def plan(self, roots: Iterable[str], trigger: Trigger, include_roots: bool) -> CascadePlan:
        """The cascade for ``roots`` in the current mode, without disabled cells.

        Lazy mode (except ``run_all``): run the roots and their out-of-date
        ancestors only, and mark what is below them ``stale``; a delete or a
        console input only marks its readers stale.
        """
        nb = self.svc.notebook
        if self.mode != LAZY or trigger.op == "run_all":
            return without_disabled(nb.plan(roots, include_roots=include_roots), self.closure)
        roots = [r for r in roots if r not in self.closure]
        if trigger.op in _NO_RUN_IN_LAZY or (trigger.op == "execute" and trigger.cell_id is None):
            stale = [r for r in roots if nb.cells[r].status in (Status.SUCCESS, Status.ERROR)]
            for cid in stale:
                nb.cells[cid].status = Status.STALE
            stale += mark_stale_below(nb, roots)
            self._publish_stale(stale, trigger.parent)
            return CascadePlan(())
        plan = without_disabled(lazy_plan(nb, roots if include_roots else []), self.closure)
        self._publish_stale(mark_stale_below(nb, roots, skip=plan.order), trigger.parent)
        below = nb.graph.descendants(roots).difference(plan.order)
        positions = nb.cells.positions()
        self._stale = sorted(
            (c for c in below if nb.cells[c].status == Status.STALE), key=positions.__getitem__
        )
        return plan

    def _publish_stale(self, cell_ids: list[str], parent: dict[str, Any]) -> None:
        """Cells a lazy change left out of date: one ``cell_statuses`` event
        outside any cascade (``cascade_id`` null)."""
        if not cell_ids:
            return
        cells = self.svc.notebook.cells
        self.svc.publisher.event(
            {
                "event": "cell_statuses",
                "cascade_id": None,
                "total": 0,
                "statuses": [{**protocol.status_entry(cells[c]), "index": -1} for c in cell_ids],
            },
            parent,
        )

    def take_stale(self) -> list[Cell]:
        """The cells the last lazy cascade left stale (once), for the summary."""
        cells = self.svc.notebook.cells
        stale, self._stale = self._stale, []
        return [cells[c] for c in stale if c in cells and cells[c].status == Status.STALE]

    # -- ops -----------------------------------------------------------------------

    def configure(self, r: protocol.Configure) -> dict[str, Any]:
        """Apply ``mode`` and ``cache_limit_mb``; returns the settings for the reply."""
        if r.mode is not None and r.mode != self.mode:
            self.mode = r.mode
            if r.mode == LAZY:
                self.svc.file_metadata["mode"] = LAZY
            else:
                self.svc.file_metadata.pop("mode", None)
            if self.svc.file is not None:
                self.svc.persist()
        if r.cache_limit_mb is not None:
            self.cache_limit_mb = r.cache_limit_mb
            if self.cache is not None:
                self.cache.set_limit(r.cache_limit_mb)
        return {"mode": self.mode, "cache_limit_mb": self.cache_limit_mb}

    async def configure_cell(
        self, parent: dict[str, Any], cell_id: str, disabled: bool | None, cache: bool | None
    ) -> dict[str, Any]:
        """Set a cell's options, publish ``cell_updated``, save; in auto mode
        the cells enabled again run."""
        svc = self.svc
        cell = svc.notebook.cell(cell_id)
        change = Change()
        if cache is not None and cache != cell.cache:
            cell.cache = cache
            if cache and cell.status == Status.SUCCESS and self.cache is not None:
                self.cache.begin()  # keys afresh: code may have changed since the last cascade
                svc.runner.save_cached(cell)  # keep the current result at once
            if not cache:
                cell.diagnostics = tuple(d for d in cell.diagnostics if d.code != "uncacheable")
        if disabled is not None and disabled != cell.disabled:
            cell.disabled = disabled
            (self.disabled.add if disabled else self.disabled.discard)(cell_id)
        enabled = self.refresh(change)
        svc.publisher.event(
            protocol.cell_updated(
                svc.notebook.cell_dict(cell),
                [
                    protocol.changed_entry(svc.notebook.cells[c])
                    for c in change.changed
                    if c != cell_id
                ],
            ),
            parent,
        )
        svc.persist()
        fields: dict[str, Any] = {
            "cell_id": cell_id,
            "disabled": cell.disabled,
            "cache": cell.cache,
        }
        if enabled and self.mode == AUTO:
            result = await svc.cascade(enabled, Trigger("configure_cell", cell_id, parent))
            fields["cascade_id"] = result.cascade_id if result else None
        return fields

    async def magic(self, parent: dict[str, Any], cell_id: str, action: str) -> str:
        """A ``%reactive`` option command queued by magics.py (see :func:`run_magic`)."""
        return await run_magic(self, parent, cell_id, action)

    def clear_cache(self, cell_id: str | None) -> dict[str, Any]:
        if cell_id is not None:
            self.svc.notebook.cell(cell_id)
        dropped = self.cache.clear(cell_id) if self.cache is not None else 0
        return {"dropped": dropped}


async def configure_cell(
    svc: ReactiveService, r: protocol.ConfigureCell, parent: dict[str, Any]
) -> dict[str, Any]:
    return await svc.expensive.configure_cell(parent, r.cell_id, r.disabled, r.cache)


async def clear_cache(
    svc: ReactiveService, r: protocol.ClearCache, parent: dict[str, Any]
) -> dict[str, Any]:
    return svc.expensive.clear_cache(r.cell_id)


async def run_magic(
    nb: ExpensiveNotebook, parent: dict[str, Any], cell_id: str, action: str
) -> str:
    """Carry out a queued ``%reactive`` option command; returns what to print."""
    from .core.notebook import OpError

    try:
        if action in ("mode-auto", "mode-lazy"):
            mode = action[len("mode-") :]
            nb.configure(protocol.Configure(None, None, mode=mode))
            return f"%reactive mode: {mode}"
        if action == "clear-cache":
            dropped = nb.clear_cache(cell_id or None)["dropped"]
            return f"%reactive clear-cache: {dropped} cached result(s) dropped"
        options = {
            "disable": {"disabled": True},
            "enable": {"disabled": False},
            "cache-on": {"cache": True},
            "cache-off": {"cache": False},
        }[action]
        await nb.configure_cell(parent, cell_id, options.get("disabled"), options.get("cache"))
        cell = nb.svc.notebook.cell(cell_id)
        return f"%reactive: cell {cell_id} is {_describe(cell.disabled, cell.cache)}"
    except OpError as exc:
        return f"%reactive: {exc.message}"


def _describe(disabled: bool, cache: bool) -> str:
    return f"{'disabled' if disabled else 'enabled'}, cache {'on' if cache else 'off'}"
