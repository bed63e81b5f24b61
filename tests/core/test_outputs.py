"""Tests for :mod:`reactive_kernel.core.outputs`: IOPub messages in, nbformat outputs out."""

from __future__ import annotations

import re
from typing import Any

import pytest

from reactive_kernel.core.outputs import DEFAULT_BUDGET, OutputLog, output_from_message

Msg = tuple[str, dict[str, Any]]


def stream(text: str, name: str = "stdout") -> Msg:
    return "stream", {"name": name, "text": text}


def display(data: dict[str, Any], display_id: str | None = None) -> Msg:
    content: dict[str, Any] = {"data": data, "metadata": {}}
    if display_id is not None:
        content["transient"] = {"display_id": display_id}
    return "display_data", content


def update(data: dict[str, Any], display_id: str) -> Msg:
    return "update_display_data", {
        "data": data,
        "metadata": {"m": 1},
        "transient": {"display_id": display_id},
    }


def clear(wait: bool = False) -> Msg:
    return "clear_output", {"wait": wait}


def feed(messages: list[Msg], budget: int = DEFAULT_BUDGET) -> list[dict[str, Any]]:
    log = OutputLog(budget)
    for msg_type, content in messages:
        log.add_message(msg_type, content)
    return log.to_list()


def so(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def se(text: str) -> dict[str, Any]:
    return {"output_type": "stream", "name": "stderr", "text": text}


def dd(data: dict[str, Any], display_id: str | None = None, metadata: Any = None) -> dict:
    out: dict[str, Any] = {"output_type": "display_data", "data": data, "metadata": metadata or {}}
    if display_id:
        out["transient"] = {"display_id": display_id}
    return out


TEXT = {"text/plain": "1"}
TEXT2 = {"text/plain": "2"}

# (id, messages, expected outputs)
CASES: list[tuple[str, list[Msg], list[dict[str, Any]]]] = [
    ("empty", [], []),
    ("one_stream", [stream("a\n")], [so("a\n")]),
    ("streams_merge", [stream("a\n"), stream("b\n"), stream("c")], [so("a\nb\nc")]),
    (
        "different_streams_do_not_merge",
        [stream("a"), stream("b", "stderr"), stream("c")],
        [so("a"), se("b"), so("c")],
    ),
    ("stderr_merges_with_stderr", [stream("a", "stderr"), stream("b", "stderr")], [se("ab")]),
    (
        "display_breaks_merge",
        [stream("a"), display(TEXT), stream("b")],
        [so("a"), dd(TEXT), so("b")],
    ),
    ("display_kept_with_display_id", [display(TEXT, "d1")], [dd(TEXT, "d1")]),
    (
        "update_by_display_id",
        [display(TEXT, "d1"), stream("s"), display(TEXT, "d2"), update(TEXT2, "d1")],
        [dd(TEXT2, "d1", {"m": 1}), so("s"), dd(TEXT, "d2")],
    ),
    (
        "update_every_output_with_that_id",
        [display(TEXT, "d1"), display(TEXT, "d1"), update(TEXT2, "d1")],
        [dd(TEXT2, "d1", {"m": 1}), dd(TEXT2, "d1", {"m": 1})],
    ),
    ("update_unknown_id_is_ignored", [display(TEXT, "d1"), update(TEXT2, "zz")], [dd(TEXT, "d1")]),
    ("clear_now", [stream("a"), display(TEXT), clear(), stream("b")], [so("b")]),
    ("clear_now_at_end", [stream("a"), clear()], []),
    ("clear_wait_keeps_until_next_output", [stream("a"), clear(wait=True)], [so("a")]),
    ("clear_wait_then_output", [stream("a"), clear(wait=True), stream("b")], [so("b")]),
    ("clear_wait_once", [stream("a"), clear(wait=True), stream("b"), stream("c")], [so("bc")]),
    ("clear_wait_then_clear_now", [stream("a"), clear(wait=True), clear(), stream("b")], [so("b")]),
    ("clear_wait_then_display", [stream("a"), clear(wait=True), display(TEXT)], [dd(TEXT)]),
    (
        "non_output_messages_ignored",
        [("status", {"execution_state": "busy"}), ("execute_input", {"code": "1"}), stream("a")],
        [so("a")],
    ),
    (
        "execute_result",
        [("execute_result", {"execution_count": 3, "data": TEXT, "metadata": {}})],
        [{"output_type": "execute_result", "execution_count": 3, "data": TEXT, "metadata": {}}],
    ),
    (
        "error",
        [("error", {"ename": "ValueError", "evalue": "bad", "traceback": ["l1", "l2"]})],
        [
            {
                "output_type": "error",
                "ename": "ValueError",
                "evalue": "bad",
                "traceback": ["l1", "l2"],
            }
        ],
    ),
]


@pytest.mark.parametrize(("messages", "expected"), [pytest.param(m, e, id=i) for i, m, e in CASES])
def test_output_log(messages: list[Msg], expected: list[dict[str, Any]]) -> None:
    assert feed(messages) == expected


@pytest.mark.parametrize(
    ("msg_type", "content", "expected"),
    [
        ("stream", {"name": "stdout", "text": "t"}, so("t")),
        ("display_data", {"data": TEXT, "metadata": {"a": 1}}, dd(TEXT, metadata={"a": 1})),
        ("display_data", {}, dd({})),
        ("display_data", {"data": TEXT, "transient": {"display_id": ""}}, dd(TEXT)),
        (
            "execute_result",
            {"data": TEXT},
            {
                "output_type": "execute_result",
                "execution_count": None,
                "data": TEXT,
                "metadata": {},
            },
        ),
        ("error", {}, {"output_type": "error", "ename": "", "evalue": "", "traceback": []}),
        (
            "error",
            {"ename": "E", "evalue": "v", "traceback": ("a",)},
            {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["a"]},
        ),
        ("status", {"execution_state": "idle"}, None),
        ("clear_output", {"wait": False}, None),
        ("update_display_data", {"data": TEXT}, None),
    ],
)
def test_output_from_message(msg_type: str, content: dict[str, Any], expected: object) -> None:
    assert output_from_message(msg_type, content) == expected


def test_error_traceback_is_a_list_copy() -> None:
    tb = ["a"]
    out = output_from_message("error", {"ename": "E", "evalue": "", "traceback": tb})
    assert out is not None
    tb.append("b")
    assert out["traceback"] == ["a"]


# -- budget -------------------------------------------------------------------------------

NOTE_RE = re.compile(
    r"^\[output truncated: (\d+) more output\(s\), (\d+) bytes, were not kept; "
    r"the limit is (\d+) bytes per cell\]\n$"
)


@pytest.mark.parametrize(
    ("messages", "budget", "kept", "dropped", "dropped_bytes"),
    [
        ([stream("x" * 10)] * 3, 30, [so("x" * 30)], 0, 0),
        ([stream("x" * 10)] * 5, 30, [so("x" * 30)], 2, 20),
        ([stream("x" * 10), display(TEXT), stream("y" * 5)], 10, [so("x" * 10)], 2, 1 + 5),
        # Text payloads count their length, other values (JSON) a flat 64.
        ([display({"text/plain": "abc", "application/json": {"k": 1}})], 66, [], 1, 3 + 64),
        # Once anything is dropped, everything after is dropped too (even if small),
        # so the log never has holes in it.
        ([stream("x" * 8), stream("y" * 5), stream("z")], 10, [so("x" * 8)], 2, 6),
        ([stream("x" * 11)], 10, [], 1, 11),
        (
            [("error", {"ename": "E", "evalue": "abc", "traceback": ["1234", "5678"]})] * 2,
            11,
            [
                {
                    "output_type": "error",
                    "ename": "E",
                    "evalue": "abc",
                    "traceback": ["1234", "5678"],
                }
            ],
            1,
            11,
        ),
    ],
    ids=[
        "exactly-at-budget",
        "streams-over",
        "display-by-data",
        "json-counts-64",
        "no-holes",
        "first-too-big",
        "error-size",
    ],
)
def test_budget_truncation_note(
    messages: list[Msg],
    budget: int,
    kept: list[dict[str, Any]],
    dropped: int,
    dropped_bytes: int,
) -> None:
    outputs = feed(messages, budget)
    if not dropped:
        assert outputs == kept
        return
    assert outputs[:-1] == kept
    note = outputs[-1]
    assert note["output_type"] == "stream" and note["name"] == "stderr"
    match = NOTE_RE.match(note["text"])
    assert match is not None, note["text"]
    assert (int(match[1]), int(match[2]), int(match[3])) == (dropped, dropped_bytes, budget)


def test_budget_note_not_merged_and_log_not_grown() -> None:
    log = OutputLog(budget=100)
    for _ in range(10_000):
        log.add_message(*stream("x" * 10, "stderr"))
    outputs = log.to_list()
    assert len(outputs) == 2
    assert outputs[0] == se("x" * 100)
    assert "9990 more output(s)" in outputs[1]["text"]
    assert len(log) == 1
    # to_list does not add the note to the log itself.
    assert len(log.to_list()) == 2


def test_clear_resets_budget() -> None:
    log = OutputLog(budget=10)
    log.add_message(*stream("x" * 20))
    assert "1 more output(s)" in log.to_list()[-1]["text"]
    log.add_message(*clear())
    assert log.to_list() == []
    log.add_message(*stream("y" * 10))
    assert log.to_list() == [so("y" * 10)]
    log.add_message(*stream("z"))
    log.add_message(*clear(wait=True))
    log.add_message(*stream("w"))
    assert log.to_list() == [so("w")]
    log.clear()
    assert log.to_list() == [] and len(log) == 0


def test_to_list_is_a_copy() -> None:
    log = OutputLog()
    log.add_message(*stream("a"))
    outputs = log.to_list()
    outputs.append(so("b"))
    assert log.to_list() == [so("a")]


def test_update_without_display_id_touches_nothing() -> None:
    outputs = feed([stream("a"), display(TEXT), ("update_display_data", {"data": TEXT2})])
    assert outputs == [so("a"), dd(TEXT)]
