"""The text summary of a cascade, for front ends that do not show cascades.

Plain JupyterLab, Notebook 7 and VS Code show only the output of the cell that
was run; the dependents the kernel re-ran stay as they were on screen. So the
run cell's output ends with a compact account of the cascade: which cells
re-ran, and which failed, each named by its first line of code and, when a
person wrote it, its id (core/naming.py),
preceded by the run cell's diagnostics (core/diagnostics.py), if any.
A front end that shows cascades itself (the JupyterLab extension) turns this
off with the comm op ``configure {summary: false}``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from .cells import Cell, Status
from .naming import summary_label

SUMMARY_METADATA = {"reactive": {"summary": True}}
_MAX_LISTED = 12


def _label(cell: Cell) -> str:
    return summary_label(cell.id, cell.code)


def _outcome(cell: Cell) -> str:
    if cell.status == Status.SUCCESS:
        return "ok (from the cache)" if cell.cached else "ok"
    if cell.error is not None:
        return cell.error.ename
    return str(cell.status.value)


def cascade_summary(
    others: Sequence[Cell], run: Cell | None = None, stale: Sequence[Cell] = ()
) -> dict[str, Any] | None:
    """``display_data`` content summarising the cells a cascade ran besides the
    one that was run, and the run cell's own diagnostics (``⚠`` lines, so front
    ends without the extension show the warning too), or None when there is
    nothing to say. ``stale`` are the cells lazy mode left out of date."""
    warnings = [d.message for d in run.diagnostics] if run is not None else []
    if not others and not warnings and not stale:
        return None
    text: list[str] = [f"⚠ {w}" for w in warnings]
    html_parts = [f"<div style='color:#b26a00'>⚠ {html.escape(w)}</div>" for w in warnings]
    if stale:
        names = ", ".join(_label(c) for c in stale[:_MAX_LISTED])
        more = f" and {len(stale) - _MAX_LISTED} more" if len(stale) > _MAX_LISTED else ""
        note = (
            f"⏸ lazy mode: {len(stale)} dependent cell{'s are' if len(stale) != 1 else ' is'} "
            f"now stale: {names}{more}"
        )
        text.append(note)
        html_parts.append(f"<div style='color:#8a6d00'>{html.escape(note)}</div>")
    if others:
        head, lines, rows = _cascade_lines(others)
        text.append(head + ":\n" + "\n".join(lines))
        html_parts.append(f"{html.escape(head)}:<ul style='margin:2px 0'>{rows}</ul>")
    return {
        "data": {
            "text/plain": "\n".join(text),
            "text/html": (
                "<div class='reactive-summary' style='font-size:85%;opacity:.85'>"
                + "".join(html_parts)
                + "</div>"
            ),
        },
        "metadata": SUMMARY_METADATA,
        "transient": {},
    }


def _cascade_lines(others: Sequence[Cell]) -> tuple[str, list[str], str]:
    failed = [c for c in others if c.status != Status.SUCCESS]
    head = f"↻ re-ran {len(others)} dependent cell{'s' if len(others) != 1 else ''}"
    if failed:
        head += f", {len(failed)} not ok"
    shown = list(others[:_MAX_LISTED])
    more = len(others) - len(shown)
    lines = [
        f"  {'✓' if c.status == Status.SUCCESS else '✗'} {_label(c)}: {_outcome(c)}" for c in shown
    ]
    if more:
        lines.append(f"  … and {more} more")
    rows = "".join(
        f"<li style='color:{'inherit' if c.status == Status.SUCCESS else '#c62828'}'>"
        f"{'✓' if c.status == Status.SUCCESS else '✗'} <code>{html.escape(_label(c))}</code>"
        f": {html.escape(_outcome(c))}</li>"
        for c in shown
    )
    if more:
        rows += f"<li>… and {more} more</li>"
    return head, lines, rows
