"""Quoting client input inside error messages.

An error message names the value that was wrong, but a client may send a megabyte
in any field; echoing it back would flood every front end (and the logs) with it.
:func:`quote` shows a short prefix and says how long the value really was.
"""

from __future__ import annotations

from typing import Final

__all__ = ["QUOTE_LIMIT", "quote", "shorten"]

QUOTE_LIMIT: Final = 40
"""Most characters of a client's value that an error message repeats."""


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of ``value`` for an error message, at most ``limit`` characters of it.

    Strings longer than ``limit`` are cut and followed by their real length:
    ``'xxxx…' (1048576 characters)``. Other values are shown by type and a short repr.
    The result never contains a newline (``repr`` escapes them).
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value)} characters)"
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (a {type(value).__name__})"


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for values shown unquoted
    (a database URL, a driver's message that may repeat it)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"
