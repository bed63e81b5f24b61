"""The result cache as the cascade runner sees it: restore a cell, or save it.

Keys come from :mod:`..core.cache_key`; entries live in a
:class:`~.cache_store.CacheStore`. An entry holds the names the cell writes
(their values) and its outputs. On a hit the runner restores both instead of
running the cell (PROTOCOL.md section 8); after a successful run of a cell
with the ``cache`` option the runner saves them. A value that cannot be
pickled leaves the cell uncached with an ``uncacheable`` diagnostic; nothing
about the cache ever makes a cell fail.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.cache_key import KeyMemo
from ..core.cells import Cell
from ..core.diagnostics import UNCACHEABLE, Diagnostic
from ..core.notebook import Notebook
from ..core.sql_magic import TABLE_PREFIX
from .cache_store import CacheStore, dumps, user_key

DEFAULT_LIMIT_MB = 1024
CACHE_DIR_ENV = "REACTIVE_CACHE_DIR"
"""Overrides where a kernel keeps its cache (headless ``run`` points it beside the file)."""
PYTHON = f"{sys.implementation.name}-{'.'.join(map(str, sys.version_info[:3]))}"


def folder_for(notebook_path: str | None) -> Path:
    """Where a notebook's entries live: ``__reactive_cache__/<file name>/``
    beside the file; a fresh temporary folder for a kernel bound to no file."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    if notebook_path:
        path = Path(notebook_path).absolute()
        return path.parent / "__reactive_cache__" / path.name
    folder = Path(tempfile.mkdtemp(prefix="reactive-cache-"))
    atexit.register(shutil.rmtree, folder, True)  # nothing can reopen it: remove at exit
    return folder


class CellCache:
    """Keys, restore and save for the cells of one notebook."""

    def __init__(
        self,
        notebook: Notebook,
        namespace: dict[str, Any],
        sql_url: Callable[[], str],
        limit_mb: int = DEFAULT_LIMIT_MB,
    ) -> None:
        self.notebook = notebook
        self.namespace = namespace
        self.sql_url = sql_url
        self.limit_mb = limit_mb
        self.notebook_path: str | None = None
        self._store: CacheStore | None = None
        self._memo: KeyMemo | None = None
        self.errors: list[str] = []
        """Why the store could not be opened (the cache is then off), for logs."""

    # -- the store ---------------------------------------------------------------

    @property
    def store(self) -> CacheStore | None:
        if self._store is None and not self.errors:
            try:
                secret = user_key()
                self._store = CacheStore(
                    folder_for(self.notebook_path), secret, self.limit_mb << 20
                )
            except OSError as exc:
                self.errors.append(f"the result cache is off: {exc}")
        return self._store

    def set_limit(self, limit_mb: int) -> None:
        self.limit_mb = limit_mb
        if self._store is not None:
            self._store.limit = limit_mb << 20
            self._store.evict()

    def clear(self, cell_id: str | None = None) -> int:
        """Drop entries (all, or one cell's); returns how many."""
        store = self.store
        if store is None:
            return 0
        if cell_id is None:
            return store.delete()
        prefix = f"{cell_id}."
        return store.delete(lambda key: key.startswith(prefix))

    # -- keys --------------------------------------------------------------------

    def begin(self) -> None:
        """A cascade starts: keys are computed afresh (code may have changed)."""
        self._memo = None

    def key(self, cell: Cell) -> str:
        memo = self._memo
        if memo is None:
            cells = self.notebook.cells
            memo = self._memo = KeyMemo(
                self.notebook.graph,
                lambda cid: (cells[cid].type, cells[cid].code, cells[cid].name),
                PYTHON,
                self._extra,
            )
        return f"{cell.id}.{memo.key(cell.id)}"

    def _extra(self, cell_id: str) -> str:
        """For SQL cells: the database URL (password masked) and the bound values."""
        cell = self.notebook.cells[cell_id]
        if cell.type != "sql":
            return ""
        parts = [self.sql_url()]
        ns = self.namespace
        for name in sorted(cell.reads):
            if name.startswith(TABLE_PREFIX) or name not in ns:
                continue
            parts.append(f"{name}={_digest(ns[name])}")
        return "\n".join(parts)

    # -- restore and save --------------------------------------------------------

    def restore(self, cell: Cell) -> list[dict[str, Any]] | None:
        """Bind the cell's cached names; returns its outputs, or None on a miss."""
        if not _cacheable_writes(cell):
            return None
        store = self.store
        if store is None:
            return None
        entry = store.get(self.key(cell))
        if not isinstance(entry, dict):
            return None
        names, outputs = entry.get("names"), entry.get("outputs")
        if not isinstance(names, dict) or not isinstance(outputs, list):
            return None
        if not set(names) <= cell.writes:
            return None
        self.namespace.update(names)
        return outputs

    def save(self, cell: Cell) -> Diagnostic | None:
        """Store what the cell just bound and showed; a diagnostic if it cannot be."""
        if not _cacheable_writes(cell):
            return Diagnostic(
                UNCACHEABLE,
                "This cell creates database tables, which the result cache cannot keep: "
                "it runs every time.",
                tuple(
                    sorted(
                        n[len(TABLE_PREFIX) :] for n in cell.writes if n.startswith(TABLE_PREFIX)
                    )
                ),
            )
        store = self.store
        if store is None:
            return None
        ns = self.namespace
        names = {n: ns[n] for n in sorted(cell.writes) if n in ns}
        entry = {"names": names, "outputs": cell.outputs.to_list()}
        try:
            data, buffers = dumps(entry)
        except Exception as exc:
            bad = _unpicklable(names)
            listed = ", ".join(bad) or "its outputs"
            return Diagnostic(
                UNCACHEABLE,
                f"The result cache cannot keep {listed} ({type(exc).__name__}: "
                f"{str(exc)[:200]}): this cell runs every time.",
                tuple(bad),
            )
        store.put(self.key(cell), data, buffers)
        return None


def _cacheable_writes(cell: Cell) -> bool:
    return not any(n.startswith(TABLE_PREFIX) for n in cell.writes)


def _unpicklable(names: dict[str, Any]) -> list[str]:
    bad = []
    for name, value in names.items():
        try:
            dumps(value)
        except Exception:
            bad.append(name)
    return bad


def _digest(value: Any) -> str:
    """A stable digest of a bound value (its pickle; its repr if it has none)."""
    try:
        data = pickle.dumps(value, protocol=5)
    except Exception:
        data = repr(value).encode("utf-8", "replace")
    return hashlib.sha256(data).hexdigest()[:32]


def output_message(output: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The IOPub message that shows a kept nbformat output again."""
    kind = output.get("output_type")
    if kind == "stream":
        return "stream", {"name": output.get("name", "stdout"), "text": output.get("text", "")}
    if kind == "display_data":
        content = {"data": output.get("data", {}), "metadata": output.get("metadata", {})}
        return "display_data", {**content, "transient": {}}
    if kind == "execute_result":
        return "execute_result", {
            "data": output.get("data", {}),
            "metadata": output.get("metadata", {}),
            "execution_count": output.get("execution_count"),
        }
    return None
