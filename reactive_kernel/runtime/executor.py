"""Runs one cell's code in the IPython shell's namespace.

IPython's ``run_cell`` is built for one input at a time: it re-parses,
re-transforms and re-caches on every call. A cascade runs many cells whose code
has not changed, so compiled code is cached per cell and run here directly,
while keeping what users rely on from IPython: magics (through IPython's input
transformer), the display hook for the last expression (``;`` silences it), the
``In``/``Out`` history, execution counts, ``pre/post_execute`` events (the
matplotlib inline backend flushes figures on them) and IPython tracebacks.
"""

from __future__ import annotations
import __future__

import ast
import asyncio
import builtins
import inspect
import linecache
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType
from typing import Any

from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult, InteractiveShell

TOP_LEVEL_AWAIT = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


class BuiltinsDamaged(RuntimeError):
    """A cell deleted builtins the rest of the notebook (and the kernel) needs."""


@dataclass(slots=True)
class Compiled:
    """A cell's code, compiled once and reused while the code is unchanged."""

    source: str
    transformed: str
    body: CodeType | None
    last_expr: CodeType | None
    error: SyntaxError | None = None
    cache_name: str | None = None
    """The name IPython's compiler cache gave the code (see :meth:`Executor.run`)."""


def parse(source: str, filename: str = "<cell>") -> ast.Module:
    """Parse a cell, allowing top-level ``await``."""
    tree: ast.Module = compile(
        source, filename, "exec", ast.PyCF_ONLY_AST | TOP_LEVEL_AWAIT, dont_inherit=True
    )
    return tree


def transform(shell: InteractiveShell, code: str) -> tuple[str, ast.Module | None]:
    """IPython syntax (magics, ``!cmd``, ``?``) turned into Python, and its tree.

    Plain Python is returned as is: it is by far the common case, and the
    transformer costs more than the parse that proves it is not needed. The
    tree is ``None`` when the result still does not parse.
    """
    try:
        return code, parse(code)
    except (SyntaxError, ValueError):
        pass
    try:
        source = str(shell.transform_cell(code))
    except Exception:
        return code, None
    try:
        return source, parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return source, None


def _ends_with_semicolon(source: str) -> bool:
    tail = source.rstrip()
    if not tail.endswith(";") and "#" not in tail.rsplit("\n", 1)[-1]:
        return False
    from IPython.core.displayhook import DisplayHook

    return bool(DisplayHook.semicolon_at_end_of_expression(source))


class Executor:
    """Compiles and runs cells; reports the exception a cell raised, if any.

    ``interrupt_armed`` is true exactly while user code runs, so the kernel's
    SIGINT handler knows whether to raise into user code or only to set
    ``interrupted``, which stops the cell before it starts.
    """

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell
        self._cache: dict[str, Compiled] = {}
        self._builtin_names = frozenset(builtins.__dict__)
        self._builtins_copy = dict(builtins.__dict__)
        self.interrupt_armed = False
        self.interrupted = False
        self.cancel_hook: Callable[[], None] | None = None
        """Set while code that SIGINT cannot reach runs (a database query)."""
        self.count_offset = _count_offset(shell)
        self._task: asyncio.Future[Any] | None = None

    def forget(self, cell_id: str) -> None:
        self._cache.pop(cell_id, None)

    def compile(self, cell_id: str, code: str) -> Compiled:
        cached = self._cache.get(cell_id)
        if cached is not None and cached.source == code:
            return cached
        shell = self.shell
        source, tree = transform(shell, code)
        filename = shell.compile.cache(source, shell.execution_count, raw_code=code)
        flags = (shell.compile.flags & FUTURE_FLAGS) | TOP_LEVEL_AWAIT
        try:
            if tree is None:
                tree = parse(source, filename)  # raises the SyntaxError to show
            last: CodeType | None = None
            if (
                tree.body
                and isinstance(tree.body[-1], ast.Expr)
                and not _ends_with_semicolon(source)
            ):
                expr = ast.Expression(tree.body.pop().value)
                last = compile(expr, filename, "eval", flags=flags, dont_inherit=True)
            body = (
                compile(tree, filename, "exec", flags=flags, dont_inherit=True)
                if tree.body
                else None
            )
            compiled = Compiled(code, source, body, last)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            err = exc if isinstance(exc, SyntaxError) else SyntaxError(str(exc))
            compiled = Compiled(code, source, None, None, error=err)
        self._cache[cell_id] = compiled
        return compiled

    async def run(self, cell_id: str, code: str, execution_count: int) -> BaseException | None:
        """Run a cell with the given execution count; returns its exception.

        The caller has set the shell's parent header, so outputs and the error
        message (shown with IPython's traceback formatting) go to this cell.
        """
        shell = self.shell
        # IPython 9 numbers a running cell one below the shell's counter.
        shell.execution_count = execution_count + self.count_offset
        compiled = self.compile(cell_id, code)
        # Tracebacks say "Cell In[n]": name this run's number for the cached code.
        # The first run caches the source under a name (a hash of the code);
        # later runs of unchanged code only renumber that name, which is all
        # cache() would do again, minus hashing the code and splitting lines.
        compiler = shell.compile
        name = compiled.cache_name
        numbers = getattr(compiler, "_filename_map", None)
        if name is not None and numbers is not None and name in linecache.cache:
            numbers[name] = execution_count
        else:
            compiled.cache_name = compiler.cache(compiled.transformed, execution_count, code)
        info = ExecutionInfo(code, True, False, True, cell_id)
        result = ExecutionResult(info)
        shell.history_manager.store_inputs(execution_count, compiled.transformed, code)
        shell.events.trigger("pre_execute")
        shell.events.trigger("pre_run_cell", info)
        error: BaseException | None = None
        old_hook = sys.excepthook
        sys.excepthook = shell.excepthook
        try:
            if compiled.error is not None:
                raise compiled.error
            ns = shell.user_ns
            self.interrupt_armed = True
            if self.interrupted:  # SIGINT came just before the cell started
                raise KeyboardInterrupt
            if compiled.body is not None:
                value = eval(compiled.body, ns)
                if inspect.iscoroutine(value):
                    await self._await(value)
            if compiled.last_expr is not None:
                value = eval(compiled.last_expr, ns)
                if inspect.iscoroutine(value):
                    value = await self._await(value)
                self.interrupt_armed = False
                shell.displayhook(value)
            self.interrupt_armed = False
        except SyntaxError as exc:
            self.interrupt_armed = False
            error = exc
            show_syntax_error(shell, exc, cell_id)
        except SystemExit as exc:
            self.interrupt_armed = False
            error = exc
            shell.showtraceback(exception_only=True)
        except BaseException as exc:  # a cell's failure is the cell's, never the kernel's
            self.interrupt_armed = False
            error = exc
            shell.showtraceback(_from_cell_code(exc), running_compiled_code=True)
        finally:
            self.interrupt_armed = False
            sys.excepthook = old_hook
        damage = self._repair_builtins()
        if damage is not None and error is None:
            error = damage
            try:
                raise damage
            except BuiltinsDamaged:
                shell.showtraceback(exception_only=True)
        result.error_in_exec = error
        shell.events.trigger("post_execute")
        shell.events.trigger("post_run_cell", result)
        return error

    async def _await(self, coro: Any) -> Any:
        """Await top-level ``await`` code; SIGINT cancels it instead of
        unwinding the event loop."""
        task = asyncio.ensure_future(coro)
        self._task = task
        self.interrupt_armed = False
        try:
            return await task
        except asyncio.CancelledError:
            raise KeyboardInterrupt from None
        finally:
            self._task = None
            self.interrupt_armed = True

    def interrupt(self) -> bool:
        """Called from the SIGINT handler: cancel awaited cell code or a running
        query, if any; True when that was done (so nothing is raised)."""
        if self.cancel_hook is not None:
            self.cancel_hook()
            return True
        task = self._task
        if task is not None and not task.done():
            task.get_loop().call_soon_threadsafe(task.cancel)
            return True
        return False

    def _repair_builtins(self) -> BuiltinsDamaged | None:
        """Put back builtins a cell deleted; they are the kernel's too."""
        ns = self.shell.user_ns
        if ns.get("__builtins__") is not builtins:
            ns["__builtins__"] = builtins
            bad = ["__builtins__"]
        else:
            bad = []
        current = builtins.__dict__
        if not self._builtin_names <= current.keys():
            missing = sorted(self._builtin_names - current.keys())
            for name in missing:
                current[name] = self._builtins_copy[name]
            bad += missing
        if not bad:
            return None
        return BuiltinsDamaged(
            f"This cell removed builtins ({', '.join(bad[:5])}); they were put back."
        )


def show_syntax_error(shell: InteractiveShell, exc: SyntaxError, cell_id: str) -> None:
    """Show a cell's SyntaxError as IPython does (``Cell In[n], line l`` and the
    line), but with a message that names the cell rather than the internal
    name its code was compiled under (``(cell total, line 1)``): the message is
    what headless runs, cell errors and one-line clients show."""
    stb = shell.SyntaxTB.structured_traceback(type(exc), exc, [])
    exc.filename = f"cell {cell_id}"
    shell._showtraceback(type(exc), exc, stb)  # type: ignore[attr-defined]


def _count_offset(shell: InteractiveShell) -> int:
    """How far the shell's counter runs ahead of the running cell's number:
    1 on IPython 9 (which counts before running), 0 before."""
    saved = shell.execution_count
    try:
        shell.execution_count = 10
        return 10 - int(shell.displayhook.prompt_count)
    finally:
        shell.execution_count = saved


def _from_cell_code(exc: BaseException) -> tuple[type[BaseException], BaseException, Any]:
    """The exception with the executor's own frames cut from its traceback,
    so a cell's traceback reads like IPython's for any input."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code in _OWN_CODE:
        tb = tb.tb_next
    link = tb
    while link is not None and link.tb_next is not None:  # and the SIGINT handler's frame
        if link.tb_next.tb_frame.f_code in HIDDEN_CODE:
            link.tb_next = None
            break
        link = link.tb_next
    return type(exc), exc, tb


_OWN_CODE = {Executor.run.__code__, Executor._await.__code__}
HIDDEN_CODE: set[Any] = set()
"""Code of kernel functions that raise into user code (the SIGINT handler):
cut from the end of a cell's traceback."""
