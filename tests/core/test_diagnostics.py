"""Table-driven tests for the ``mutates-foreign`` diagnostic (PROTOCOL.md section 9).

Each row is one cell's code beside the cells in :data:`OTHERS`, and the warnings it
must get: ``{defining cell: [names it mutates]}``. The rows cover every mutation
form the analysis recognises and the false positives it must avoid.
"""

from __future__ import annotations

import pytest

from reactive_kernel.core.analysis import Analysis, analyze_python
from reactive_kernel.core.diagnostics import (
    MUTATES_FOREIGN,
    DiagnosticsTracker,
    mutation_diagnostics,
)

OTHERS = {
    "c1": "lst = []\nd = {}\ns = 'abc'\nobj = type('O', (), {})()\ndf = None\nst = set()\n"
    "arr = None\nx = 1\n_p = []",
    "c2": "other = []",
    "imp": "import numpy as np\nimport os, sys\nimport os.path\n"
    "from collections import deque as dq",
}

# fmt: off
CASES: list[tuple[str, str, dict[str, list[str]]]] = [
    # -- mutating methods ----------------------------------------------------------
    ("append", "lst.append(1)", {"c1": ["lst"]}),
    ("extend", "lst.extend([1])", {"c1": ["lst"]}),
    ("insert", "lst.insert(0, 1)", {"c1": ["lst"]}),
    ("pop", "v = lst.pop()", {"c1": ["lst"]}),
    ("remove", "lst.remove(1)", {"c1": ["lst"]}),
    ("clear", "lst.clear()", {"c1": ["lst"]}),
    ("sort", "lst.sort()", {"c1": ["lst"]}),
    ("update", "d.update(a=1)", {"c1": ["d"]}),
    ("setdefault", "d.setdefault('k', 1)", {"c1": ["d"]}),
    ("set-add", "st.add(1)", {"c1": ["st"]}),
    ("set-discard", "st.discard(1)", {"c1": ["st"]}),
    ("method-on-item", "d['k'].append(1)", {"c1": ["d"]}),
    ("inplace-keyword", "df.drop(columns=['a'], inplace=True)", {"c1": ["df"]}),
    ("setattr", "setattr(obj, 'a', 1)", {"c1": ["obj"]}),
    ("delattr", "delattr(obj, 'a')", {"c1": ["obj"]}),
    # -- assignment, augmented assignment, deletion --------------------------------
    ("subscript-assign", "d['k'] = 1", {"c1": ["d"]}),
    ("attribute-assign", "obj.attr = 1", {"c1": ["obj"]}),
    ("slice-assign", "lst[1:3] = []", {"c1": ["lst"]}),
    ("index-assign", "lst[0] = 9", {"c1": ["lst"]}),
    ("del-item", "del d['k']", {"c1": ["d"]}),
    ("del-attribute", "del obj.attr", {"c1": ["obj"]}),
    ("augassign-item", "d['k'] += 1", {"c1": ["d"]}),
    ("augassign-attribute", "obj.n += 1", {"c1": ["obj"]}),
    ("chained-loc", "df.loc[0, 'a'] = 5", {"c1": ["df"]}),
    ("new-column", "df['col'] = df['a'] * 2", {"c1": ["df"]}),
    ("nested-item", "d['a']['b'] = 1", {"c1": ["d"]}),
    ("attribute-chain", "obj.a.b[0].c = 1", {"c1": ["obj"]}),
    ("annotated-item", "d['k']: int = 1", {"c1": ["d"]}),
    ("tuple-targets", "obj.x, lst[0] = 1, 2", {"c1": ["lst", "obj"]}),
    ("for-target", "for lst[0] in range(3):\n    pass", {"c1": ["lst"]}),
    # -- where the mutation is ------------------------------------------------------
    ("in-function", "def f():\n    lst.append(1)", {"c1": ["lst"]}),
    ("in-function-global", "def f():\n    global lst\n    lst.append(1)", {"c1": ["lst"]}),
    ("in-lambda", "g = lambda: lst.append(1)", {"c1": ["lst"]}),
    ("in-comprehension", "[lst.append(i) for i in range(3)]", {"c1": ["lst"]}),
    ("in-class-body", "class K:\n    lst.append(1)", {"c1": ["lst"]}),
    ("in-method", "class K:\n    def m(self):\n        d['k'] = self", {"c1": ["d"]}),
    ("in-with", "with open('f') as fh:\n    lst.append(fh)", {"c1": ["lst"]}),
    ("in-if", "if x:\n    d['k'] = x", {"c1": ["d"]}),
    ("two-names-one-owner", "lst.append(1)\nd.update(x=1)", {"c1": ["d", "lst"]}),
    ("two-owners", "other.append(1)\nlst.append(1)", {"c1": ["lst"], "c2": ["other"]}),
    ("nested-function", "def f():\n    def g():\n        lst.sort()\n    return g",
     {"c1": ["lst"]}),
    # -- no warning -----------------------------------------------------------------
    ("str-upper", "s.upper()", {}),
    ("str-replace", "t = s.replace('a', 'b')", {}),
    ("dict-get", "n = d.get('k')", {}),
    ("list-copy", "c = lst.copy()", {}),
    ("list-count", "n = lst.count(1)", {}),
    ("join", "j = '-'.join(lst)", {}),
    ("read-item", "print(lst[0], d['k'])", {}),
    ("method-reference", "f = d.pop", {}),
    ("module-function", "b = np.sort(arr)", {}),
    ("module-attribute-call", "sys.path.append('/tmp')", {}),
    ("module-mapping", "os.environ.update(A='1')", {}),
    ("module-attribute-assign", "np.seterr_mode = 1", {}),
    ("imported-class", "dq.clear()", {}),
    ("own-value", "mine = []\nmine.append(1)", {}),
    ("own-rebinding", "lst = list(lst)\nlst.append(1)", {}),
    ("parameter", "def f(lst):\n    lst.append(1)", {}),
    ("function-local", "def f():\n    lst = []\n    lst.append(1)", {}),
    ("comprehension-variable", "[q.append(1) for q in [[]]]", {}),
    ("loop-variable", "for item in lst:\n    item.sort()", {}),
    ("private-name", "_p.append(1)", {}),
    ("undefined-name", "unknown.append(1)", {}),
    ("call-result", "f().x = 1", {}),
    ("name-augassign", "x += 1", {}),
    ("non-mutating-method", "obj.method()", {}),
    ("inplace-false", "df.drop(columns=['a'], inplace=False)", {}),
    ("syntax-error", "lst.append(", {}),
]
# fmt: on


def _context(code: str) -> tuple[Analysis, dict[str, Analysis]]:
    others = {cid: analyze_python(src) for cid, src in OTHERS.items()}
    return analyze_python(code), others


def _owner(others: dict[str, Analysis]):  # type: ignore[no-untyped-def]
    def owner(name: str) -> str | None:
        return next((cid for cid, a in others.items() if name in a.writes), None)

    return owner


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("code", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mutates_foreign(code: str, expected: dict[str, list[str]]) -> None:
    analysis, others = _context(code)
    got = mutation_diagnostics("me", analysis, _owner(others), others.get)
    assert {owner_of(d.message): list(d.names) for d in got} == expected
    for d in got:
        assert d.code == MUTATES_FOREIGN
        for name in d.names:
            assert name in d.message
        assert "move the mutation into cell" in d.message


def owner_of(message: str) -> str:
    return message.split("which cell ", 1)[1].split(" ", 1)[0]


def test_message_names_variable_and_defining_cell() -> None:
    analysis, others = _context("lst.append(1)")
    (d,) = mutation_diagnostics("me", analysis, _owner(others), others.get)
    assert d.to_dict() == {
        "code": "mutates-foreign",
        "message": "This cell mutates lst, which cell c1 defines: move the mutation into "
        "cell c1. The kernel cannot see it here: cells that read it do not re-run, and a "
        "re-run of cell c1 undoes it.",
        "names": ["lst"],
    }


class Cells:
    """A minimal notebook stand-in: cells by id, the first definer owns a name."""

    def __init__(self) -> None:
        self.code: dict[str, Analysis] = {}
        self.tracker = DiagnosticsTracker(self.owner, self.code.get)

    def owner(self, name: str) -> str | None:
        return next((cid for cid, a in self.code.items() if name in a.writes), None)

    def set(self, cid: str, src: str | None) -> list[str]:
        before = self.code.get(cid)
        if src is None:
            del self.code[cid]
            after = None
        else:
            after = self.code[cid] = analyze_python(src)
        return self.tracker.update(cid, before, after)

    def names(self, cid: str) -> list[list[str]]:
        return [list(d.names) for d in self.tracker.of(cid)]


def test_tracker_follows_the_defining_cell() -> None:
    nb = Cells()
    assert nb.set("m", "lst.append(1)") == []  # nobody defines lst yet
    assert nb.set("a", "lst = []") == ["m"]  # now a does: m gets a warning
    assert nb.names("m") == [["lst"]] and "cell a" in nb.tracker.of("m")[0].message
    assert nb.set("b", "lst = [2]") == []  # a second definer changes nothing
    assert nb.set("a", "other = 1") == ["m"]  # b owns lst now
    assert "cell b" in nb.tracker.of("m")[0].message
    assert nb.set("b", "import lst") == ["m"]  # an import: no warning
    assert nb.names("m") == []
    assert nb.set("b", "lst = []") == ["m"]
    assert nb.set("b", None) == ["m"]  # deleted: nobody defines lst
    assert nb.names("m") == []


def test_tracker_subject_and_untouched_cells() -> None:
    nb = Cells()
    nb.set("a", "lst = []\nd = {}")
    assert nb.set("m", "lst.append(1)") == ["m"]
    assert nb.set("m", "lst.append(2)") == []  # same warning: nothing changed
    assert nb.set("m", "d['k'] = 1") == ["m"]
    assert nb.names("m") == [["d"]]
    assert nb.set("z", "unrelated = 1") == []
    assert nb.set("m", "mine = 1") == ["m"] and nb.names("m") == []
    assert nb.set("m", None) == []


def test_tracker_reset_rebuilds() -> None:
    nb = Cells()
    nb.code.update(a=analyze_python("lst = []"), m=analyze_python("lst.append(1)"))
    assert nb.tracker.reset(["a", "m"]) == ["m"]
    assert nb.set("a", "x = 1") == ["m"]
