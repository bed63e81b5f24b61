"""Table-driven tests for :mod:`reactive_kernel.core.analysis`.

Each row states what one cell reads from other cells and what it defines; the graph layer
trusts these sets, so every scoping rule in the module docstring has a row here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

import pytest

from reactive_kernel.core.analysis import EMPTY_ANALYSIS, Analysis, analyze_python, analyze_tree

Case = tuple[str, str, set[str], set[str]]

# fmt: off
CASES: list[Case] = [
    # -- assignment forms ------------------------------------------------------------
    ("simple_assign", "x = 1", set(), {"x"}),
    ("assign_from_other_cell", "x_5 = x_4 + 1", {"x_4"}, {"x_5"}),
    ("bound_before_read", "x = 1\ny = x", set(), {"x", "y"}),
    ("read_before_bound", "y = x\nx = 1", {"x"}, {"x", "y"}),
    ("self_reference_assign", "x = x + 1", {"x"}, {"x"}),
    ("tuple_unpack", "a, b = pair", {"pair"}, {"a", "b"}),
    ("nested_unpack", "(a, [b, c]), d = v", {"v"}, {"a", "b", "c", "d"}),
    ("starred_unpack", "first, *rest = items", {"items"}, {"first", "rest"}),
    ("list_target", "[a, b] = 1, 2", set(), {"a", "b"}),
    ("chained_assign", "a = b = c", {"c"}, {"a", "b"}),
    ("swap", "a, b = b, a", {"a", "b"}, {"a", "b"}),
    ("swap_after_binding", "a = 1\nb = 2\na, b = b, a", set(), {"a", "b"}),
    ("star_in_call_and_literal", "xs = [*a, *b]\nf(*xs, **kw)", {"a", "b", "f", "kw"}, {"xs"}),
    ("expression_only", "x + y", {"x", "y"}, set()),
    ("empty_cell", "", set(), set()),
    ("comment_only", "# nothing here\n", set(), set()),
    # -- augmented assignment and mutation ------------------------------------------
    ("augassign_unbound", "x += 1", {"x"}, {"x"}),
    ("augassign_bound", "x = 0\nx += 1", set(), {"x"}),
    ("attribute_assign", "obj.a = v", {"obj", "v"}, set()),
    ("subscript_assign", "d[k] = v", {"d", "k", "v"}, set()),
    ("method_mutation", "lst.append(v)", {"lst", "v"}, set()),
    ("attribute_augassign", "obj.a += 1", {"obj"}, set()),
    ("subscript_augassign", "d[k] += n", {"d", "k", "n"}, set()),
    # -- annotations ---------------------------------------------------------------
    ("annotation_with_value", "x: int = 1", set(), {"x"}),
    ("annotation_without_value", "x: int", set(), set()),
    ("annotation_only_reads_type", "x: MyType", {"MyType"}, set()),
    ("annotation_generic", "x: List[int] = []", {"List"}, {"x"}),
    ("annotation_attribute_target", "self.x: int = v", {"self", "v"}, set()),
    # -- imports ---------------------------------------------------------------------
    ("import", "import os", set(), {"os"}),
    ("import_dotted", "import a.b.c", set(), {"a"}),
    ("import_dotted_as", "import a.b as c", set(), {"c"}),
    ("from_import", "from m import x, y as z", set(), {"x", "z"}),
    ("relative_import", "from . import x\nfrom ..pkg import y", set(), {"x", "y"}),
    ("star_import", "from m import *", set(), set()),
    ("conditional_import", "try:\n    import x\nexcept ImportError:\n    x = None", set(), {"x"}),
    # -- def / async def / class -------------------------------------------------------
    ("def_free_vars", "def f(a):\n    return a + b", {"b"}, {"f"}),
    ("def_recursive", "def f(n):\n    return f(n - 1)", set(), {"f"}),
    ("def_uses_later_binding", "def f():\n    return y\ny = 1", set(), {"f", "y"}),
    ("def_local_assign", "def f():\n    z = 1\n    return z", set(), {"f"}),
    ("def_local_assigned_after_use", "def f():\n    print(z)\n    z = 1", set(), {"f"}),
    ("def_decorator", "@deco\ndef f():\n    pass", {"deco"}, {"f"}),
    ("def_decorator_call", "@app.route(path)\ndef f():\n    pass", {"app", "path"}, {"f"}),
    ("def_default", "def f(a=default):\n    return a", {"default"}, {"f"}),
    ("def_default_source_order", "d = 1\ndef f(a=d):\n    return a", set(), {"d", "f"}),
    ("def_kwonly_default", "def f(*, k=kd):\n    return k", {"kd"}, {"f"}),
    ("def_annotations", "def f(a: A, *r: R, **k: K) -> Ret:\n    pass", {"A", "R", "K", "Ret"},
     {"f"}),
    ("def_params_local", "def f(a, /, b, *c, d, **e):\n    return a, b, c, d, e", set(), {"f"}),
    ("async_def", "async def f():\n    await g()", {"g"}, {"f"}),
    ("closure", "def outer():\n    v = 1\n    def inner():\n        return v + w\n    return inner",
     {"w"}, {"outer"}),
    ("nonlocal",
     "def o():\n    x = 0\n    def i():\n        nonlocal x\n        x += 1\n    return i",
     set(), {"o"}),
    ("class_simple", "class A(Base, metaclass=Meta):\n    pass", {"Base", "Meta"}, {"A"}),
    ("class_decorator", "@dataclass\nclass A:\n    x: int = 0", {"dataclass"}, {"A"}),
    ("class_body_local", "class A:\n    x = 1\n    y = x", set(), {"A"}),
    ("class_body_reads_module", "class A:\n    y = x", {"x"}, {"A"}),
    ("class_body_source_order", "class A:\n    y = x\n    x = 1", {"x"}, {"A"}),
    ("class_after_module_binding", "x = 1\nclass A:\n    y = x", set(), {"A", "x"}),
    ("method_refers_to_class_name", "class A:\n    def m(self):\n        return A()", set(), {"A"}),
    ("method_bare_class_attr", "class A:\n    x = 1\n    def m(self):\n        return x",
     {"x"}, {"A"}),
    ("class_comprehension_skips_class", "class A:\n    n = 3\n    xs = [n for _ in range(2)]",
     {"n"}, {"A"}),
    ("class_comprehension_first_iter", "class A:\n    n = 3\n    xs = [i for i in range(n)]",
     set(), {"A"}),
    ("class_in_function_closure", "def f():\n    x = 1\n    class A:\n        y = x\n    return A",
     set(), {"f"}),
    # -- lambdas -------------------------------------------------------------------------
    ("lambda_free", "f = lambda a: a + b", {"b"}, {"f"}),
    ("lambda_default", "f = lambda a=d: a", {"d"}, {"f"}),
    ("lambda_later_binding", "f = lambda: g\ng = 1", set(), {"f", "g"}),
    ("lambda_in_comprehension", "fs = [lambda: i + z for i in r]", {"r", "z"}, {"fs"}),
    # -- comprehensions ----------------------------------------------------------------
    ("listcomp_var_does_not_leak", "ys = [i for i in xs]", {"xs"}, {"ys"}),
    ("listcomp_var_read_after", "ys = [i for i in xs]\nprint(i)", {"xs", "i"}, {"ys"}),
    ("setcomp", "s = {x % m for x in xs if x}", {"xs", "m"}, {"s"}),
    ("dictcomp", "d = {k: v for k, v in pairs}", {"pairs"}, {"d"}),
    ("genexp", "total = sum(x * w for x in xs)", {"xs", "w"}, {"total"}),
    ("nested_comprehension", "m = [[j for j in row] for row in grid]", {"grid"}, {"m"}),
    ("comprehension_two_fors", "ps = [(a, b) for a in xs for b in f(a)]", {"xs", "f"}, {"ps"}),
    ("comprehension_iter_shadow", "x = [x for x in x]", {"x"}, {"x"}),
    ("comprehension_in_function", "def f(xs):\n    return [y for y in xs if y > t]", {"t"}, {"f"}),
    # -- walrus ---------------------------------------------------------------------------
    ("walrus_top_level", "if (n := len(a)) > 10:\n    print(n)", {"a"}, {"n"}),
    ("walrus_in_comprehension", "ys = [y for x in xs if (y := f(x))]\nprint(y)", {"xs", "f"},
     {"ys", "y"}),
    ("walrus_accumulator", "vals = [(t := t + v) for v in xs]", {"t", "xs"}, {"t", "vals"}),
    ("walrus_in_nested_comprehension", "r = [[(w := c) for c in row] for row in g]", {"g"},
     {"r", "w"}),
    ("walrus_in_function_comprehension", "def f(xs):\n    [(y := v) for v in xs]\n    return y",
     set(), {"f"}),
    # -- global / nonlocal ------------------------------------------------------------
    ("global_assigned", "def f():\n    global x\n    x = 1", set(), {"f", "x"}),
    ("global_only_read", "def f():\n    global x\n    return x", {"x"}, {"f"}),
    ("global_augassign", "def inc():\n    global counter\n    counter += 1", set(),
     {"inc", "counter"}),
    ("global_in_nested_function",
     "def f():\n    def g():\n        global x\n        x = 1\n    g()",
     set(), {"f", "x"}),
    ("global_in_class_body", "class A:\n    global g\n    g = 1", set(), {"A", "g"}),
    # -- del ----------------------------------------------------------------------------
    ("del_name", "del x", {"x"}, set()),
    ("del_attribute", "del obj.a", {"obj"}, set()),
    ("del_subscript", "del d[k]", {"d", "k"}, set()),
    ("del_bound_then_deleted", "tmp = 1\ndel tmp", set(), set()),
    ("del_loop_var", "for i in r:\n    pass\ndel i", {"r"}, set()),
    ("del_tuple", "del a, (b, c)", {"a", "b", "c"}, set()),
    ("del_then_rebind", "x = 1\ndel x\nx = 2", set(), {"x"}),
    ("del_in_function_is_local", "def f():\n    del y", set(), {"f"}),
    ("del_global_in_function_reads", "def f():\n    global g\n    del g", {"g"}, {"f"}),
    ("del_global_in_function_bound_here", "g = 1\ndef f():\n    global g\n    del g", set(),
     {"f", "g"}),
    ("assign_then_del_global_in_function",
     "def f():\n    global g\n    g = 1\n    del g", set(), {"f", "g"}),
    # -- statements with targets ------------------------------------------------------
    ("for_target", "for i, (a, b) in pairs:\n    total = a", {"pairs"}, {"i", "a", "b", "total"}),
    ("for_else", "for i in r:\n    pass\nelse:\n    done = i", {"r"}, {"i", "done"}),
    ("while_body", "while cond:\n    n = step(n)", {"cond", "step", "n"}, {"n"}),
    ("with_as", "with open(p) as fh, lock:\n    data = fh.read()", {"p", "lock"}, {"fh", "data"}),
    ("with_tuple_target", "with ctx() as (a, b):\n    pass", {"ctx"}, {"a", "b"}),
    ("try_all_blocks",
     "try:\n    a = f()\nexcept (KeyError, E) as e:\n    b = e\n"
     "else:\n    c = a\nfinally:\n    d = 1",
     {"f", "E"}, {"a", "b", "c", "d", "e"}),
    ("if_elif_else", "if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    y = 3\nprint(x)", {"a", "b"},
     {"x", "y"}),
    ("conditional_binding_counts", "if c:\n    x = 1\nprint(x)", {"c"}, {"x"}),
    ("match_class", "match p:\n    case Point(x=px, y=0):\n        print(px)", {"p", "Point"},
     {"px"}),
    ("match_sequence", "match seq:\n    case [a, *rest]:\n        pass", {"seq"}, {"a", "rest"}),
    ("match_mapping", "match m:\n    case {'k': v, **kw}:\n        pass", {"m"}, {"v", "kw"}),
    ("match_as_and_guard", "match v:\n    case _ as y if y > lim:\n        pass", {"v", "lim"},
     {"y"}),
    ("match_value_or", "match c:\n    case Color.RED | Color.BLUE:\n        hit = 1",
     {"c", "Color"}, {"hit"}),
    # -- f-strings ----------------------------------------------------------------------
    ("fstring", "s = f'{a} and {b!r}'", {"a", "b"}, {"s"}),
    ("fstring_nested_spec", "s = f'{value:{width}.{prec}f}'", {"value", "width", "prec"}, {"s"}),
    # -- privates, builtins and dunders -------------------------------------------------
    ("private_names", "_x = _y + 1", {"_y"}, {"_x"}),
    ("builtins_not_read", "print(len(xs), range(3), Exception)", {"xs"}, set()),
    ("builtin_shadowed", "len = 3\nlen(x)", {"x"}, {"len"}),
    ("module_dunders_not_read", "print(__name__, __file__, __doc__)", set(), set()),
    ("dunder_all_is_ordinary", "__all__ = names", {"names"}, {"__all__"}),
    # -- top-level async ---------------------------------------------------------------
    ("top_level_await", "r = await fetch(url)", {"fetch", "url"}, {"r"}),
    ("top_level_async_for", "async for item in stream:\n    last = item", {"stream"},
     {"item", "last"}),
    ("top_level_async_with", "async with session() as s:\n    await s.get()", {"session"}, {"s"}),
    ("async_comprehension", "xs = [x async for x in agen()]", {"agen"}, {"xs"}),
]
# fmt: on


@pytest.mark.parametrize(
    ("code", "expected_reads", "expected_writes"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_reads_and_writes(code: str, expected_reads: set[str], expected_writes: set[str]) -> None:
    result = analyze_python(code)
    assert result.syntax_error is None
    assert (set(result.reads), set(result.writes)) == (expected_reads, expected_writes)


def test_case_table_is_large_and_unique() -> None:
    assert len(CASES) >= 90
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("code", "expected_deletes"),
    [
        ("del x", {"x"}),
        ("del a, b", {"a", "b"}),
        ("tmp = 1\ndel tmp", set()),
        ("del d[k]", set()),
        ("del obj.attr", set()),
        ("del x\nx = 1", {"x"}),
        ("def f():\n    del y", set()),
    ],
)
def test_deletes(code: str, expected_deletes: set[str]) -> None:
    result = analyze_python(code)
    assert set(result.deletes) == expected_deletes
    assert result.deletes <= result.reads


@pytest.mark.parametrize(
    ("code", "prefix", "line"),
    [
        ("x = (\n", "SyntaxError:", 1),
        ("a = 1\nb = 2\nc = = 3\n", "SyntaxError:", 3),
        ("def f(:\n    pass", "SyntaxError:", 1),
        ("  x = 1", "IndentationError:", 1),
        ("x = 1\nif x:\npass", "IndentationError:", 3),
    ],
)
def test_syntax_error_is_reported_not_raised(code: str, prefix: str, line: int) -> None:
    result = analyze_python(code)
    assert result.syntax_error is not None
    assert result.syntax_error.startswith(prefix)
    assert f"(line {line})" in result.syntax_error
    assert "\n" not in result.syntax_error
    assert (result.reads, result.writes, result.deletes) == (frozenset(),) * 3


def test_null_bytes() -> None:
    result = analyze_python("x = 1\0")
    assert result.syntax_error is not None
    assert result.reads == result.writes == frozenset()


@pytest.mark.parametrize(
    "code",
    [
        "(" * 10_000 + "x" + ")" * 10_000,
        "-" * 10_000 + "x",
        "not " * 10_000 + "x",
        "x = " + " + ".join(["a"] * 10_000),
        "a" + ".b" * 10_000,
        "[" * 10_000 + "]" * 10_000,
    ],
    ids=["parens", "unary", "not", "sum", "attributes", "lists"],
)
def test_absurd_nesting_does_not_crash(code: str) -> None:
    result = analyze_python(code)
    assert isinstance(result, Analysis)
    assert result.syntax_error is not None or result.reads <= {"a", "x"}


def test_long_binop_chain_is_analysed() -> None:
    # Generated code can chain a thousand terms; Python itself compiles this.
    code = "total = " + " + ".join(f"v{i}" for i in range(1_000))
    result = analyze_python(code)
    assert result.syntax_error is None
    assert len(result.reads) == 1_000
    assert result.writes == {"total"}


def test_deep_hand_built_tree_does_not_crash() -> None:
    expr: ast.expr = ast.Name("x", ast.Load())
    for _ in range(10_000):
        expr = ast.UnaryOp(ast.USub(), expr)
    result = analyze_tree(ast.Module([ast.Expr(expr)], []))
    assert result.syntax_error is not None or result.reads == {"x"}


def test_analyze_tree_matches_analyze_python() -> None:
    code = "import m\ny = m.f(x)\ndef g():\n    return z"
    assert analyze_tree(ast.parse(code)) == analyze_python(code)


def test_public_reads_and_writes() -> None:
    result = analyze_python("_a = b + _c\nd = _a")
    assert result.reads == {"b", "_c"}
    assert result.writes == {"_a", "d"}
    assert result.public_reads == {"b"}
    assert result.public_writes == {"d"}


def test_empty_analysis() -> None:
    assert EMPTY_ANALYSIS == Analysis(frozenset(), frozenset(), frozenset(), None)
    assert analyze_python("") == EMPTY_ANALYSIS
    assert EMPTY_ANALYSIS.public_reads == EMPTY_ANALYSIS.public_writes == frozenset()


def test_analysis_is_frozen_and_hashable() -> None:
    result = analyze_python("x = y")
    with pytest.raises(AttributeError):
        result.reads = frozenset()  # type: ignore[misc]
    assert hash(result) == hash(analyze_python("x = y"))


def test_stdlib_sources_do_not_raise() -> None:
    # A smoke test over real, varied code: every construct the stdlib uses is handled.
    import dataclasses
    import inspect
    import typing

    for module in (dataclasses, typing, ast, subprocess, inspect):
        result = analyze_python(inspect.getsource(module))
        assert result.syntax_error is None
        assert result.writes


def test_import_is_light() -> None:
    code = textwrap.dedent(
        """
        import sys
        import reactive_kernel.core.analysis
        heavy = {"IPython", "zmq", "ipykernel", "sqlalchemy", "networkx"}
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("print(len([1]))", {"print", "len"}),
        ("len = lambda s: 42", set()),
        ("len = 1\nprint(len)", {"print"}),
        ("def f(x):\n    return sorted(x)", {"sorted"}),
        ("def f(x):\n    return sorted(x)\nsorted = None", set()),
        ("x = __name__", set()),
        ("class C(Exception):\n    pass", {"Exception"}),
        ("y = [abs(v) for v in xs]", {"abs"}),
    ],
)
def test_builtins_used(code: str, expected: set[str]) -> None:
    """Builtins are not reads, but are recorded so that shadowing one links cells."""
    result = analyze_python(code)
    assert set(result.builtins) == expected
    assert not (result.builtins & result.reads)
