"""Markdown cells: which brace groups interpolate Python values, and what they read.

PROTOCOL.md section 2b: a markdown cell's text may interpolate Python values as
an f-string would (``{total}``, ``{total:.2f}``, ``{name!r}``, nested fields in
a format spec ``{x:>{width}}``). To keep ordinary markdown unchanged, a brace
group is a field only when all of these hold:

* it stands outside code spans (`` `...` ``), fenced code blocks (```` ``` ````
  or ``~~~``) and math (``$...$``, ``$$...$$``);
* it fits on one line (a JSON example spread over lines stays literal);
* its expression part parses as a Python expression that is not a bare literal
  (``{"a": 1}`` is JSON, not the string ``"a"`` formatted with spec `` 1``);
* it does not directly follow a letter, digit, ``\\``, ``^``, ``_``, ``$`` or
  ``}`` (LaTeX written outside math: ``\\frac{a}{b}``, ``x^{2}``).

``{{`` and ``}}`` outside protected regions are literal braces (as in an
f-string); inside code spans, fences and math they are left as they are.

This module is pure: :func:`parse_markdown` splits the text into literal and
field segments, :func:`markdown_analysis` gives the cell's reads, and
:func:`render` joins the segments with values from a caller-supplied
evaluator (the runtime evaluates in the notebook's namespace).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from .analysis import EMPTY_ANALYSIS, Analysis, analyze_python

__all__ = [
    "Field",
    "Segment",
    "field_expressions",
    "markdown_analysis",
    "parse_markdown",
    "render",
]


@dataclass(frozen=True, slots=True)
class Field:
    """One interpolation: ``{expr!conversion:spec}``."""

    expr: str
    conversion: str | None
    spec: tuple[Segment, ...]
    source: str
    """The group as written, braces included (shown in error messages)."""


Segment: TypeAlias = "str | Field"

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NO_FIELD_BEFORE = set("\\^_$}")
_OPEN = {"(": ")", "[": "]", "{": "}"}


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Start/end offsets of fenced blocks, code spans and math, in order."""
    spans: list[tuple[int, int]] = []
    offset = 0
    fence: str | None = None
    fence_start = 0
    prose: list[tuple[int, str]] = []
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, fence_start = match.group(1), offset
        elif fence is not None and match and _closes(fence, match.group(1), line[match.end() :]):
            spans.append((fence_start, offset + len(line)))
            fence = None
        elif fence is None:
            prose.append((offset, line))
        offset += len(line)
    if fence is not None:  # an unclosed fence runs to the end, as in CommonMark
        spans.append((fence_start, len(text)))
    # Code spans and math inside prose; paragraphs may span lines, so scan
    # the prose as one stream between fences.
    for start, end in _prose_runs(spans, len(text)):
        spans.extend(_inline_spans(text, start, end))
    spans.sort()
    return spans


def _closes(fence: str, run: str, rest: str) -> bool:
    return run[0] == fence[0] and len(run) >= len(fence) and not rest.strip()


def _prose_runs(fences: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    runs, pos = [], 0
    for start, end in sorted(fences):
        if start > pos:
            runs.append((pos, start))
        pos = end
    if pos < length:
        runs.append((pos, length))
    return runs


def _inline_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    i = start
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            n = _run_length(text, i, end, "`")
            close = _find_run(text, i + n, end, "`", n)
            if close < 0:
                i += n
                continue
            spans.append((i, close + n))
            i = close + n
            continue
        if ch == "$":
            n = 2 if text.startswith("$$", i) and i + 1 < end else 1
            close = _find_math_close(text, i + n, end, n)
            if close < 0:
                i += n
                continue
            spans.append((i, close + n))
            i = close + n
            continue
        i += 1
    return spans


def _run_length(text: str, i: int, end: int, ch: str) -> int:
    n = 0
    while i + n < end and text[i + n] == ch:
        n += 1
    return n


def _find_run(text: str, i: int, end: int, ch: str, n: int) -> int:
    while i < end:
        if text[i] == ch:
            m = _run_length(text, i, end, ch)
            if m == n:
                return i
            i += m
        else:
            i += 1
    return -1


def _find_math_close(text: str, i: int, end: int, n: int) -> int:
    if n == 1 and (i >= end or text[i].isspace()):
        return -1  # "$ 5" is a price, not math
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if n == 1 and ch == "\n" and text.startswith("\n", i + 1):
            return -1  # inline math never crosses a blank line
        if text.startswith("$" * n, i):
            if n == 1 and text[i - 1].isspace():
                i += 1
                continue
            return i
        i += 1
    return -1


def _group_end(text: str, start: int, end: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``start``; -1 if none on this line."""
    depth: list[str] = []
    quote: str | None = None
    i = start + 1
    while i < end:
        ch = text[i]
        if ch == "\n":
            return -1
        if quote is not None:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth.append(_OPEN[ch])
        elif ch in ")]}":
            if not depth:
                return i if ch == "}" else -1
            if depth.pop() != ch:
                return -1
        i += 1
    return -1


def _split_field(inner: str) -> tuple[str, str | None, str] | None:
    """``expr!c:spec`` split at the top-level ``!``/``:``; None if malformed."""
    depth = 0
    quote: str | None = None
    i = 0
    while i < len(inner):
        ch = inner[i]
        if quote is not None:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch == "!" and not inner.startswith("!=", i):
            conv, rest = inner[i + 1 : i + 2], inner[i + 2 :]
            if conv not in ("r", "s", "a") or (rest and not rest.startswith(":")):
                return None
            return inner[:i], conv, rest[1:]
        elif depth == 0 and ch == ":":
            return inner[:i], None, inner[i + 1 :]
        i += 1
    return inner, None, ""


def _is_expression(expr: str) -> bool:
    if not expr.strip():
        return False
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return not isinstance(tree.body, ast.Constant)


def _field(text: str, start: int, end: int) -> Field | None:
    inner = text[start + 1 : end]
    parts = _split_field(inner)
    if parts is None:
        return None
    expr, conversion, spec = parts
    if not _is_expression(expr):
        return None
    spec_segments = tuple(_segments(spec, [])) if "{" in spec or "}" in spec else (
        (spec,) if spec else ()
    )
    return Field(expr.strip(), conversion, spec_segments, text[start : end + 1])


def _segments(text: str, protected: list[tuple[int, int]]) -> list[Segment]:
    out: list[Segment] = []
    literal: list[str] = []
    spans = iter(protected)
    next_span = next(spans, None)
    i, n = 0, len(text)
    while i < n:
        if next_span is not None and i == next_span[0]:
            literal.append(text[next_span[0] : next_span[1]])
            i = next_span[1]
            next_span = next(spans, None)
            continue
        limit = next_span[0] if next_span is not None else n
        ch = text[i]
        if ch in "{}" and text.startswith(ch * 2, i) and i + 1 < limit:
            literal.append(ch)
            i += 2
            continue
        if ch == "{" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in _NO_FIELD_BEFORE)):
            close = _group_end(text, i, limit)
            field = _field(text, i, close) if close > 0 else None
            if field is not None:
                if literal:
                    out.append("".join(literal))
                    literal = []
                out.append(field)
                i = close + 1
                continue
        literal.append(ch)
        i += 1
    if literal:
        out.append("".join(literal))
    return out


def parse_markdown(text: str) -> tuple[Segment, ...]:
    """The text as literal strings and :class:`Field` interpolations, in order."""
    if "{" not in text and "}" not in text:
        return (text,) if text else ()
    return tuple(_segments(text, _protected_spans(text)))


def _fields(segments: tuple[Segment, ...]) -> list[Field]:
    found: list[Field] = []
    for seg in segments:
        if isinstance(seg, Field):
            found.append(seg)
            found.extend(_fields(seg.spec))
    return found


def field_expressions(text: str) -> list[str]:
    """Every interpolated expression, spec fields included, in order."""
    return [f.expr for f in _fields(parse_markdown(text))]


def markdown_analysis(text: str) -> Analysis:
    """A markdown cell's place in the graph: it reads what its fields use and
    writes nothing (a walrus in a field binds nothing the graph would see)."""
    exprs = field_expressions(text)
    if not exprs:
        return EMPTY_ANALYSIS
    code = "\n".join(f"({e})" for e in exprs)
    found = analyze_python(code)
    reads = found.reads | found.writes if found.writes else found.reads
    return Analysis(reads, frozenset(), frozenset(), None, found.builtins)


_CONVERT: dict[str, Callable[[object], str]] = {"r": repr, "s": str, "a": ascii}


def render(segments: tuple[Segment, ...], evaluate: Callable[[str], object]) -> str:
    """The interpolated text: each field's value from ``evaluate(expr)``,
    converted and formatted as an f-string would. Exceptions from
    ``evaluate``, conversions and ``format`` propagate to the caller."""
    parts: list[str] = []
    for seg in segments:
        if isinstance(seg, str):
            parts.append(seg)
            continue
        value = evaluate(seg.expr)
        if seg.conversion is not None:
            value = _CONVERT[seg.conversion](value)
        parts.append(format(value, render(seg.spec, evaluate)))
    return "".join(parts)
