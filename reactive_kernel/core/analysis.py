"""Static analysis of a cell: which names it reads from other cells and which it defines.

The dependency graph is built from these two sets alone, so the rules below are the
contract between a cell's text and its position in the graph.

``writes``
    Every name bound at module level: assignment and augmented-assignment targets
    (including nested tuple/list/starred unpacking), annotated assignments *with* a value,
    ``for``/``with``/``except ... as``/``match`` capture targets, imports (``import a.b``
    binds ``a``; ``from m import *`` binds nothing), ``def``/``class`` names, walrus targets
    at module level or inside a module-level comprehension (PEP 572 binds them in the
    enclosing scope), and names a function declares ``global`` *and assigns*.  Bodies of
    ``if``/``while``/``for``/``try``/``with``/``match`` are module level too.

``reads``
    Names the cell needs from elsewhere: names loaded at module level before the cell binds
    them (source order), plus names that functions, lambdas, classes and comprehensions
    defined in the cell use without binding them.  Function and lambda bodies run later, so
    for them *any* module-level binding anywhere in the cell satisfies the name; class bodies
    and comprehensions run immediately, so for them source order applies.  Builtins and the
    implicit module dunders (``__name__``, ``__file__`` ...) are never reads.

``deletes``
    Names removed by a module-level ``del name`` that the cell did not bind earlier.  Such a
    name is also a read, so the cell is ordered after the cell that defines it.  A name the
    cell binds and later deletes is a temporary: neither read, written nor deleted.

``mutates``
    Reads whose value the cell (or a function it defines) changes in place: the root name of
    an attribute or subscript target of an assignment, augmented assignment or ``del``
    (``obj.a = 1``, ``d[k] += 1``, ``del d[k]``, ``df.loc[r, c] = v``, ``a.b[0].c = 1``),
    the receiver of a call of a mutating method (``lst.append(v)``, ``d[k].add(v)``, see
    :data:`MUTATING_METHODS`) or of any call with ``inplace=True``, and the first argument
    of ``setattr``/``delattr``.  Only names that are reads count: ``x = []; x.append(1)``
    mutates nothing another cell defines.  The diagnostics layer turns these into
    ``mutates-foreign`` warnings (it knows who defines each name, and which are modules).

``imports``
    Names bound at module level by ``import``/``from ... import`` (a module, or an object
    taken from one): calls on them are not mutations worth a warning.

Documented limitations (deliberate, because the analysis is static and must be fast):

* Mutation does not define: ``obj.a = 1``, ``d[k] = v`` and ``lst.append(v)`` read ``obj``,
  ``d`` and ``lst``; they never write them.  Dependencies through mutation are invisible.
* No tracing: ``exec``, ``globals()[...]``, ``setattr(module, ...)`` and star imports are
  not followed.
* Conditional bindings count as bindings: after ``if c: x = 1`` the cell is treated as
  having bound ``x``, whether or not the branch ran.
* Annotations are always treated as evaluated reads, even under
  ``from __future__ import annotations``.
* A function that assigns a ``global`` name writes it at the point of the ``def``; that
  binding also satisfies the function's own reads of the name.
* ``except E as e`` counts as a write of ``e`` even though Python unbinds it afterwards.

The whole analysis is one recursive walk over the AST with small scope objects; function
scopes are resolved when they close, and module-level names captured by functions are
resolved once at the end.  Nothing is walked twice, so cost is linear in the tree size.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["EMPTY_ANALYSIS", "MUTATING_METHODS", "Analysis", "analyze_python", "analyze_tree"]


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of analysing one cell; immutable so it can be cached and shared."""

    reads: frozenset[str]
    writes: frozenset[str]
    deletes: frozenset[str]
    syntax_error: str | None
    builtins: frozenset[str] = frozenset()
    """Builtins the cell uses (``len``, ``print``): not reads, but a cell that
    shadows one (``len = ...``) defines it for them, so the graph links them."""
    mutates: frozenset[str] = frozenset()
    imports: frozenset[str] = frozenset()

    @property
    def public_reads(self) -> frozenset[str]:
        """Reads without ``_private`` names, which the graph layer does not connect."""
        return frozenset(n for n in self.reads if not n.startswith("_"))

    @property
    def public_writes(self) -> frozenset[str]:
        """Writes without ``_private`` names, which the graph layer does not connect."""
        return frozenset(n for n in self.writes if not n.startswith("_"))


EMPTY_ANALYSIS: Final = Analysis(frozenset(), frozenset(), frozenset(), None)

_MODULE_DUNDERS: Final = frozenset(
    "__name__ __file__ __builtins__ __doc__ __spec__ __loader__ __package__ __annotations__".split()
)
_BUILTINS: Final = frozenset(dir(builtins)) - _MODULE_DUNDERS
# A read of one of these is not a read from another cell (but see ``Analysis.builtins``).
_NOT_READS: Final = _BUILTINS | _MODULE_DUNDERS

MUTATING_METHODS: Final = frozenset(
    "append extend insert pop remove clear update setdefault sort reverse add discard "
    "popitem difference_update intersection_update symmetric_difference_update "
    "appendleft extendleft popleft rotate fill resize __setitem__ __delitem__".split()
)
"""Methods that change their receiver in place (list, dict, set, deque, bytearray,
NumPy arrays, pandas frames); a call of one on a read name is a mutation."""
_SETTERS: Final = frozenset({"setattr", "delattr"})

_PARSE_FLAGS: Final = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

# Scope kinds.  Functions and lambdas run later; classes and comprehensions run at once.
_MODULE, _FUNCTION, _CLASS, _COMP = range(4)


class _Scope:
    """One lexical scope.  Function and comprehension scopes collect uses and resolve
    them when they close, because a later assignment anywhere in a function still makes
    the name local to it."""

    __slots__ = (
        "globals", "kind", "lazy", "locals", "mutated", "nonlocals", "parent", "uses", "walrus",
    )  # fmt: skip

    def __init__(self, kind: int, parent: _Scope | None) -> None:
        self.kind = kind
        self.parent = parent
        self.locals: set[str] = set()  # names bound in this scope (module: bound so far)
        self.uses: set[str] = set()  # names loaded, resolved when the scope closes
        self.lazy: set[str] = set()  # names used by nested functions (resolved later)
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.walrus: set[str] = set()  # comprehension walrus targets, bound outside
        self.mutated: set[str] = set()  # names mutated in place, resolved when the scope closes


_FIELDS_CACHE: dict[type[ast.AST], tuple[str, ...]] = {}
_SKIPPED_FIELDS: Final = frozenset({"ctx", "op", "ops", "type_comment", "type_ignores"})


def _child_fields(cls: type[ast.AST]) -> tuple[str, ...]:
    fields = _FIELDS_CACHE.get(cls)
    if fields is None:
        fields = tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS)
        _FIELDS_CACHE[cls] = fields
    return fields


class _Analyzer:
    """Single-pass walker.  ``visit`` dispatches on node type through ``_HANDLERS``; nodes
    without a handler have their children visited in field order (evaluation order for
    every node type whose order matters to us has its own handler)."""

    __slots__ = ("deletes", "ever", "imports", "module", "mutated", "reads", "scope", "writes")

    def __init__(self) -> None:
        self.module = _Scope(_MODULE, None)
        self.scope = self.module
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.deletes: set[str] = set()
        self.ever: set[str] = set()  # every name bound at module level anywhere in the cell
        self.mutated: set[str] = set()  # module-level names mutated in place (if they are reads)
        self.imports: set[str] = set()

    # -- name events ---------------------------------------------------------------

    def visit(self, node: ast.AST) -> None:
        cls = type(node)
        handler = _HANDLERS.get(cls)
        if handler is not None:
            handler(self, node)
            return
        for field in _child_fields(cls):
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_all(self, nodes: Iterable[ast.AST | None]) -> None:
        for node in nodes:
            if node is not None:
                self.visit(node)

    def load(self, name: str) -> None:
        scope = self.scope
        kind = scope.kind
        if kind == _MODULE:
            if name not in scope.locals:
                self.reads.add(name)
        elif kind == _CLASS:
            # Class bodies run now and look names up dynamically: class dict, then outside.
            if name in scope.globals:
                self._forward(self.module, name, lazy=False)
            elif name not in scope.locals:
                self._forward(scope.parent, name, lazy=False)
        elif name not in scope.walrus:
            scope.uses.add(name)

    def bind(self, name: str, scope: _Scope | None = None) -> None:
        if scope is None:
            scope = self.scope
        if scope.kind == _MODULE or (scope.kind == _CLASS and name in scope.globals):
            self.module.locals.add(name)
            self.ever.add(name)
            self.writes.add(name)
        else:
            scope.locals.add(name)  # function globals/nonlocals are sorted out on close

    def delete(self, name: str) -> None:
        scope = self.scope
        if scope.kind == _MODULE:
            if name in scope.locals:  # a temporary of this cell
                scope.locals.discard(name)
                self.writes.discard(name)
            else:
                self.reads.add(name)
                self.deletes.add(name)
        elif scope.kind == _CLASS:
            scope.locals.discard(name)
        elif name in scope.globals:
            scope.uses.add(name)  # `global g; del g` needs g: a read, never a write
        else:
            scope.locals.add(name)  # `del x` makes x local to a function

    def _forward(self, target: _Scope | None, name: str, lazy: bool) -> None:
        """Hand a name a nested scope could not resolve to the scope that can see it."""
        while target is not None and target.kind == _CLASS:  # class names are invisible
            target = target.parent
        assert target is not None
        if target.kind == _MODULE:
            if lazy:
                target.lazy.add(name)
            elif name not in target.locals:
                self.reads.add(name)
        elif lazy:
            target.lazy.add(name)
        elif name not in target.walrus:
            target.uses.add(name)

    def mutate(self, target: ast.expr) -> None:
        """``target`` (or the object it is an attribute/item of) is changed in place."""
        while isinstance(target, (ast.Attribute, ast.Subscript)):
            target = target.value
        if not isinstance(target, ast.Name):
            return  # `f().x = 1`: no name's value is known to change
        name, scope = target.id, self.scope
        if scope.kind == _MODULE:
            if name not in scope.locals:
                self.mutated.add(name)
        elif scope.kind == _CLASS:
            if name in scope.globals:
                self.mutated.add(name)
            elif name not in scope.locals:
                self._forward_mutation(scope.parent, name)
        else:
            scope.mutated.add(name)

    def _forward_mutation(self, target: _Scope | None, name: str) -> None:
        while target is not None and target.kind == _CLASS:
            target = target.parent
        assert target is not None
        if target.kind == _MODULE:
            self.mutated.add(name)  # kept only if the name turns out to be a read
        else:
            target.mutated.add(name)

    # -- scope management -------------------------------------------------------

    def _push(self, kind: int) -> _Scope:
        scope = _Scope(kind, self.scope)
        self.scope = scope
        return scope

    def _close_function(self, scope: _Scope) -> None:
        assert scope.parent is not None
        self.scope = scope.parent
        used = scope.uses | scope.lazy
        declared = scope.globals
        if declared:
            for name in declared & scope.locals:
                self.bind(name, self.module)  # assigned through `global`: a module write
            for name in declared & used:
                self.module.lazy.add(name)
        local = scope.locals - scope.nonlocals - declared
        for name in used:
            if name not in local and name not in declared:
                self._forward(scope.parent, name, lazy=True)
        for name in scope.mutated:
            if name in declared:
                self.mutated.add(name)
            elif name not in local:
                self._forward_mutation(scope.parent, name)

    def _close_comp(self, scope: _Scope) -> None:
        parent = scope.parent
        assert parent is not None
        self.scope = parent
        local = scope.locals
        for name in scope.uses:
            if name not in local:
                self._forward(parent, name, lazy=False)
        for name in scope.lazy:
            if name not in local:
                self._forward(parent, name, lazy=True)
        for name in scope.mutated:
            if name not in local:
                self._forward_mutation(parent, name)
        for name in scope.walrus:  # PEP 572: bind in the nearest non-comprehension scope
            if parent.kind == _COMP:
                parent.walrus.add(name)
            else:
                self.bind(name, parent)

    def _open_type_params(self, node: ast.AST) -> _Scope | None:
        """Python 3.12 ``def f[T]``/``class C[T]``: an annotation scope holding ``T``."""
        params: list[Any] | None = getattr(node, "type_params", None)
        if not params:
            return None
        scope = self._push(_COMP)
        scope.locals.update(p.name for p in params)
        self.visit_all(getattr(p, "bound", None) for p in params)
        return scope

    # -- handlers ---------------------------------------------------------------

    def _name(self, node: ast.Name) -> None:
        ctx = type(node.ctx)
        if ctx is ast.Load:
            self.load(node.id)
        elif ctx is ast.Store:
            self.bind(node.id)
        else:
            self.delete(node.id)

    def _leaf(self, node: ast.AST) -> None:
        pass

    def _item(self, node: ast.Attribute | ast.Subscript) -> None:
        if type(node.ctx) is not ast.Load:  # `obj.a = v`, `d[k] += 1`, `del d[k]`
            self.mutate(node.value)
        self.visit(node.value)
        if isinstance(node, ast.Subscript):
            self.visit(node.slice)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in MUTATING_METHODS or any(
                k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in node.keywords
            ):
                self.mutate(func.value)
        elif isinstance(func, ast.Name) and func.id in _SETTERS and node.args:
            self.mutate(node.args[0])
        self.visit(func)
        self.visit_all(node.args)
        self.visit_all(node.keywords)

    def _assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def _aug_assign(self, node: ast.AugAssign) -> None:
        target = node.target
        if isinstance(target, ast.Name):
            self.load(target.id)
            self.visit(node.value)
            self.bind(target.id)
        else:  # attribute/subscript: mutation reads the object, never defines it
            self.visit(target)
            self.visit(node.value)

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
        target = node.target
        if isinstance(target, ast.Name):
            # A bare `x: int` binds nothing, except that it makes x local to a function.
            if node.value is not None or self.scope.kind == _FUNCTION:
                self.bind(target.id)
        else:
            self.visit(target)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        self.visit_all(node.body)
        self.visit_all(node.orelse)

    def _except(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name)
        self.visit_all(node.body)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        at_module = self.scope.kind == _MODULE
        for alias in node.names:
            if alias.asname:
                name = alias.asname
            elif alias.name != "*":
                name = alias.name.partition(".")[0]
            else:
                continue
            self.bind(name)
            if at_module:
                self.imports.add(name)

    def _global(self, node: ast.Global) -> None:
        if self.scope.kind != _MODULE:
            self.scope.globals.update(node.names)

    def _nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.nonlocals.update(node.names)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        # Decorators, defaults and annotations are evaluated now, in the enclosing scope.
        outer = self.scope
        if not isinstance(node, ast.Lambda):
            self.visit_all(node.decorator_list)
        args = node.args
        self.visit_all(args.defaults)
        self.visit_all(args.kw_defaults)
        type_scope = self._open_type_params(node)
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        if args.vararg is not None:
            params.append(args.vararg)
        if args.kwarg is not None:
            params.append(args.kwarg)
        self.visit_all(p.annotation for p in params)
        if not isinstance(node, ast.Lambda):
            self.visit_all([node.returns])
        scope = self._push(_FUNCTION)
        scope.locals.update(p.arg for p in params)
        if isinstance(node, ast.Lambda):
            self.visit(node.body)
        else:
            self.visit_all(node.body)
        self._close_function(scope)
        if type_scope is not None:
            self._close_comp(type_scope)
        if not isinstance(node, ast.Lambda):
            self.bind(node.name, outer)

    def _class(self, node: ast.ClassDef) -> None:
        outer = self.scope
        self.visit_all(node.decorator_list)
        type_scope = self._open_type_params(node)
        self.visit_all(node.bases)
        self.visit_all(node.keywords)
        scope = self._push(_CLASS)
        self.visit_all(node.body)
        self.scope = scope.parent or outer  # class names resolve as they run: nothing to close
        if type_scope is not None:
            self._close_comp(type_scope)
        self.bind(node.name, outer)

    def _comprehension(self, generators: list[ast.comprehension], elts: list[ast.expr]) -> None:
        self.visit(generators[0].iter)  # the first iterable is evaluated outside
        scope = self._push(_COMP)
        for i, gen in enumerate(generators):
            if i:
                self.visit(gen.iter)
            self.visit(gen.target)
            self.visit_all(gen.ifs)
        self.visit_all(elts)  # element last: it is evaluated after the conditions
        self._close_comp(scope)

    def _list_comp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp) -> None:
        self._comprehension(node.generators, [node.elt])

    def _dict_comp(self, node: ast.DictComp) -> None:
        self._comprehension(node.generators, [node.key, node.value])

    def _named_expr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        name = node.target.id
        if self.scope.kind == _COMP:
            self.scope.walrus.add(name)
        else:
            self.bind(name)

    def _bin_op(self, node: ast.BinOp) -> None:
        # Iterate down the left spine so `a + b + ... ` with thousands of terms is fine.
        rights: list[ast.expr] = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp):
            rights.append(left.right)
            left = left.left
        self.visit(left)
        self.visit_all(reversed(rights))

    def _match_as(self, node: ast.MatchAs | ast.MatchStar) -> None:
        if isinstance(node, ast.MatchAs) and node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.bind(node.name)

    def _match_mapping(self, node: ast.MatchMapping) -> None:
        self.visit_all(node.keys)
        self.visit_all(node.patterns)
        if node.rest:
            self.bind(node.rest)

    def _type_alias(self, node: Any) -> None:
        """Python 3.12 ``type X[T] = ...``: the value is evaluated lazily."""
        outer = self.scope
        type_scope = self._open_type_params(node)
        scope = self._push(_FUNCTION)
        self.visit(node.value)
        self._close_function(scope)
        if type_scope is not None:
            self._close_comp(type_scope)
        self.bind(node.name.id, outer)

    # -- result -------------------------------------------------------------------

    def result(self) -> Analysis:
        ever = self.ever
        wanted = self.reads | {n for n in self.module.lazy if n not in ever}
        reads = {n for n in wanted if n not in _NOT_READS}
        reads |= self.deletes
        return Analysis(
            _frozen(reads),
            _frozen(self.writes),
            _frozen(self.deletes),
            None,
            _frozen({n for n in wanted if n in _BUILTINS}),
            mutates=_frozen(self.mutated & reads),
            imports=_frozen(self.imports & self.writes),
        )


_NOTHING: Final[frozenset[str]] = frozenset()


def _frozen(names: set[str]) -> frozenset[str]:
    """``names`` frozen; empty sets share one object. A 10,000-cell notebook
    keeps every cell's analysis: thousands of distinct empty sets would only
    give the garbage collector more to walk."""
    return frozenset(names) if names else _NOTHING


_Handler = Callable[[_Analyzer, Any], None]
_HANDLERS: dict[type[ast.AST], _Handler] = {
    ast.Name: _Analyzer._name, ast.Constant: _Analyzer._leaf, ast.Pass: _Analyzer._leaf,
    ast.Assign: _Analyzer._assign, ast.AugAssign: _Analyzer._aug_assign,
    ast.AnnAssign: _Analyzer._ann_assign, ast.For: _Analyzer._for, ast.AsyncFor: _Analyzer._for,
    ast.ExceptHandler: _Analyzer._except, ast.Import: _Analyzer._import,
    ast.ImportFrom: _Analyzer._import, ast.Global: _Analyzer._global,
    ast.Nonlocal: _Analyzer._nonlocal, ast.FunctionDef: _Analyzer._function,
    ast.AsyncFunctionDef: _Analyzer._function, ast.Lambda: _Analyzer._function,
    ast.ClassDef: _Analyzer._class, ast.ListComp: _Analyzer._list_comp,
    ast.SetComp: _Analyzer._list_comp, ast.GeneratorExp: _Analyzer._list_comp,
    ast.DictComp: _Analyzer._dict_comp, ast.NamedExpr: _Analyzer._named_expr,
    ast.BinOp: _Analyzer._bin_op, ast.MatchAs: _Analyzer._match_as,
    ast.Attribute: _Analyzer._item, ast.Subscript: _Analyzer._item, ast.Call: _Analyzer._call,
    ast.MatchStar: _Analyzer._match_as, ast.MatchMapping: _Analyzer._match_mapping,
}  # fmt: skip
if hasattr(ast, "TypeAlias"):  # Python >= 3.12
    _HANDLERS[ast.TypeAlias] = _Analyzer._type_alias


def _error(message: str) -> Analysis:
    return Analysis(frozenset(), frozenset(), frozenset(), " ".join(message.split()))


def analyze_tree(tree: ast.Module) -> Analysis:
    """Analyse an already-parsed module (see the module docstring for the rules)."""
    analyzer = _Analyzer()
    try:
        analyzer.visit_all(tree.body)
    except (RecursionError, MemoryError):
        # The tree is deeper than Python's own compiler would accept; the cell cannot run.
        return _error("RecursionError: code is nested too deeply to analyse")
    return analyzer.result()


def analyze_python(source: str) -> Analysis:
    """Parse and analyse one cell.  Never raises: unparsable code gives ``syntax_error``.

    Top-level ``await``/``async for``/``async with`` are accepted, as in notebooks.
    """
    try:
        tree = compile(source, "<cell>", "exec", _PARSE_FLAGS, dont_inherit=True)
    except SyntaxError as exc:  # includes IndentationError/TabError
        line = f" (line {exc.lineno})" if exc.lineno else ""
        return _error(f"{type(exc).__name__}: {exc.msg}{line}")
    except MemoryError:  # the parser's own stack overflowed on absurd nesting
        return _error("MemoryError: code is nested too deeply to parse")
    except Exception as exc:  # ValueError (null bytes), RecursionError, ...
        return _error(f"{type(exc).__name__}: {exc}")
    assert isinstance(tree, ast.Module)
    return analyze_tree(tree)
