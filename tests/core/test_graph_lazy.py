"""The graph's networkx DiGraph is made on first use (a kernel with no cells
never imports networkx), and is then the same graph as before."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reactive_kernel.core.graph import DependencyGraph


def test_an_empty_graph_needs_no_networkx() -> None:
    code = (
        "import sys\n"
        "from reactive_kernel.core.notebook import Notebook\n"
        "nb = Notebook()\n"
        "print('networkx' in sys.modules)\n"
        "nb.graph.set_cell('a', [], ['x'])\n"
        "print('networkx' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["False", "True"]


def test_the_graph_is_made_on_first_use() -> None:
    g = DependencyGraph()
    assert "a" not in g
    g.set_cell("a", [], ["x"])
    g.set_cell("b", ["x"], [])
    assert g.nx_graph.number_of_edges() == 1 and g.children("a") == ["b"]
    with pytest.raises(AttributeError, match="no_such_attribute"):
        g.no_such_attribute  # type: ignore[attr-defined]  # noqa: B018
