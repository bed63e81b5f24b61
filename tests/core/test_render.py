"""Tests for :func:`reactive_kernel.core.render.mermaid`."""

from __future__ import annotations

import re

import pytest

from reactive_kernel.core.cells import Status
from reactive_kernel.core.notebook import Notebook
from reactive_kernel.core.render import mermaid

NODE_RE = re.compile(r'^    (c\d+)\["(.*)"\]:::(\w+)$')
EDGE_RE = re.compile(r"^    (c\d+) -->\|([^|]*)\| (c\d+)$")


def parse(text: str) -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], str]]:
    """Mermaid text -> ({node: (label, class)}, {(u, v): edge label})."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    nodes: dict[str, tuple[str, str]] = {}
    edges: dict[tuple[str, str], str] = {}
    for line in lines[1:]:
        if m := NODE_RE.match(line):
            nodes[m[1]] = (m[2], m[3])
        elif m := EDGE_RE.match(line):
            edges[(m[1], m[3])] = m[2]
        else:
            assert line.startswith("    classDef "), line
    return nodes, edges


def notebook(*cells: tuple[str, str]) -> Notebook:
    nb = Notebook()
    for cid, code in cells:
        nb.create(cid, code=code)
    return nb


def by_cell(nb: Notebook, text: str) -> tuple[dict[str, tuple[str, str]], dict]:
    """Nodes and edges keyed by cell id (nodes are numbered in notebook order)."""
    nodes, edges = parse(text)
    node_of = {f"c{i}": cid for i, cid in enumerate(nb.cells.ids)}
    return (
        {node_of[n]: v for n, v in nodes.items()},
        {(node_of[u], node_of[v]): label for (u, v), label in edges.items()},
    )


def test_a_node_per_cell_and_labelled_edges() -> None:
    nb = notebook(
        ("a", "x = 1\ny = 2"),
        ("b", "z = x + y"),
        ("c", "print(z, x)"),
        ("lonely", ""),
    )
    nodes, edges = by_cell(nb, mermaid(nb))
    assert set(nodes) == {"a", "b", "c", "lonely"}
    assert nodes["a"] == ("a: x = 1", "idle")
    assert nodes["b"] == ("b: z = x + y", "idle")
    assert nodes["lonely"] == ("lonely", "idle")
    assert edges == {("a", "b"): "x, y", ("b", "c"): "z", ("a", "c"): "x"}


def test_empty_notebook() -> None:
    nodes, edges = parse(mermaid(Notebook()))
    assert nodes == {} and edges == {}


def test_nodes_follow_notebook_order() -> None:
    nb = notebook(("a", "x = 1"), ("b", "y = x"))
    nb.move("b", "^")
    nodes, _ = parse(mermaid(nb))
    assert nodes["c0"][0].startswith("b:")
    assert nodes["c1"][0].startswith("a:")


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ('s = "hi"', "q: s = #quot;hi#quot;"),
        ("s = 'it''s'", "q: s = 'it''s'"),
        ('\n\n  t = "x"\nmore = 1', "q: t = #quot;x#quot;"),
        ("w = " + "9" * 60, "q: w = " + "9" * 35 + "…"),  # 40 characters of code
    ],
    ids=["double-quotes", "single-quotes", "first-nonblank-line", "truncated"],
)
def test_labels_escaped_and_short(code: str, label: str) -> None:
    nb = notebook(("q", code))
    text = mermaid(nb)
    nodes, _ = parse(text)
    assert nodes["c0"][0] == label
    # No raw double quote inside a label: it would end the Mermaid string.
    assert '"' not in nodes["c0"][0]


def test_max_code() -> None:
    nb = notebook(("q", "abcdefghij = 1"))
    nodes, _ = parse(mermaid(nb, max_code=5))
    assert nodes["c0"][0] == "q: abcd…"


@pytest.mark.parametrize(
    ("status", "css"),
    [
        (Status.SUCCESS, "success"),
        (Status.ERROR, "error"),
        (Status.BLOCKED, "blocked"),
        (Status.STALE, "stale"),
        (Status.IDLE, "idle"),
        (Status.QUEUED, "stale"),
        (Status.RUNNING, "stale"),
    ],
)
def test_status_classes(status: Status, css: str) -> None:
    nb = notebook(("a", "x = 1"))
    nb.cells["a"].status = status
    text = mermaid(nb)
    nodes, _ = parse(text)
    assert nodes["c0"][1] == css
    assert f"    classDef {css} " in text


def test_blocked_cells_rendered() -> None:
    nb = notebook(("a", "x = y"), ("b", "y = x"), ("c", "x = 3"))
    nodes, edges = by_cell(nb, mermaid(nb))
    assert {cid: css for cid, (_, css) in nodes.items()} == {
        "a": "blocked",
        "b": "blocked",
        "c": "blocked",
    }
    assert edges == {("a", "b"): "x", ("b", "a"): "y"}
