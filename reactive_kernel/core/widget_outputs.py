"""Widget outputs outside a live front end (headless ``run --to``, exports).

A widget-view output (``application/vnd.jupyter.widget-view+json``) names a
model that lives only as long as the kernel; a file that keeps it shows
"model not found" in every viewer. Such bundles keep their text form (the
widget's ``repr``, with the values it had when the run ended: the initial ones)
and lose the view reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def static_outputs(outputs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``outputs`` with widget views replaced by their text form (new dicts
    where anything changed; the others as given)."""
    result = []
    for out in outputs:
        data = out.get("data")
        if isinstance(data, dict) and WIDGET_VIEW in data:
            kept = {k: v for k, v in data.items() if k != WIDGET_VIEW}
            if not kept:
                kept = {"text/plain": "(a widget: shown by a live notebook only)"}
            out = {**out, "data": kept}
        result.append(out)
    return result
