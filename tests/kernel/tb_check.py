"""Checks that every frame of cell code in an IPython traceback points at its line."""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FRAME = re.compile(r"^Cell In\[\d+\], line (\d+)")
ARROW = re.compile(r"^----> ?(\d+) ?(.*)$")

# (id, code with {u} for a unique suffix, line of the failing expression in each cell frame)
CASES: list[tuple[str, str, list[int]]] = [
    ("genexpr-body", "w{u} = 1\nv{u} = 2\nt{u} = sum(1/0 for i in range(3))\nt{u}", [3, 3]),
    ("genexpr-last", "w{u} = 1\nv{u} = 2\nsum(1/0 for i in range(3))", [3, 3]),
    (
        "listcomp-in-function",
        "def f{u}():\n    w = 1\n    return [1/0 for i in range(2)]\nf{u}()",
        [4, 3, 3],
    ),
    ("lambda", "w{u} = 1\ng{u} = lambda: (\n    1/0)\nw{u} += 1\ng{u}()", [5, 3]),
    (
        "decorated-function",
        "import functools as ft{u}\n@ft{u}.lru_cache\n"
        "def h{u}(x):\n    y = x\n    return y/0\nh{u}(1)",
        [6, 5],
    ),
    (
        "method",
        "class K{u}:\n    def m(self):\n        w = 1\n        return 1/0\nz{u} = 1\nK{u}().m()",
        [6, 4],
    ),
    (
        "dict-comp-in-nested-function",
        "def outer{u}():\n    a = 1\n    def inner():\n        b = 2\n"
        "        return {{k: k/0 for k in range(2)}}\n    return inner()\nouter{u}()",
        [7, 6, 5, 5],
    ),
    ("magic-above", "%time w{u} = 1\nv{u} = 2\nt{u} = sum(1/0 for i in range(3))", [3, 3]),
]


def frames(traceback: list[str] | str) -> list[tuple[int, int, str]]:
    """``(header line, arrow line, arrow text)`` of every cell-code frame."""
    text = traceback if isinstance(traceback, str) else "\n".join(traceback)
    found: list[tuple[int, int, str]] = []
    header: int | None = None
    for raw in ANSI.sub("", text).replace("\r", "").splitlines():
        line = raw.rstrip()
        m = FRAME.match(line.strip())
        if m:
            header = int(m.group(1))
            continue
        a = ARROW.match(line.strip())
        if a and header is not None:
            found.append((header, int(a.group(1)), a.group(2)))
            header = None
    return found


def check(traceback: list[str] | str, code: str, lines: list[int]) -> None:
    """Each cell frame names the expected line and its arrow shows that line's code."""
    source = code.splitlines()
    got = frames(traceback)
    assert [f[0] for f in got] == lines, (got, traceback)
    for header, arrow, text in got:
        assert arrow == header, (header, arrow, text)
        expected = source[header - 1].strip()
        if not expected.startswith("%"):  # a magic line shows transformed
            assert text.strip() == expected, (header, text, expected)
