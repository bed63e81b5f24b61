"""A differential oracle for the reactive invariant (PROTOCOL.md section 2a).

Random operation sequences run against a real kernel; the kernel's final state
is compared with a *fresh run* of the final cells computed here, independently
of the kernel's core: each pool snippet states by hand what it reads, writes and
deletes, the graph rules of the protocol are re-implemented in a few lines on
networkx, and the cells run with ``exec`` (Python) and the standard library's
``sqlite3`` (SQL) in a namespace of their own.

Nothing here imports ``reactive_kernel``.
"""

from __future__ import annotations

import contextlib
import io
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx


@dataclass(frozen=True)
class Snippet:
    code: str
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    deletes: frozenset[str] = frozenset()
    syntax_error: bool = False
    sql_name: str | None = None
    markdown: Callable[[dict[str, Any]], str] | None = None
    """A markdown cell (PROTOCOL 2b): the text it renders, from the namespace."""


def _s(code: str, reads: str = "", writes: str = "", deletes: str = "", **kw: Any) -> Snippet:
    return Snippet(
        code,
        frozenset(reads.split()),
        frozenset(writes.split()),
        frozenset(deletes.split()),
        **kw,
    )


PYTHON_POOL: list[Snippet] = [
    _s("a = 2\nprint('a', a)", "", "a"),
    _s("a = 5", "", "a"),
    _s("b = a + 1\nprint('b', b)", "a", "b"),
    _s("b = 10\nprint('b', b)", "", "b"),
    _s("c = a * b\nprint('c', c)", "a b", "c"),
    _s("a = b - 1", "b", "a"),  # a cycle with `b = a + 1`
    _s("del a", "a", "", "a"),
    _s("del b", "b", "", "b"),
    _s("print('a is', a)", "a"),
    _s("len = lambda s: 42", "", "len"),  # shadows a builtin
    _s("print('len ->', len([1, 2]))", "len"),
    _s("b = len('xy') + a\nprint('b', b)", "len a", "b"),
    _s("_p = 3\nd = _p + a\nprint('d', d)", "a", "d _p"),
    _s("_p = 4\nprint('private', _p)", "", "_p"),
    _s("import math\ne = math.floor(2.5) + b\nprint('e', e)", "b", "math e"),
    _s("print(math.pi > 3, e)", "math e"),
    _s("def f(x):\n    return x + a", "a", "f"),
    _s("g = f(1)\nprint('g', g)", "f", "g"),
    _s("def k():\n    global a\n    del a", "a", "k"),
    _s("lst = [3, 1, 2]\nlst.sort()\nprint(lst)", "", "lst"),
    _s("lst2 = [x * a for x in lst]\nprint(lst2)", "lst a", "lst2"),
    _s("h = 1 / 0", "", "h"),
    _s("print('h', h)", "h"),
    _s("c = 7", "", "c"),
    _s("for i in range(3):\n    pass\nprint('i', i)", "", "i"),
    _s("a = (5", syntax_error=True),  # a draft being typed
    _s("print('q', [int(v) for v in q['y']])", "q"),
    # markdown cells: what they render, written by hand (no interpolation code here)
    _s("**a** is {a}, b is {b:.1f}", "a b",
       markdown=lambda ns: f"**a** is {ns['a']}, b is {float(ns['b']):.1f}"),
    _s("`{a}` stays, {{c}} too, c is {c!r}", "c",
       markdown=lambda ns: f"`{{a}}` stays, {{c}} too, c is {ns['c']!r}"),
    _s("# Title\n\n$x^{2}$ and {\"json\": 1}",
       markdown=lambda ns: "# Title\n\n$x^{2}$ and {\"json\": 1}"),
    # `len` may be shadowed by a cell (a definition its readers depend on)
    _s("{len(lst)} items", "len lst", markdown=lambda ns: f"{ns.get('len', len)(ns['lst'])} items"),
]

SQL_POOL: list[Snippet] = [
    _s("CREATE TABLE t AS SELECT :a AS x", "a", "table:t"),
    _s("SELECT x * 2 AS y FROM t", "table:t", "q", sql_name="q"),
    _s("SELECT :b AS y", "b", "q", sql_name="q"),
]

NAMES = sorted({n for s in PYTHON_POOL + SQL_POOL for n in s.writes | s.reads | s.deletes})
"""Every name the pool can bind (``table:t`` included; it is never in a namespace)."""
PY_NAMES = sorted(n for n in NAMES if not n.startswith(("_", "table:")))
SQL_RESULTS = frozenset({"q"})


# -- operations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    kind: str  # create | register | run | run_all | delete | move | mode | disable | cache
    slot: int = -1
    snippet: int = -1
    sql: bool = False
    run: bool = False
    after: int | None = None

    def __repr__(self) -> str:
        pool = SQL_POOL if self.sql else PYTHON_POOL
        code = pool[self.snippet].code if self.snippet >= 0 else ""
        bits = [self.kind]
        if self.slot >= 0:
            bits.append(f"c{self.slot}")
        if code:
            bits.append(repr(code))
        if self.kind == "register":
            bits.append(f"run={self.run}")
        if self.kind in ("mode", "disable", "cache"):
            bits.append(
                {"mode": "lazy", "disable": "on", "cache": "on"}[self.kind] if self.run else "off"
            )
        if self.kind in ("create", "move"):
            bits.append(f"after={f'c{self.after}' if self.after is not None else None}")
        return "(" + ", ".join(bits) + ")"


def random_ops(rng: random.Random, slots: int = 7) -> list[Op]:
    """A few cells created, then random operations on them."""
    ops: list[Op] = []
    live: dict[int, bool] = {}  # slot -> is sql
    # Each sequence draws from a few snippets, so they meet often enough to
    # interact (a del, its definer and a reader; a builtin and its shadow).
    theme = rng.sample(range(len(PYTHON_POOL)), rng.randint(3, 8))
    with_sql = rng.random() < 0.3
    options = rng.random() < 0.5

    def snippet(sql: bool) -> int:
        return rng.randrange(len(SQL_POOL)) if sql else rng.choice(theme)

    def new_cell(slot: int) -> Op:
        sql = with_sql and rng.random() < 0.3
        after = rng.choice([None, *live]) if live and rng.random() < 0.3 else None
        live[slot] = sql
        return Op("create", slot, snippet(sql), sql, after=after)

    for slot in range(rng.randint(2, 5)):
        ops.append(new_cell(slot))
    if rng.random() < 0.5:
        ops.append(Op("run_all"))
    for _ in range(rng.randint(1, 12)):
        roll = rng.random()
        free = [s for s in range(slots) if s not in live]
        if roll < 0.15 and free:
            ops.append(new_cell(rng.choice(free)))
        elif not live:
            continue
        elif roll < 0.45:
            slot = rng.choice(list(live))
            ops.append(
                Op("register", slot, snippet(live[slot]), live[slot], run=rng.random() < 0.6)
            )
        elif roll < 0.65:
            ops.append(Op("run", rng.choice(list(live))))
        elif roll < 0.7:
            ops.append(Op("run_all"))
        elif roll < 0.8:
            slot = rng.choice(list(live))
            del live[slot]
            ops.append(Op("delete", slot))
        elif roll < 0.87 and options:
            # expensive notebooks (PROTOCOL.md section 8): lazy mode, disabled cells, cache
            kind = rng.choice(["mode", "disable", "disable", "cache", "cache"])
            ops.append(
                Op(kind, rng.choice(list(live)) if kind != "mode" else -1, run=rng.random() < 0.6)
            )
        else:
            slot = rng.choice(list(live))
            others = [s for s in live if s != slot]
            ops.append(Op("move", slot, after=rng.choice([None, *others])))
    return ops


# -- the reference model -----------------------------------------------------------


@dataclass
class RefCell:
    slot: int
    sql: bool
    snippet: Snippet
    reads: frozenset[str]
    writes: frozenset[str]
    deletes: frozenset[str]
    sql_name: str | None = None
    """An SQL cell's name sticks: ``register`` without a name keeps it."""


def _writes(snip: Snippet, sql_name: str | None) -> frozenset[str]:
    writes = snip.writes - SQL_RESULTS
    if sql_name is not None:
        writes |= {sql_name}
    return _linked(writes)


@dataclass
class Reference:
    """The notebook as the protocol defines it: cells in order and the
    registration order of each name's definers."""

    cells: list[RefCell] = field(default_factory=list)
    definers: dict[str, list[int]] = field(default_factory=dict)
    disabled: set[int] = field(default_factory=set)
    cached: set[int] = field(default_factory=set)
    lazy: bool = False

    def index(self, slot: int) -> int:
        return next(i for i, c in enumerate(self.cells) if c.slot == slot)

    def has(self, slot: int) -> bool:
        return any(c.slot == slot for c in self.cells)

    def _set_writes(self, slot: int, old: frozenset[str], new: frozenset[str]) -> None:
        for name in old - new:
            self.definers[name].remove(slot)
        for name in sorted(new - old):
            self.definers.setdefault(name, []).append(slot)

    def apply(self, op: Op) -> bool:
        """Apply a valid op to the model; False if the op does not apply."""
        pool = SQL_POOL if op.sql else PYTHON_POOL
        if op.kind == "create":
            if self.has(op.slot):
                return False
            snip = pool[op.snippet]
            reads, writes, deletes = (
                (frozenset(), frozenset(), frozenset())
                if snip.syntax_error
                else (snip.reads, snip.writes, snip.deletes)
            )
            cell = RefCell(op.slot, op.sql, snip, reads, _linked(writes), deletes, snip.sql_name)
            if op.sql:
                cell.writes = _writes(snip, snip.sql_name)
            pos = len(self.cells)
            if op.after is not None and self.has(op.after):
                pos = self.index(op.after) + 1
            self.cells.insert(pos, cell)
            self._set_writes(op.slot, frozenset(), cell.writes)
            return True
        if op.kind == "mode":
            self.lazy = op.run
            return True
        if not self.has(op.slot) and op.kind != "run_all":
            return False
        if op.kind in ("disable", "cache"):
            chosen = self.disabled if op.kind == "disable" else self.cached
            (chosen.add if op.run else chosen.discard)(op.slot)
            return True
        if op.kind == "register":
            cell = self.cells[self.index(op.slot)]
            snip = pool[op.snippet]
            cell.snippet = snip
            if op.sql and snip.sql_name is not None:
                cell.sql_name = snip.sql_name
            if not snip.syntax_error:  # a draft that does not parse keeps its links
                old = cell.writes
                cell.reads, cell.writes, cell.deletes = (
                    snip.reads,
                    _writes(snip, cell.sql_name) if op.sql else _linked(snip.writes),
                    snip.deletes,
                )
                self._set_writes(op.slot, old, cell.writes)
        elif op.kind == "delete":
            cell = self.cells.pop(self.index(op.slot))
            self._set_writes(op.slot, cell.writes, frozenset())
            self.disabled.discard(op.slot)
            self.cached.discard(op.slot)
        elif op.kind == "move":
            if op.after == op.slot:
                return False
            cell = self.cells.pop(self.index(op.slot))
            pos = len(self.cells)
            if op.after is not None and self.has(op.after):
                pos = self.index(op.after) + 1
            self.cells.insert(pos, cell)
        return True

    def fresh_run(self) -> FreshRun:
        return fresh_run(self)


def _linked(names: frozenset[str]) -> frozenset[str]:
    return frozenset(n for n in names if not n.startswith("_"))


@dataclass
class FreshRun:
    status: dict[int, str]  # success | error | upstream | blocked | disabled
    output: dict[int, str]
    namespace: dict[str, str]  # name -> fingerprint


def fingerprint(name: str, value: Any) -> str:
    if name in SQL_RESULTS:
        return "sql-result"
    if type(value) in (int, float, str, list, bool):
        return repr(value)
    return type(value).__name__


_SQL, _PY = set(SQL_RESULTS), set(PY_NAMES)
FINGERPRINT_EXPR = (
    f"{{n: ('sql-result' if n in {_SQL!r} else repr(v) "
    "if type(v) in (int, float, str, list, bool) "
    f"else type(v).__name__) for n, v in list(globals().items()) if n in {_PY!r}}}"
)
"""The same fingerprints, computed in the kernel through ``user_expressions``."""


class _Rows:
    """What an SQL cell's result offers a Python reader: ``q['col']``."""

    def __init__(self, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.columns, self.rows = columns, rows

    def __getitem__(self, col: str) -> list[Any]:
        i = self.columns.index(col)
        return [r[i] for r in self.rows]


def fresh_run(ref: Reference) -> FreshRun:
    """Run every cell once, in dependency order (ties by notebook order)."""
    position = {c.slot: i for i, c in enumerate(ref.cells)}
    by_slot = {c.slot: c for c in ref.cells}
    owner = {n: d[0] for n, d in ref.definers.items() if d}
    g: nx.DiGraph[int] = nx.DiGraph()
    g.add_nodes_from(position)
    readers: dict[str, set[int]] = {}
    for c in ref.cells:
        for n in c.reads:
            readers.setdefault(n, set()).add(c.slot)
    for c in ref.cells:
        for n in c.reads:
            if n in owner and owner[n] != c.slot:
                g.add_edge(owner[n], c.slot)
        for n in c.deletes:  # a deleter runs after every other reader of the name
            for r in readers.get(n, ()):
                if r != c.slot:
                    g.add_edge(r, c.slot)
    blocked = {n for scc in nx.strongly_connected_components(g) if len(scc) > 1 for n in scc}
    for c in ref.cells:
        if any(owner.get(n) != c.slot for n in c.writes):
            blocked.add(c.slot)
    status: dict[int, str] = {s: "blocked" for s in blocked}
    off = {s for s in ref.disabled if s in position}  # disabled cells and all below them
    for s in list(off):
        off |= nx.descendants(g, s)
    status.update(dict.fromkeys(off, "disabled"))
    output: dict[int, str] = {}
    ns: dict[str, Any] = {"__builtins__": __builtins__}
    db = sqlite3.connect(":memory:")
    runnable = g.subgraph([s for s in position if s not in blocked and s not in off])
    for slot in nx.lexicographical_topological_sort(runnable, key=position.__getitem__):
        c = by_slot[slot]
        if any(status.get(p) != "success" for p in g.predecessors(slot)):
            status[slot] = "upstream"
            continue
        out = io.StringIO()
        ok = True
        try:
            if c.snippet.syntax_error:
                raise SyntaxError(c.snippet.code)
            if c.snippet.markdown is not None:
                out.write(c.snippet.markdown(ns))
            elif c.sql:
                _run_sql(db, c.snippet, c.sql_name, ns)
            else:
                with contextlib.redirect_stdout(out):
                    exec(compile(c.snippet.code, f"<c{slot}>", "exec"), ns)
        except Exception:
            ok = False
        if ok:
            status[slot] = "success"
            output[slot] = out.getvalue()
        else:
            status[slot] = "error"
            for n in c.writes:  # a failed cell defines nothing
                if n.startswith("table:"):
                    db.execute(f"DROP TABLE IF EXISTS {n[6:]}")
                else:
                    ns.pop(n, None)
    db.close()
    names = {n: fingerprint(n, v) for n, v in ns.items() if n in PY_NAMES}
    return FreshRun(status, output, names)


def _run_sql(db: sqlite3.Connection, snip: Snippet, name: str | None, ns: dict[str, Any]) -> None:
    params = {n: ns[n] for n in snip.reads if not n.startswith("table:")}  # KeyError: unbound
    cur = db.execute(snip.code, params)
    if name is not None:
        columns = [d[0] for d in cur.description or ()]
        ns[name] = _Rows(columns, cur.fetchall())
    db.commit()
