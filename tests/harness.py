"""A real reactive kernel driven through jupyter_client, with bounded waits.

Every wait has a timeout; nothing sleeps. :class:`KernelHarness` sends comm
requests and execute requests and collects the IOPub messages each one caused
(its own header, and the ``<msg_id>:<cellId>`` headers of cascaded cells).
"""

from __future__ import annotations

import itertools
import queue
import time
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from reactive_kernel.core.protocol import per_cell_statuses

TIMEOUT = 30.0
_req = itertools.count()


@dataclass
class Result:
    """What one request caused."""

    msg_id: str
    iopub: list[dict[str, Any]] = field(default_factory=list)
    reply: dict[str, Any] | None = None  # comm reply event, or execute_reply content

    @property
    def events(self) -> list[dict[str, Any]]:
        return [m["content"]["data"] for m in self.iopub if m["msg_type"] == "comm_msg"]

    def of(self, kind: str) -> list[dict[str, Any]]:
        if kind == "cell_status":  # either form, one entry per status change
            return [s for e in self.events for s in per_cell_statuses(e)]
        return [e for e in self.events if e.get("event") == kind]

    def statuses(self, cell_id: str) -> list[str]:
        return [e["status"] for e in self.of("cell_status") if e["cell_id"] == cell_id]

    def outputs(self, cell_id: str | None = None) -> list[dict[str, Any]]:
        kinds = {"stream", "execute_result", "display_data", "error"}
        return [
            m
            for m in self.iopub
            if m["msg_type"] in kinds
            and (cell_id is None or m["parent_header"].get("cellId") == cell_id)
        ]

    def text(self, cell_id: str | None = None) -> str:
        """Stream text and text/plain results, in order."""
        parts = []
        for m in self.outputs(cell_id):
            c = m["content"]
            if m["msg_type"] == "stream":
                parts.append(c["text"])
            elif m["msg_type"] in ("execute_result", "display_data"):
                parts.append(c["data"].get("text/plain", "") + "\n")
            elif m["msg_type"] == "error":
                parts.append(f"{c['ename']}: {c['evalue']}\n")
        return "".join(parts)


def belongs(msg: dict[str, Any], msg_id: str) -> bool:
    parent = msg.get("parent_header", {}).get("msg_id", "")
    return parent == msg_id or parent.startswith(msg_id + ":")


class KernelHarness:
    """One client of a kernel: request helpers that return what they caused."""

    def __init__(self, client: BlockingKernelClient) -> None:
        self.client = client
        self.backlog: list[dict[str, Any]] = []

    def _iopub(self, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no IOPub message before the deadline")
        try:
            return self.client.get_iopub_msg(timeout=remaining)
        except queue.Empty:
            raise TimeoutError("no IOPub message before the deadline") from None

    def collect(self, msg_id: str, timeout: float = TIMEOUT) -> Result:
        """IOPub messages of request ``msg_id`` until its status goes idle."""
        result = Result(msg_id)
        deadline = time.monotonic() + timeout
        pending, self.backlog = self.backlog, []
        while True:
            msg = pending.pop(0) if pending else self._iopub(deadline)
            if not belongs(msg, msg_id):
                self.backlog.append(msg)
                continue
            result.iopub.append(msg)
            if (
                msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"
                and msg["parent_header"].get("msg_id") == msg_id
            ):
                self.backlog.extend(pending)
                return result

    def send_comm(self, data: Any) -> str:
        msg = self.client.session.msg("comm_msg", {"comm_id": "reactive", "data": data})
        self.client.shell_channel.send(msg)
        return str(msg["header"]["msg_id"])

    def comm(self, op: str, timeout: float = TIMEOUT, **args: Any) -> Result:
        """Send one comm request; its result's ``reply`` is the reply event."""
        req = f"r{next(_req)}"
        result = self.collect(self.send_comm({"op": op, "req": req, **args}), timeout)
        replies = [e for e in result.of("reply") if e.get("req") == req]
        assert len(replies) == 1, f"expected one reply to {op}, got {replies}"
        result.reply = replies[0]
        return result

    def raw(self, data: Any, timeout: float = TIMEOUT) -> Result:
        """Send arbitrary comm data; returns what it caused (reply unchecked)."""
        result = self.collect(self.send_comm(data), timeout)
        replies = result.of("reply")
        result.reply = replies[0] if len(replies) == 1 else None
        return result

    def execute(
        self,
        code: str,
        cell_id: str | None = None,
        deleted: list[str] | None = None,
        timeout: float = TIMEOUT,
        **content: Any,
    ) -> Result:
        metadata: dict[str, Any] = {}
        if cell_id is not None:
            metadata["cellId"] = cell_id
        if deleted is not None:
            metadata["deletedCells"] = deleted
        msg = self.client.session.msg(
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
                **content,
            },
            metadata=metadata,
        )
        self.client.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        result = self.collect(msg_id, timeout)
        result.reply = self.shell_reply(msg_id, timeout)["content"]
        return result

    def shell_reply(self, msg_id: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The shell reply to ``msg_id`` (other replies are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no shell reply to {msg_id}")
            try:
                reply = self.client.get_shell_msg(timeout=remaining)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return dict(reply)

    def create(self, cell_id: str, code: str, **args: Any) -> Result:
        result = self.comm("create", cell_id=cell_id, code=code, **args)
        assert result.reply and result.reply["ok"], result.reply
        return result

    def snapshot(self) -> dict[str, Any]:
        result = self.comm("snapshot")
        assert result.reply is not None
        return dict(result.reply["snapshot"])

    def cells(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.snapshot()["cells"]}

    def value(self, expr: str) -> Any:
        """``repr`` of an expression in the kernel, via user_expressions (no cascade)."""
        msg_id = self.client.execute("", silent=True, user_expressions={"v": expr})
        reply = self.shell_reply(msg_id)
        self.collect(msg_id)
        v = reply["content"]["user_expressions"]["v"]
        if v["status"] != "ok":
            return v["ename"]
        return v["data"]["text/plain"]


def start_kernel(
    kernel_name: str = "reactive", **kw: Any
) -> tuple[KernelManager, BlockingKernelClient]:
    for attempt in range(3):
        km = KernelManager(kernel_name=kernel_name)
        km.start_kernel(**kw)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
        except RuntimeError:
            # jupyter_client picks free TCP ports before the kernel binds them;
            # a kernel starting at the same moment elsewhere can take one. Only
            # a kernel that died at start is retried, with new ports.
            kc.stop_channels()
            died = not km.is_alive()
            km.shutdown_kernel(now=True)
            if attempt == 2 or not died:
                raise
            continue
        return km, kc
    raise AssertionError("unreachable")


def connect_client(km: KernelManager) -> BlockingKernelClient:
    """Another client of a running kernel, with a Session of its own (a shared
    Session would reject the second copy of each message as a replay)."""
    client = BlockingKernelClient()
    client.load_connection_info(km.get_connection_info(session=False))
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return client


def stop_kernel(km: KernelManager, kc: BlockingKernelClient) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
