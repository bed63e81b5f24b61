"""The dependency graph as text a notebook renders as a picture (Mermaid)."""

from __future__ import annotations

from .cells import Status
from .notebook import Notebook

_CLASS = {
    Status.SUCCESS: "success",
    Status.ERROR: "error",
    Status.BLOCKED: "blocked",
    Status.STALE: "stale",
    Status.IDLE: "idle",
    Status.QUEUED: "stale",
    Status.RUNNING: "stale",
}
_STYLES = (
    "classDef success fill:#e6f4ea,stroke:#1e8e3e;"
    "classDef error fill:#fce8e6,stroke:#d93025;"
    "classDef blocked fill:#fef7e0,stroke:#f9ab00;"
    "classDef stale fill:#e8eaed,stroke:#5f6368,stroke-dasharray:3;"
    "classDef idle fill:#fff,stroke:#5f6368;"
)


def _label(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def mermaid(notebook: Notebook, max_code: int = 40) -> str:
    """A Mermaid flowchart: one node per cell (id, first code line, status),
    one edge per dependency labelled with the names it carries."""
    lines = ["flowchart TD"]
    ids = {cid: f"c{i}" for i, cid in enumerate(notebook.cells.ids)}
    for cell in notebook.cells:
        first = cell.code.strip().splitlines()[0] if cell.code.strip() else ""
        if len(first) > max_code:
            first = first[: max_code - 1] + "…"
        label = _label(f"{cell.id}: {first}" if first else cell.id)
        lines.append(f'    {ids[cell.id]}["{label}"]:::{_CLASS[cell.status]}')
    graph = notebook.graph.nx_graph
    for u, v in sorted(graph.edges(), key=lambda e: (ids[e[0]], ids[e[1]])):
        names = _label(", ".join(sorted(notebook.graph.edge_names(u, v))))
        lines.append(f"    {ids[u]} -->|{names}| {ids[v]}")
    for style in _STYLES.split(";"):
        if style:
            lines.append(f"    {style}")
    return "\n".join(lines)
