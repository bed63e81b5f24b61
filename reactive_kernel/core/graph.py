"""The dependency graph between cells, maintained incrementally.

An edge ``u -> v`` means ``v`` reads a name that ``u`` defines, or ``v`` deletes
(``del x``) a name that ``u`` reads: a deleting cell runs after every other
reader of the name, so a fresh run never depends on where it sits. Each name has
at most one defining cell (its *owner*: the first cell, in registration order,
that defines it); later definers are kept in line and take over when the owner
lets the name go. Cells in a cycle are tracked as strongly connected groups.

Everything here is proportional to what a change touches, not to the notebook:
adding a cell costs its own names and edges, and cycle checks search only from
the edges that changed. Rebuilding from scratch on every change is what makes
other reactive notebooks take minutes to load a 10,000-cell file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported with the first cell (see DependencyGraph.__getattr__)
    import networkx as nx


@dataclass(slots=True)
class GraphDelta:
    """What a change to the graph touched.

    ``touched`` are cells whose edges, name ownership or cycle membership
    changed: the caller re-derives their blocked state. ``inputs_changed`` are
    the cells that gained or lost an incoming edge: what they read now comes
    from elsewhere, so their last results are out of date.
    """

    touched: set[str] = field(default_factory=set)
    inputs_changed: set[str] = field(default_factory=set)


class DependencyGraph:
    """Cells as nodes of a networkx ``DiGraph``; names link them.

    The graph knows names only: callers pass the names that link cells (public
    Python names, ``table:t`` for SQL tables), never private ``_names``.
    """

    __slots__ = (
        "_cycle_of",
        "_definers",
        "_deleters",
        "_deletes",
        "_g",
        "_readers",
        "_reads",
        "_writes",
    )

    def __init__(self) -> None:
        self._g: nx.DiGraph[str]  # made on first use: a kernel with no cells needs no networkx
        self._definers: dict[str, list[str]] = {}
        self._readers: dict[str, set[str]] = {}
        self._reads: dict[str, frozenset[str]] = {}
        self._writes: dict[str, frozenset[str]] = {}
        self._deletes: dict[str, frozenset[str]] = {}
        self._deleters: dict[str, set[str]] = {}
        self._cycle_of: dict[str, frozenset[str]] = {}

    def __getattr__(self, name: str) -> Any:
        """Reached only while the ``_g`` slot is unset: make the graph then."""
        if name != "_g":
            raise AttributeError(name)
        import networkx as nx

        self._g = nx.DiGraph()
        return self._g

    # -- queries ------------------------------------------------------------

    @property
    def nx_graph(self) -> nx.DiGraph[str]:
        """The underlying graph (read-only by convention)."""
        return self._g

    @property
    def succ(self) -> Mapping[str, Mapping[str, Any]]:
        """Children by cell: networkx's own adjacency dict, not a view.

        Hot loops (descendants, planning) go through this; a view object per
        lookup costs a third of an edit in a 10,000-cell notebook.
        """
        return self._g._succ  # type: ignore[attr-defined,no-any-return]

    @property
    def pred(self) -> Mapping[str, Mapping[str, Any]]:
        """Parents by cell (see :attr:`succ`)."""
        return self._g._pred  # type: ignore[attr-defined,no-any-return]

    def __contains__(self, cell_id: object) -> bool:
        return cell_id in self._reads

    def owner(self, name: str) -> str | None:
        definers = self._definers.get(name)
        return definers[0] if definers else None

    def reads(self, cell_id: str) -> frozenset[str]:
        """The names that link ``cell_id`` to its definers."""
        return self._reads[cell_id]

    def readers(self, name: str) -> frozenset[str]:
        """Cells that read ``name``, whether or not a cell defines it."""
        return frozenset(self._readers.get(name, ()))

    def parents(self, cell_id: str) -> list[str]:
        return list(self._g.pred[cell_id])

    def children(self, cell_id: str) -> list[str]:
        return list(self._g.succ[cell_id])

    def edge_names(self, u: str, v: str) -> frozenset[str]:
        """The names that make ``v`` depend on ``u``.

        Derived, not stored: an edge carries no data, which keeps a
        10,000-cell notebook's graph small.
        """
        names = {n for n in self._reads[v] if self.owner(n) == u}
        for n in self._deletes.get(v, ()):
            if u in self._readers.get(n, ()):
                names.add(n)
        return frozenset(names)

    def _reason(self, u: str, v: str) -> bool:
        """Whether anything still makes ``v`` depend on ``u``."""
        definers = self._definers
        for n in self._reads[v]:
            d = definers.get(n)
            if d and d[0] == u:
                return True
        readers = self._readers
        return any(u in readers.get(n, ()) for n in self._deletes.get(v, ()))

    def descendants(self, roots: Iterable[str]) -> set[str]:
        """Every cell reachable from ``roots``, roots excluded unless on a cycle."""
        succ = self.succ
        seen: set[str] = set()
        stack = [c for r in roots for c in succ[r]]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(succ[node])
        return seen

    def ancestors(self, roots: Iterable[str]) -> set[str]:
        pred = self.pred
        seen: set[str] = set()
        stack = [c for r in roots for c in pred[r]]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(pred[node])
        return seen

    def has_conflict(self, cell_id: str) -> bool:
        """Whether another cell owns a name this cell defines (cheap)."""
        definers = self._definers
        return any(definers[n][0] != cell_id for n in self._writes.get(cell_id, ()))

    def conflicts(self, cell_id: str) -> dict[str, str]:
        """Names ``cell_id`` defines that another cell owns: ``{name: owner}``."""
        out = {}
        for name in self._writes.get(cell_id, ()):
            owner = self._definers[name][0]
            if owner != cell_id:
                out[name] = owner
        return out

    def cycle(self, cell_id: str) -> frozenset[str] | None:
        """The strongly connected group ``cell_id`` is part of, if any."""
        return self._cycle_of.get(cell_id)

    def owned_names(self, cell_id: str) -> frozenset[str]:
        return frozenset(n for n in self._writes.get(cell_id, ()) if self.owner(n) == cell_id)

    # -- edges --------------------------------------------------------------

    def _link(
        self, u: str, v: str, name: str, delta: GraphDelta, added: list[tuple[str, str]]
    ) -> None:
        if u == v or v in self._g._succ[u]:  # type: ignore[attr-defined]
            return
        self._g.add_edge(u, v)
        added.append((u, v))
        delta.touched.update((u, v))
        delta.inputs_changed.add(v)

    def _unlink(
        self, u: str, v: str, name: str, delta: GraphDelta, removed: list[tuple[str, str]]
    ) -> None:
        """Remove ``u -> v`` unless something else still links them; callers
        update the names first."""
        if u == v or not self._g.has_edge(u, v):
            return
        if not self._reason(u, v):
            self._g.remove_edge(u, v)
            removed.append((u, v))
            delta.touched.update((u, v))
            delta.inputs_changed.add(v)

    # -- mutation -----------------------------------------------------------

    def set_cell(
        self,
        cell_id: str,
        reads: Iterable[str],
        writes: Iterable[str],
        deletes: Iterable[str] = (),
    ) -> GraphDelta:
        """Add a cell or change what it reads, writes and deletes (``deletes``
        are reads too: pass them in both)."""
        new_reads, new_writes = frozenset(reads), frozenset(writes)
        new_deletes = frozenset(deletes)
        delta = GraphDelta()
        old_deletes = self._deletes.get(cell_id, frozenset())
        if cell_id not in self._reads:
            self._g.add_node(cell_id)
            old_reads: frozenset[str] = frozenset()
            old_writes: frozenset[str] = frozenset()
            delta.touched.add(cell_id)
        else:
            old_reads, old_writes = self._reads[cell_id], self._writes[cell_id]
            if old_reads == new_reads and old_writes == new_writes and old_deletes == new_deletes:
                return delta
        self._reads[cell_id], self._writes[cell_id] = new_reads, new_writes
        if new_deletes:
            self._deletes[cell_id] = new_deletes
        else:
            self._deletes.pop(cell_id, None)
        added: list[tuple[str, str]] = []
        removed: list[tuple[str, str]] = []
        for name in old_writes - new_writes:
            self._drop_definer(cell_id, name, delta, added, removed)
        for name in sorted(new_writes - old_writes):
            self._add_definer(cell_id, name, delta, added)
        deleters = self._deleters
        for name in old_reads - new_reads:
            self._readers[name].discard(cell_id)
            owner = self.owner(name)
            if owner is not None:
                self._unlink(owner, cell_id, name, delta, removed)
            for deleter in deleters.get(name, ()):
                self._unlink(cell_id, deleter, name, delta, removed)
        for name in old_deletes - new_deletes:
            deleters[name].discard(cell_id)
            if not deleters[name]:
                del deleters[name]
            for reader in self._readers.get(name, ()):
                self._unlink(reader, cell_id, name, delta, removed)
        for name in new_reads - old_reads:
            self._readers.setdefault(name, set()).add(cell_id)
            owner = self.owner(name)
            if owner is not None:
                self._link(owner, cell_id, name, delta, added)
            for deleter in deleters.get(name, ()):
                self._link(cell_id, deleter, name, delta, added)
        for name in new_deletes - old_deletes:
            deleters.setdefault(name, set()).add(cell_id)
            for reader in self._readers.get(name, ()):
                self._link(reader, cell_id, name, delta, added)
        self._update_cycles(added, removed, delta)
        return delta

    def remove_cell(self, cell_id: str) -> GraphDelta:
        """Remove a cell; names it owned pass to their next definer."""
        delta = self.set_cell(cell_id, (), ())
        group = self._cycle_of.pop(cell_id, None)
        if group:
            delta.touched |= group
        self._g.remove_node(cell_id)
        del self._reads[cell_id], self._writes[cell_id]
        delta.touched.discard(cell_id)
        delta.inputs_changed.discard(cell_id)
        return delta

    def _add_definer(
        self, cell_id: str, name: str, delta: GraphDelta, added: list[tuple[str, str]]
    ) -> None:
        definers = self._definers.setdefault(name, [])
        definers.append(cell_id)
        if len(definers) == 1:
            for reader in self._readers.get(name, ()):
                self._link(cell_id, reader, name, delta, added)
        else:
            delta.touched.add(cell_id)  # now a conflicting definer

    def _drop_definer(
        self,
        cell_id: str,
        name: str,
        delta: GraphDelta,
        added: list[tuple[str, str]],
        removed: list[tuple[str, str]],
    ) -> None:
        definers = self._definers[name]
        was_owner = definers[0] == cell_id
        definers.remove(cell_id)
        delta.touched.add(cell_id)
        if not was_owner:
            return
        readers = self._readers.get(name, ())
        for reader in readers:
            self._unlink(cell_id, reader, name, delta, removed)
        if definers:
            heir = definers[0]
            delta.touched.update(definers)  # the heir, and those now conflicting with it
            for reader in readers:
                self._link(heir, reader, name, delta, added)
        else:
            del self._definers[name]

    # -- cycles -------------------------------------------------------------

    def _reaches(self, source: str, target: str) -> bool:
        """Is there a path ``source -> ... -> target``?

        Searches forward from ``source`` and backward from ``target`` at once,
        always growing the smaller frontier, so a cell added at either end of
        a long chain costs O(1), not the length of the chain.
        """
        if source == target:
            return True
        succ, pred = self.succ, self.pred
        ahead, behind = {source}, {target}
        front, back = [source], [target]
        while front and back:
            if len(front) <= len(back):
                grown = []
                for node in front:
                    for nxt in succ[node]:
                        if nxt in behind:
                            return True
                        if nxt not in ahead:
                            ahead.add(nxt)
                            grown.append(nxt)
                front = grown
            else:
                grown = []
                for node in back:
                    for prev in pred[node]:
                        if prev in ahead:
                            return True
                        if prev not in behind:
                            behind.add(prev)
                            grown.append(prev)
                back = grown
        return False

    def _set_group(self, group: frozenset[str], delta: GraphDelta) -> None:
        for node in group:
            if self._cycle_of.get(node) != group:
                self._cycle_of[node] = group
                delta.touched.add(node)

    def _update_cycles(
        self, added: list[tuple[str, str]], removed: list[tuple[str, str]], delta: GraphDelta
    ) -> None:
        """Re-derive cycle groups from the edges that changed.

        Removing edges can only split groups that contained them; a group can
        only grow or appear through an added edge ``u -> v`` with ``v`` reaching
        ``u``. Both searches start from the changed edges only.
        """
        broken = {self._cycle_of[u] for u, _ in removed if u in self._cycle_of}
        for group in broken:
            for node in group:
                if self._cycle_of.get(node) is group:
                    del self._cycle_of[node]
                    delta.touched.add(node)
            live = [n for n in group if n in self._g]
            import networkx as nx

            for scc in nx.strongly_connected_components(self._g.subgraph(live)):
                if len(scc) > 1:
                    self._set_group(frozenset(scc), delta)
        for u, v in added:
            if not self._g.has_edge(u, v) or not self._reaches(v, u):
                continue
            group = frozenset(self.descendants([u]) & (self.ancestors([u]) | {u}))
            self._set_group(group | {u}, delta)
