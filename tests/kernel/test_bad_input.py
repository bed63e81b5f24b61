"""Bad input gets exactly one clear error reply and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from harness import KernelHarness

BIG = "x = 1\n" * 200_000  # 1.2 MB of code, over the 1 MiB limit

# (id, request data, expected error code, a word the message must contain)
BAD: list[tuple[str, Any, str, str]] = [
    ("not-a-dict-list", [1, 2], "bad_request", "object"),
    ("not-a-dict-str", "run", "bad_request", "object"),
    ("not-a-dict-null", None, "bad_request", "object"),
    ("not-a-dict-number", 42, "bad_request", "object"),
    ("missing-op", {"req": "x"}, "bad_request", "op"),
    ("op-not-string", {"op": 3, "req": "x"}, "bad_request", "op"),
    ("unknown-op", {"op": "explode", "req": "x"}, "unknown_op", "explode"),
    ("req-is-a-dict", {"op": "snapshot", "req": {"a": 1}}, "bad_request", "req"),
    ("create-code-not-string", {"op": "create", "code": 5}, "bad_request", "code"),
    ("create-bad-type", {"op": "create", "cell_type": "ruby", "code": ""}, "bad_cell_type", "ruby"),
    ("create-duplicate", {"op": "create", "cell_id": "keep", "code": ""}, "duplicate_id", "keep"),
    ("create-bad-id-chars", {"op": "create", "cell_id": "a b/c", "code": ""}, "bad_request", "id"),
    ("create-id-too-long", {"op": "create", "cell_id": "x" * 65, "code": ""}, "bad_request", "id"),
    ("create-id-newline", {"op": "create", "cell_id": "x\n", "code": ""}, "bad_request", "id"),
    ("create-empty-id", {"op": "create", "cell_id": "", "code": ""}, "bad_request", "id"),
    ("create-after-unknown", {"op": "create", "after": "nope", "code": ""}, "bad_position", "nope"),
    ("create-huge-code", {"op": "create", "code": BIG}, "bad_request", "limit"),
    ("register-missing-id", {"op": "register", "code": "x = 1"}, "bad_request", "cell_id"),
    ("register-missing-code", {"op": "register", "cell_id": "keep"}, "bad_request", "code"),
    (
        "register-unknown-cell",
        {"op": "register", "cell_id": "ghost", "code": ""},
        "unknown_cell",
        "ghost",
    ),
    (
        "register-run-not-bool",
        {"op": "register", "cell_id": "keep", "code": "", "run": "yes"},
        "bad_request",
        "run",
    ),
    (
        "register-huge-code",
        {"op": "register", "cell_id": "keep", "code": BIG},
        "bad_request",
        "limit",
    ),
    ("run-unknown", {"op": "run", "cell_id": "ghost"}, "unknown_cell", "ghost"),
    ("run-id-not-string", {"op": "run", "cell_id": ["keep"]}, "bad_request", "cell_id"),
    ("delete-unknown", {"op": "delete", "cell_id": "ghost"}, "unknown_cell", "ghost"),
    ("move-unknown", {"op": "move", "cell_id": "ghost", "after": None}, "unknown_cell", "ghost"),
    ("move-missing-after", {"op": "move", "cell_id": "keep"}, "bad_request", "after"),
    (
        "move-after-itself",
        {"op": "move", "cell_id": "keep", "after": "keep"},
        "bad_position",
        "itself",
    ),
    (
        "move-after-unknown",
        {"op": "move", "cell_id": "keep", "after": "ghost"},
        "bad_position",
        "ghost",
    ),
    (
        "set-database-bad-url",
        {"op": "set_database", "url": "nonsense://x"},
        "bad_database",
        "database",
    ),
    (
        "set-database-unreachable",
        {"op": "set_database", "url": "postgresql+psycopg://u:hunter2@127.0.0.1:1/x"},
        "bad_database",
        "database",
    ),
    ("set-database-not-string", {"op": "set_database", "url": 5}, "bad_request", "url"),
]


@pytest.fixture(scope="module")
def prepared(shared_kernel: KernelHarness) -> KernelHarness:
    shared_kernel.create("keep", "kept = 1")
    shared_kernel.comm("run", cell_id="keep")
    return shared_kernel


@pytest.mark.parametrize(("data", "code", "word"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_request_gets_one_error_reply_and_changes_nothing(
    prepared: KernelHarness, data: Any, code: str, word: str
) -> None:
    before = prepared.snapshot()
    if isinstance(data, dict) and "req" not in data:
        data = {**data, "req": "bad-1"}
    r = prepared.raw(data, timeout=60)
    replies = r.of("reply")
    assert len(replies) == 1, replies
    reply = replies[0]
    assert reply["ok"] is False
    assert reply["error"]["code"] == code
    message = reply["error"]["message"]
    assert word.lower() in message.lower() and message.endswith(".") and "\n" not in message
    if isinstance(data, dict) and isinstance(data.get("req"), str):
        assert reply["req"] == data["req"]
    assert [e["event"] for e in r.events] == ["reply"]  # nothing else happened
    assert "hunter2" not in str(r.iopub)  # a password never leaves the kernel
    assert prepared.snapshot() == before


def test_comm_msg_without_data_or_content_is_answered(prepared: KernelHarness) -> None:
    msg = prepared.client.session.msg("comm_msg", {"comm_id": "reactive"})
    prepared.client.shell_channel.send(msg)
    r = prepared.collect(msg["header"]["msg_id"])
    assert [e["error"]["code"] for e in r.of("reply")] == ["bad_request"]


def test_comm_close_of_reactive_is_ignored(prepared: KernelHarness) -> None:
    msg = prepared.client.session.msg("comm_close", {"comm_id": "reactive", "data": {}})
    prepared.client.shell_channel.send(msg)
    prepared.collect(msg["header"]["msg_id"])
    assert prepared.comm("snapshot").reply["ok"]  # type: ignore[index]
    msg_id = prepared.client.comm_info(target_name="reactive")
    reply = prepared.shell_reply(msg_id)
    prepared.collect(msg_id)
    assert "reactive" in reply["content"]["comms"]


def test_other_comms_still_work(prepared: KernelHarness) -> None:
    """Messages for comms other than ``reactive`` go to the normal comm manager."""
    r = prepared.execute(
        "from comm import create_comm\n"
        "got = []\n"
        "def target(comm, msg):\n"
        "    comm.on_msg(lambda m: got.append(m['content']['data']))\n"
        "get_ipython().kernel.comm_manager.register_target('echo', target)"
    )
    assert r.reply and r.reply["status"] == "ok"
    session = prepared.client.session
    prepared.client.shell_channel.send(
        session.msg("comm_open", {"comm_id": "c1", "target_name": "echo", "data": {}})
    )
    msg = session.msg("comm_msg", {"comm_id": "c1", "data": {"hello": 1}})
    prepared.client.shell_channel.send(msg)
    prepared.collect(msg["header"]["msg_id"])
    assert prepared.value("got") == "[{'hello': 1}]"


def test_malformed_execute_metadata_is_tolerated(prepared: KernelHarness) -> None:
    r = prepared.execute("ok_meta = 1", cell_id="meta-cell", deleted="not-a-list")  # type: ignore[arg-type]
    assert r.reply and r.reply["status"] == "ok"
    r = prepared.execute("print('scratch')", cell_id="bad id with spaces")
    assert r.reply and r.reply["status"] == "ok" and r.text() == "scratch\n"
    assert "bad id with spaces" not in prepared.cells()


MEGA = "y" * (1 << 20)

# (id, request data, expected error code): each quotes a 1 MB client value
HUGE: list[tuple[str, dict[str, Any], str]] = [
    ("unknown-op", {"op": MEGA}, "unknown_op"),
    ("create-cell-type", {"op": "create", "cell_type": MEGA, "code": ""}, "bad_cell_type"),
    ("create-cell-id", {"op": "create", "cell_id": MEGA, "code": ""}, "bad_request"),
    ("create-after", {"op": "create", "after": MEGA, "code": ""}, "bad_position"),
    ("create-sql-name", {"op": "create", "cell_type": "sql", "name": "9" + MEGA}, "bad_request"),
    ("register-unknown", {"op": "register", "cell_id": MEGA, "code": ""}, "unknown_cell"),
    ("run-unknown", {"op": "run", "cell_id": MEGA}, "unknown_cell"),
    ("delete-unknown", {"op": "delete", "cell_id": MEGA}, "unknown_cell"),
    ("move-after", {"op": "move", "cell_id": "keep", "after": MEGA}, "bad_position"),
    ("set-database", {"op": "set_database", "url": "sqlite:///" + MEGA}, "bad_database"),
    ("set-database-bad", {"op": "set_database", "url": "nonsense://" + MEGA}, "bad_database"),
]


@pytest.mark.parametrize(("data", "code"), [h[1:] for h in HUGE], ids=[h[0] for h in HUGE])
def test_error_message_quotes_only_a_prefix_of_a_huge_value(
    prepared: KernelHarness, data: dict[str, Any], code: str
) -> None:
    before = prepared.snapshot()
    r = prepared.raw({**data, "req": "huge-1"}, timeout=60)
    (reply,) = r.of("reply")
    assert reply["ok"] is False and reply["error"]["code"] == code
    message = reply["error"]["message"]
    assert len(message) < 600, message[:200]
    if not data.get("url", "").startswith("nonsense"):  # that one is never echoed
        assert "characters)" in message, message  # says how long the value really was
    assert message.endswith(".") and "\n" not in message
    assert prepared.snapshot() == before
