"""Result-cache keys: a Merkle hash over a cell's code and its ancestors' keys.

PROTOCOL.md section 8. A cell's key hashes its type, name and code, the keys
of the cells that define what it reads (so a change anywhere upstream changes
it), the Python version, and an ``extra`` string the runtime supplies (for SQL
cells: the database URL without password and the bound values). Two runs with
equal keys ran the same code on the same inputs, for deterministic code.

Pure: the graph and the cells come in, hex strings go out. :class:`KeyMemo`
computes each key at most once per cascade (keys of a chain reuse each other).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Final

from .graph import DependencyGraph

VERSION: Final = b"reactive-cache-key/1"
"""Bumped when what a key covers changes, so old entries simply miss."""


def cell_key(
    cell_type: str,
    code: str,
    name: str | None,
    parent_keys: list[str],
    python: str,
    extra: str = "",
) -> str:
    """The key of one cell, given its parents' keys (any order)."""
    h = hashlib.sha256(VERSION)
    for part in (cell_type, name or "", python, extra, code):
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    for key in sorted(parent_keys):
        h.update(key.encode("ascii"))
    return h.hexdigest()


CellSource = Callable[[str], "tuple[str, str, str | None]"]
"""``cell id -> (type, code, name)``."""
Extra = Callable[[str], str]
"""``cell id -> extra`` text that the key must cover (``""`` for most cells)."""


class KeyMemo:
    """Keys of the cells of one notebook state, each computed once.

    Make a new one whenever code or the graph may have changed (a cascade
    does not change either, so the runtime keeps one per cascade).
    """

    __slots__ = ("_extra", "_graph", "_keys", "_python", "_source")

    def __init__(
        self, graph: DependencyGraph, source: CellSource, python: str, extra: Extra
    ) -> None:
        self._graph = graph
        self._source = source
        self._python = python
        self._extra = extra
        self._keys: dict[str, str] = {}

    @property
    def known(self) -> Mapping[str, str]:
        return self._keys

    def key(self, cell_id: str) -> str:
        """The cell's key, computing its ancestors' first (iteratively: a chain
        of 10,000 cells needs no deep recursion). A cell on a cycle counts
        only the parents already known when it is reached."""
        keys = self._keys
        found = keys.get(cell_id)
        if found is not None:
            return found
        pred = self._graph.pred
        stack: list[tuple[str, bool]] = [(cell_id, False)]
        entered: set[str] = set()
        while stack:
            cid, ready = stack.pop()
            if cid in keys:
                continue
            if not ready:
                if cid in entered:
                    continue  # on a cycle: computed when its first visit completes
                entered.add(cid)
                stack.append((cid, True))
                stack.extend((p, False) for p in pred[cid] if p not in keys)
                continue
            cell_type, code, name = self._source(cid)
            parents = [keys[p] for p in pred[cid] if p in keys]
            keys[cid] = cell_key(cell_type, code, name, parents, self._python, self._extra(cid))
        return keys[cell_id]
