"""Tests for :mod:`reactive_kernel.core.protocol`: request parsing and event shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reactive_kernel.core import protocol
from reactive_kernel.core.cells import Cell, CellError, Status
from reactive_kernel.core.notebook import OpError
from reactive_kernel.core.protocol import (
    Create,
    Delete,
    Move,
    Register,
    Run,
    SetDatabase,
    Snapshot,
    parse_request,
    request_id,
)

MAX = 100  # a small max_code for the size check

# (id, data, expected error code)
BAD: list[tuple[str, object, str]] = [
    ("list", [{"op": "run"}], "bad_request"),
    ("str", '{"op": "run"}', "bad_request"),
    ("none", None, "bad_request"),
    ("int", 5, "bad_request"),
    ("missing_op", {"req": "1", "cell_id": "a"}, "bad_request"),
    ("null_op", {"op": None}, "bad_request"),
    ("op_not_a_string", {"op": 3}, "bad_request"),
    ("op_list", {"op": ["run"]}, "bad_request"),
    ("unknown_op", {"op": "explode"}, "unknown_op"),
    ("unknown_op_case", {"op": "RUN", "cell_id": "a"}, "unknown_op"),
    ("req_dict", {"op": "snapshot", "req": {"id": 1}}, "bad_request"),
    ("req_list", {"op": "snapshot", "req": [1]}, "bad_request"),
    ("req_dict_unknown_op", {"op": "explode", "req": {}}, "bad_request"),
    ("create_code_int", {"op": "create", "code": 1}, "bad_request"),
    ("create_code_null", {"op": "create", "code": None}, "bad_request"),
    ("create_cell_id_int", {"op": "create", "cell_id": 7}, "bad_request"),
    ("create_after_int", {"op": "create", "after": 0}, "bad_request"),
    ("create_cell_type_list", {"op": "create", "cell_type": ["python"]}, "bad_request"),
    ("create_code_too_long", {"op": "create", "code": "x" * (MAX + 1)}, "bad_request"),
    ("register_missing_cell_id", {"op": "register", "code": "x = 1"}, "bad_request"),
    ("register_cell_id_null", {"op": "register", "cell_id": None, "code": ""}, "bad_request"),
    ("register_missing_code", {"op": "register", "cell_id": "a"}, "bad_request"),
    ("register_code_bytes", {"op": "register", "cell_id": "a", "code": b"x"}, "bad_request"),
    (
        "register_run_str",
        {"op": "register", "cell_id": "a", "code": "", "run": "yes"},
        "bad_request",
    ),
    ("register_run_int", {"op": "register", "cell_id": "a", "code": "", "run": 1}, "bad_request"),
    (
        "register_run_null",
        {"op": "register", "cell_id": "a", "code": "", "run": None},
        "bad_request",
    ),
    ("register_name_int", {"op": "register", "cell_id": "a", "code": "", "name": 1}, "bad_request"),
    (
        "register_code_too_long",
        {"op": "register", "cell_id": "a", "code": "x" * (MAX + 1)},
        "bad_request",
    ),
    ("run_missing_cell_id", {"op": "run"}, "bad_request"),
    ("run_cell_id_int", {"op": "run", "cell_id": 1}, "bad_request"),
    ("delete_missing_cell_id", {"op": "delete"}, "bad_request"),
    ("move_missing_after", {"op": "move", "cell_id": "a"}, "bad_request"),
    ("move_missing_cell_id", {"op": "move", "after": None}, "bad_request"),
    ("move_after_int", {"op": "move", "cell_id": "a", "after": 2}, "bad_request"),
    ("set_database_missing_url", {"op": "set_database"}, "bad_request"),
    ("set_database_url_null", {"op": "set_database", "url": None}, "bad_request"),
]


@pytest.mark.parametrize(("data", "code"), [pytest.param(d, c, id=i) for i, d, c in BAD])
def test_bad_requests(data: object, code: str) -> None:
    with pytest.raises(OpError) as info:
        parse_request(data, max_code=MAX)
    err = info.value
    assert err.code == code
    # One clear sentence.
    assert err.message.endswith(".")
    assert "\n" not in err.message


def test_bad_request_messages_name_the_problem() -> None:
    cases: list[tuple[object, str]] = [
        ([], "list"),
        ({"op": 3}, "int"),
        ({"op": "register", "code": ""}, "'cell_id'"),
        ({"op": "register", "cell_id": "a", "code": "", "run": "yes"}, "'run'"),
        ({"op": "create", "code": "x" * (MAX + 1)}, f"{MAX + 1}"),
        ({"op": "explode"}, "'explode'"),
        ({"op": "move", "cell_id": "a"}, "'after'"),
    ]
    for data, needle in cases:
        with pytest.raises(OpError) as info:
            parse_request(data, max_code=MAX)
        assert needle in info.value.message, (data, info.value.message)


# (id, data, expected request)
GOOD: list[tuple[str, dict[str, Any], object]] = [
    ("create_defaults", {"op": "create"}, Create(None, "python", None, None, "", None)),
    (
        "create_full",
        {
            "op": "create",
            "req": "r1",
            "cell_type": "sql",
            "after": "^",
            "cell_id": "c1",
            "code": "SELECT 1",
            "name": "df",
        },
        Create("r1", "sql", "^", "c1", "SELECT 1", "df"),
    ),
    (
        "create_nulls",
        {"op": "create", "req": 3, "cell_type": None, "after": None, "cell_id": None, "name": None},
        Create(3, "python", None, None, "", None),
    ),
    (
        "create_code_at_limit",
        {"op": "create", "code": "x" * MAX},
        Create(None, "python", None, None, "x" * MAX, None),
    ),
    (
        "create_unknown_cell_type_passes_through",
        {"op": "create", "cell_type": "r"},
        Create(None, "r", None, None, "", None),
    ),
    (
        "register",
        {"op": "register", "req": "r", "cell_id": "a", "code": "x = 1"},
        Register("r", "a", "x = 1", False, None),
    ),
    (
        "register_run",
        {"op": "register", "req": 1.5, "cell_id": "a", "code": "", "run": True, "name": "t"},
        Register(1.5, "a", "", True, "t"),
    ),
    (
        "register_run_false",
        {"op": "register", "cell_id": "a", "code": "", "run": False},
        Register(None, "a", "", False, None),
    ),
    ("run", {"op": "run", "req": "q", "cell_id": "a"}, Run("q", "a")),
    ("delete", {"op": "delete", "cell_id": "a"}, Delete(None, "a")),
    ("move_to_end", {"op": "move", "cell_id": "a", "after": None}, Move(None, "a", None)),
    ("move_to_top", {"op": "move", "cell_id": "a", "after": "^"}, Move(None, "a", "^")),
    ("move_after", {"op": "move", "cell_id": "a", "after": "b"}, Move(None, "a", "b")),
    ("set_database", {"op": "set_database", "url": "sqlite://"}, SetDatabase(None, "sqlite://")),
    ("snapshot", {"op": "snapshot", "req": "s"}, Snapshot("s")),
    ("extra_args_ignored", {"op": "run", "cell_id": "a", "extra": [1]}, Run(None, "a")),
]


@pytest.mark.parametrize(("data", "expected"), [pytest.param(d, e, id=i) for i, d, e in GOOD])
def test_good_requests(data: dict[str, Any], expected: object) -> None:
    assert parse_request(data, max_code=MAX) == expected
    # What comes over the wire is JSON: parsing a JSON round trip gives the same.
    assert parse_request(json.loads(json.dumps(data)), max_code=MAX) == expected


def test_default_max_code() -> None:
    big = "x" * protocol.DEFAULT_MAX_CODE
    assert parse_request({"op": "register", "cell_id": "a", "code": big}).code == big
    with pytest.raises(OpError):
        parse_request({"op": "register", "cell_id": "a", "code": big + "x"})


@pytest.mark.parametrize(
    ("data", "req"),
    [
        ({"op": "run", "req": "abc"}, "abc"),
        ({"op": "run", "req": 7}, 7),
        ({"op": "run", "req": 2.5}, 2.5),
        ({"op": "explode", "req": "r9"}, "r9"),
        ({"req": "no-op"}, "no-op"),
        ({"op": "run"}, None),
        ({"op": "run", "req": {"a": 1}}, None),
        ({"op": "run", "req": [1]}, None),
        ([{"req": "x"}], None),
        ("req", None),
        (None, None),
    ],
)
def test_request_id_best_effort(data: object, req: object) -> None:
    assert request_id(data) == req


# -- events -----------------------------------------------------------------------------


def make_cell(**kwargs: Any) -> Cell:
    return Cell(id="c1", code="x = 1", **kwargs)


def test_cascade_started() -> None:
    ev = protocol.cascade_started("k1", "run", "c1", ["c1", "c2"])
    assert ev == {
        "event": "cascade_started",
        "cascade_id": "k1",
        "trigger": {"op": "run", "cell_id": "c1"},
        "plan": ["c1", "c2"],
    }
    assert protocol.cascade_started("k2", "scratch", None, [])["trigger"] == {
        "op": "scratch",
        "cell_id": None,
    }


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        (make_cell(status=Status.SUCCESS, execution_count=4), None),
        (make_cell(status=Status.QUEUED), None),
        (
            make_cell(
                status=Status.ERROR,
                execution_count=5,
                error=CellError("ValueError", "bad", ("tb1", "tb2")),
            ),
            {"ename": "ValueError", "evalue": "bad", "traceback": ["tb1", "tb2"]},
        ),
    ],
    ids=["success", "queued", "error"],
)
def test_cell_status(cell: Cell, error: dict[str, Any] | None) -> None:
    ev = protocol.cell_status(cell, "k1", 2, 9)
    assert ev == {
        "event": "cell_status",
        "cell_id": "c1",
        "status": cell.status.value,
        "execution_count": cell.execution_count,
        "error": error,
        "cascade_id": "k1",
        "index": 2,
        "total": 9,
    }
    assert isinstance(ev["status"], str) and type(ev["status"]) is str
    json.dumps(ev)


def test_cascade_finished() -> None:
    ev = protocol.cascade_finished(
        "k1", ran=3, succeeded=2, failed=1, skipped=4, duration_ms=12.34567
    )
    assert ev == {
        "event": "cascade_finished",
        "cascade_id": "k1",
        "ran": 3,
        "succeeded": 2,
        "failed": 1,
        "skipped": 4,
        "duration_ms": 12.346,
    }


def test_error_reply_and_reply() -> None:
    assert protocol.error_reply("r1", "unknown_cell", "There is no cell.") == {
        "event": "reply",
        "req": "r1",
        "ok": False,
        "error": {"code": "unknown_cell", "message": "There is no cell."},
    }
    assert protocol.reply(None, snapshot={"cells": []}) == {
        "event": "reply",
        "req": None,
        "ok": True,
        "snapshot": {"cells": []},
    }


def test_error_reply_from_parse_failure() -> None:
    data = {"op": "explode", "req": "r5"}
    with pytest.raises(OpError) as info:
        parse_request(data)
    ev = protocol.error_reply(request_id(data), info.value.code, info.value.message)
    assert ev["req"] == "r5" and ev["ok"] is False
    assert ev["error"]["code"] == "unknown_op"


def test_cell_events() -> None:
    cell = make_cell()
    statuses = [protocol.status_entry(cell)]
    assert statuses == [{"cell_id": "c1", "status": "idle", "execution_count": None, "error": None}]
    created = protocol.cell_created(cell.to_dict(), 3, statuses)
    assert created["event"] == "cell_created" and created["index"] == 3
    assert created["cell"] == cell.to_dict() and created["statuses"] == statuses
    updated = protocol.cell_updated(cell.to_dict(), [])
    assert (updated["event"], updated["cell"]["id"], updated["statuses"]) == (
        "cell_updated",
        "c1",
        [],
    )
    assert protocol.cell_deleted("c1", [], {"c2": ["c0"]}) == {
        "event": "cell_deleted",
        "cell_id": "c1",
        "statuses": [],
        "parents": {"c2": ["c0"]},
    }
    assert protocol.cell_moved("c1", 0) == {"event": "cell_moved", "cell_id": "c1", "index": 0}
    json.dumps([created, updated])


def test_constants() -> None:
    assert protocol.COMM_ID == "reactive"
    assert protocol.TARGET_NAME == "reactive"
    assert protocol.PROTOCOL_VERSION == 2


# -- status events: the batched form and the per-cell form ------------------


def test_configure_status_events_is_validated() -> None:
    from reactive_kernel.core.protocol import Configure, parse_request

    request = parse_request({"op": "configure", "status_events": "per_cell"})
    assert isinstance(request, Configure) and request.status_events == "per_cell"
    assert parse_request({"op": "configure"}).status_events is None  # type: ignore[union-attr]
    with pytest.raises(OpError) as err:
        parse_request({"op": "configure", "status_events": "some"})
    assert err.value.code == "bad_request" and "status_events" in err.value.message


def test_cell_statuses_expands_to_the_per_cell_events() -> None:
    from reactive_kernel.core.protocol import (
        cell_status_event,
        cell_statuses,
        per_cell_statuses,
    )

    changes = [
        ("a", "running", None, None, 0, False),
        ("a", "success", 3, None, 0, True),
        ("b", "error", 4, {"ename": "E", "evalue": "v", "traceback": []}, 1, False),
    ]
    batched = cell_statuses(changes, "k1", 2)
    assert batched["event"] == "cell_statuses" and len(batched["statuses"]) == 3
    assert per_cell_statuses(batched) == [cell_status_event(c, "k1", 2) for c in changes]
    single = cell_status_event(changes[1], "k1", 2)
    assert per_cell_statuses(single) == [single]
    assert single["cached"] is True and "cached" not in cell_status_event(changes[0], "k1", 2)
    assert per_cell_statuses({"event": "reply"}) == []
