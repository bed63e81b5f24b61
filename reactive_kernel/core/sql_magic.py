"""What the kernel needs to know about SQL before it runs any: the ``%%sql``
line and the prefix of table names in reads and writes.

Kept apart from :mod:`reactive_kernel.core.sql_analysis` so that a kernel whose
notebook has no SQL never imports sqlglot (a parser of tens of MiB).
"""

from __future__ import annotations

import keyword
import re
from typing import Final

TABLE_PREFIX: Final = "table:"
"""Reads and writes that are tables, not Python names, start with this."""

_MAGIC_RE: Final = re.compile(r"\A(?:[ \t]*\r?\n)*%%sql(?:[ \t]+([^\r\n]*?))?[ \t]*(?:\r?\n|\Z)")


def split_sql_magic(code: str) -> tuple[str, str | None] | None:
    """``(body, name)`` when ``code`` starts with a ``%%sql [name]`` line, else None.

    Blank lines before the magic are allowed, as IPython allows them.  Raises
    :class:`ValueError` (one sentence, for the cell's error) when the line names an
    invalid result variable: ``%%sql 1x`` or ``%%sql a b`` is an SQL cell the user
    got wrong, not a Python cell.
    """
    match = _MAGIC_RE.match(code)
    if match is None:
        return None
    name = match.group(1) or None
    if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
        raise ValueError(
            f"%%sql: invalid result name {name!r}: write '%%sql' or '%%sql name' "
            "with a Python identifier."
        )
    return code[match.end() :], name
