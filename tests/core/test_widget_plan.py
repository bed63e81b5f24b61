"""The pure rules of widget inputs: which updates count, bindings, coalescing."""

from __future__ import annotations

import pytest

from reactive_kernel.core.widget_outputs import WIDGET_VIEW, static_outputs
from reactive_kernel.core.widget_plan import (
    Binding,
    ChangeQueue,
    WidgetBindings,
    is_input_change,
)


@pytest.mark.parametrize(
    ("keys", "has_value", "expected"),
    [
        ({"value"}, True, True),
        ({"value", "index"}, True, True),
        ({"description"}, True, False),  # a slider's label is no input
        ({"layout"}, True, False),
        ({"index"}, False, True),  # selection widgets sync index, not value
        ({"count"}, False, True),  # an anywidget's own trait
        ({"layout", "style"}, False, False),
        ({"_view_count"}, False, False),
        (set(), False, False),
    ],
)
def test_is_input_change(keys: set[str], has_value: bool, expected: bool) -> None:
    assert is_input_change(keys, has_value) is expected


def test_bindings_follow_cells() -> None:
    b = WidgetBindings()
    b.bind("x", {"s": {"m1"}, "box": {"m2", "m3"}, "nothing": set()})
    b.bind("y", {"alias": {"m1"}})
    assert b.lookup("m1") == [Binding("x", "s"), Binding("y", "alias")]
    assert b.models("x", "box") == {"m2", "m3"}
    assert b.models("x", "nothing") == frozenset()
    b.bind("x", {"s": {"m9"}})  # re-run: new widgets replace the old
    assert b.lookup("m1") == [Binding("y", "alias")]
    assert b.lookup("m2") == [] and b.lookup("m9") == [Binding("x", "s")]
    b.drop("y")
    b.drop("unknown")
    assert b.lookup("m1") == [] and b.cells() == ["x"] and len(b) == 1
    b.bind("x", {})
    assert b.cells() == [] and len(b) == 0


def test_queue_coalesces_pending_changes() -> None:
    q = ChangeQueue()
    s, t = Binding("x", "s"), Binding("x", "t")
    assert q.changed(s) is True
    assert [q.changed(s) for _ in range(99)] == [False] * 99  # latest value wins
    assert q.changed(t) is True
    assert (len(q), q.changes, q.coalesced) == (2, 101, 99)
    assert q.next() == s and q.running == s
    assert q.changed(s) is True  # changed while running: one more cascade
    assert q.next() == t
    assert q.next() == s
    assert q.next() is None and q.running is None


def test_queue_drops_a_cell_that_reran_or_went() -> None:
    q = ChangeQueue()
    q.changed(Binding("x", "s"))
    q.changed(Binding("y", "s"))
    q.discard_cell("x")
    assert q.next() == Binding("y", "s")
    assert q.next() is None


def test_static_outputs_keep_the_text_form() -> None:
    view = {"model_id": "m", "version_major": 2, "version_minor": 0}
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "hi\n"},
        {
            "output_type": "execute_result",
            "data": {WIDGET_VIEW: view, "text/plain": "IntSlider(value=3)"},
            "metadata": {},
            "execution_count": 1,
        },
        {"output_type": "display_data", "data": {WIDGET_VIEW: view}, "metadata": {}},
    ]
    static = static_outputs(outputs)
    assert static[0] is outputs[0]
    assert static[1]["data"] == {"text/plain": "IntSlider(value=3)"}
    assert static[1]["execution_count"] == 1
    assert list(static[2]["data"]) == ["text/plain"]
    assert WIDGET_VIEW in outputs[1]["data"]  # the input is not changed
