"""The variables panel: every user name in the namespace, described briefly.

``variables {subscribe?}`` replies with the list; a client that subscribes makes
the kernel publish a ``variables`` event after every cascade (one event for all
clients). Describing is cheap and bounded: no ``repr`` of containers or frames
(their type and size say more), a short bounded ``repr`` of scalars and small
objects, at most :data:`MAX_VARIABLES` names. Nothing is computed while no
client has subscribed.
"""

from __future__ import annotations

import reprlib
import types
from collections.abc import Callable, Mapping
from typing import Any, Final

MAX_VARIABLES: Final = 2000
MAX_VALUE: Final = 80
_IPYTHON_NAMES: Final = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})
_SIZED: Final = (list, tuple, dict, set, frozenset, str, bytes, bytearray, range)

_repr = reprlib.Repr()
_repr.maxstring = MAX_VALUE
_repr.maxother = MAX_VALUE
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 6


def _short(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "\u2026"


def _shape(value: Any) -> str | None:
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        return "\u00d7".join(str(n) for n in shape) or "()"
    return None


def describe(value: Any) -> dict[str, Any]:
    """``{type, summary}``: the type's name and a short value, size or shape."""
    cls = type(value)
    module = cls.__module__
    type_name = (
        cls.__qualname__
        if module in ("builtins", "__main__")
        else f"{module.split('.')[0]}.{cls.__qualname__}"
    )
    if isinstance(value, types.ModuleType):
        return {"type": "module", "summary": value.__name__}
    if isinstance(value, type):
        return {"type": "class", "summary": f"class {value.__qualname__}"}
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType | types.MethodType):
        return {"type": "function", "summary": f"{getattr(value, '__qualname__', '?')}(\u2026)"}
    shape = _shape(value) if module.split(".")[0] in ("pandas", "numpy", "polars") else None
    if shape is not None:
        summary = f"shape {shape}"
        dtype = getattr(value, "dtype", None)
        if dtype is not None and module.startswith("numpy"):
            summary += f", dtype {dtype}"
        return {"type": type_name, "summary": summary}
    if module.startswith("reactive_kernel.runtime.sql_table"):
        return {
            "type": "SqlTable",
            "summary": f"{len(value)} rows \u00d7 {len(value.columns)} cols",
        }
    if isinstance(value, _SIZED) and not isinstance(value, str | bytes):
        return {"type": type_name, "summary": f"len {len(value)}: {_short(_repr.repr(value))}"}
    try:
        text = _repr.repr(value)
    except Exception as exc:  # a broken __repr__ must not break the panel
        text = f"<repr failed: {type(exc).__name__}>"
    return {"type": type_name, "summary": _short(text)}


def user_names(ns: Mapping[str, Any], hidden: Mapping[str, Any]) -> list[str]:
    """Names the user bound: not ``_``-names, not IPython's own (``In``, ``Out``...)."""
    out = []
    for name, value in ns.items():
        if name.startswith("_") or name in _IPYTHON_NAMES:
            continue
        if name in hidden and hidden[name] is value:
            continue
        out.append(name)
    return sorted(out, key=str.lower)


def list_variables(
    ns: Mapping[str, Any], hidden: Mapping[str, Any], owner: Callable[[str], str | None]
) -> list[dict[str, Any]]:
    """Each user name with ``{name, type, summary, cell_id}`` (cell_id: its defining cell)."""
    out = []
    for name in user_names(ns, hidden)[:MAX_VARIABLES]:
        out.append({"name": name, **describe(ns[name]), "cell_id": owner(name)})
    return out


class VariablesFeed:
    """Publishes ``variables`` events after cascades once some client subscribed."""

    def __init__(
        self,
        ns: Callable[[], Mapping[str, Any]],
        hidden: Callable[[], Mapping[str, Any]],
        owner: Callable[[str], str | None],
        publish: Callable[[dict[str, Any], dict[str, Any]], None],
    ) -> None:
        self._ns, self._hidden, self._owner, self._publish = ns, hidden, owner, publish
        self.subscribed = False

    def current(self) -> list[dict[str, Any]]:
        return list_variables(self._ns(), self._hidden(), self._owner)

    def changed(self, parent: dict[str, Any]) -> None:
        """The namespace may have changed: tell subscribers (nothing if none)."""
        if self.subscribed:
            self._publish({"event": "variables", "variables": self.current()}, parent)
