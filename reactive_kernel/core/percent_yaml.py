"""The small, strict YAML subset of the percent format's header (stdlib only).

Why not PyYAML: the notebook format lives in the pure core, which imports no
third-party I/O or parsing packages. The header only carries the kernelspec and
our own ``reactive`` settings, so a subset we control is enough, and every file
we write is still plain YAML that jupytext (PyYAML) reads to the same values.

What :func:`dump_mapping` emits, and :func:`parse_mapping` reads back exactly:

- block mappings, two spaces per level; an empty mapping is ``{}``;
- keys: plain when they are simple identifiers, otherwise double-quoted;
- ``null``, ``true``/``false``, integers, finite floats (always written with a
  ``.`` before any exponent so that YAML 1.1 resolves them as floats too);
- strings: plain when unambiguous (they start with a letter and cannot be read
  as anything but a string), otherwise double-quoted with YAML escapes, so a
  value never spans lines and non-printable characters are escaped;
- lists of scalars as flow sequences: ``[a, "b c", 1]``.

Reading also accepts single-quoted strings and trailing comments (jupytext
writes ``format_version: '1.3'``). Anything outside the subset raises
:class:`YamlError`; callers parse only the sections they own, so foreign YAML
elsewhere in a header is never parsed at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_PLAIN_STR = re.compile(r"[A-Za-z][A-Za-z0-9_ ./()+@=:*-]*")
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?")
_KEY_LINE = re.compile(r"(?P<key>\"(?:[^\"\\]|\\.)*\"|[^\s\"'#:][^:#]*?)\s*:(?:\s+(?P<value>.*))?$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_UNESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_LEN = {"x": 2, "u": 4, "U": 8}
_HEX = frozenset("0123456789abcdefABCDEF")


class YamlError(ValueError):
    """Header text outside the subset; ``line`` is 1-based in the whole file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


# -- writing ----------------------------------------------------------------


def _printable(ch: str) -> bool:
    """YAML's printable set, minus line breaks and the BOM (escaped instead)."""
    o = ord(ch)
    return (
        0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)
        or 0x10000 <= o <= 0x10FFFF
    ) and ch not in "\u2028\u2029"


def quote(text: str) -> str:
    """``text`` as a one-line YAML double-quoted scalar."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def dump_scalar(value: Any) -> str:
    """One scalar (or a list of scalars) in the subset; ``ValueError`` otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"metadata float {value!r} is not finite")
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        return text if "." in mantissa else f"{mantissa}.0{e}{exponent}"
    if isinstance(value, str):
        plain = (
            _PLAIN_STR.fullmatch(value)
            and value.lower() not in _YAML11_WORDS
            and ": " not in value
            and not value.endswith((":", " "))
        )
        return value if plain else quote(value)
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, (list, tuple, Mapping)):
                raise ValueError("metadata lists may only hold scalars")
            items.append(quote(item) if isinstance(item, str) else dump_scalar(item))
        return "[" + ", ".join(items) + "]"
    raise ValueError(f"metadata value of type {type(value).__name__} is not supported")


def dump_key(key: object) -> str:
    if not isinstance(key, str):
        raise ValueError(f"metadata keys must be strings, not {key!r}")
    plain = _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML11_WORDS
    return key if plain else quote(key)


def dump_mapping(mapping: Mapping[str, Any], indent: int = 0) -> list[str]:
    """Block-mapping lines (no comment prefix, no newlines) for ``mapping``."""
    lines = []
    pad = " " * indent
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            if value:
                lines.append(f"{pad}{dump_key(key)}:")
                lines.extend(dump_mapping(value, indent + 2))
            else:
                lines.append(f"{pad}{dump_key(key)}: {{}}")
        else:
            lines.append(f"{pad}{dump_key(key)}: {dump_scalar(value)}")
    return lines


# -- reading ----------------------------------------------------------------


def _double_quoted(text: str, pos: int, line: int) -> tuple[str, int]:
    """Decode a double-quoted scalar starting at ``text[pos] == '"'``."""
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        code = text[i + 1 : i + 2]
        if code in _UNESCAPES:
            out.append(_UNESCAPES[code])
            i += 2
        elif code in _HEX_LEN:
            digits = text[i + 2 : i + 2 + _HEX_LEN[code]]
            if len(digits) != _HEX_LEN[code] or not all(c in _HEX for c in digits):
                raise YamlError(line, f"bad escape \\{code}{digits} in a quoted string")
            out.append(chr(int(digits, 16)))
            i += 2 + len(digits)
        else:
            raise YamlError(line, f"unknown escape \\{code} in a quoted string")
    raise YamlError(line, "unterminated double-quoted string")


def _single_quoted(text: str, pos: int, line: int) -> tuple[str, int]:
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        if text[i] == "'":
            if text[i + 1 : i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(text[i])
        i += 1
    raise YamlError(line, "unterminated single-quoted string")


def _rest_is_comment(text: str, pos: int, line: int) -> None:
    rest = text[pos:]
    if rest.strip() and not rest.lstrip().startswith("#"):
        raise YamlError(line, f"unexpected text after a value: {rest.strip()!r}")


def _plain(text: str) -> Any:
    """Resolve a plain scalar the way YAML does for the types we use."""
    low = text.lower()
    if low in ("", "~", "null"):
        return None
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
        return float(text.replace("_", ""))
    return text


def _flow_list(text: str, line: int) -> list[Any]:
    items: list[Any] = []
    i = 1
    while True:
        while i < len(text) and text[i] == " ":
            i += 1
        if i >= len(text):
            raise YamlError(line, "unterminated flow sequence")
        if text[i] == "]" and not items:
            _rest_is_comment(text, i + 1, line)
            return items
        if text[i] in "\"'":
            reader = _double_quoted if text[i] == '"' else _single_quoted
            value, i = reader(text, i, line)
            items.append(value)
        else:
            end = i
            while end < len(text) and text[end] not in ",]":
                end += 1
            token = text[i:end].strip()
            if not token or token[0] in "[{":
                raise YamlError(line, "flow sequences may only hold scalars")
            items.append(_plain(token))
            i = end
        while i < len(text) and text[i] == " ":
            i += 1
        if text[i : i + 1] == ",":
            i += 1
        elif text[i : i + 1] == "]":
            _rest_is_comment(text, i + 1, line)
            return items
        else:
            raise YamlError(line, "expected ',' or ']' in a flow sequence")


def parse_scalar(text: str, line: int) -> Any:
    """The value of ``key: text`` (text already stripped of leading spaces)."""
    if text.startswith('"'):
        value, end = _double_quoted(text, 0, line)
        _rest_is_comment(text, end, line)
        return value
    if text.startswith("'"):
        value, end = _single_quoted(text, 0, line)
        _rest_is_comment(text, end, line)
        return value
    if text.startswith("["):
        return _flow_list(text, line)
    if text.startswith("{"):
        if text[1:].lstrip().startswith("}"):
            _rest_is_comment(text, text.index("}") + 1, line)
            return {}
        raise YamlError(line, "only empty flow mappings ({}) are supported here")
    if text[:1] in ("|", ">", "&", "*", "!"):
        raise YamlError(line, f"YAML feature {text[:1]!r} is not supported here")
    comment = re.search(r"\s#", text)
    return _plain((text[: comment.start()] if comment else text).rstrip())


def parse_key(raw: str, line: int) -> str:
    if raw.startswith('"'):
        return _double_quoted(raw, 0, line)[0]
    return raw.rstrip()


def parse_mapping(lines: list[tuple[int, str]]) -> dict[str, Any]:
    """Parse block-mapping lines ``(file line number, text)``; blank lines and
    comment lines are skipped. Raises :class:`YamlError` outside the subset."""
    items = [(n, t) for n, t in lines if t.strip() and not t.lstrip().startswith("#")]
    result, end = _parse_block(items, 0, None)
    if end != len(items):
        raise YamlError(items[end][0], "unexpected indentation")
    return result


def _parse_block(
    items: list[tuple[int, str]], start: int, indent: int | None
) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    i = start
    while i < len(items):
        line, text = items[i]
        here = len(text) - len(text.lstrip(" "))
        if indent is None:
            indent = here
        if here < indent:
            break
        if here > indent:
            raise YamlError(line, "unexpected indentation")
        match = _KEY_LINE.match(text, here)
        if not match:
            raise YamlError(line, f"expected 'key: value', got {text.strip()!r}")
        key = parse_key(match["key"], line)
        value = match["value"]
        i += 1
        if value is not None and value.strip() and not value.lstrip().startswith("#"):
            result[key] = parse_scalar(value.strip(), line)
        elif i < len(items) and len(items[i][1]) - len(items[i][1].lstrip(" ")) > indent:
            result[key], i = _parse_block(items, i, None)
        else:
            result[key] = None
    return result, i
