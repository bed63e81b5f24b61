"""The last run's outputs of a cell, kept so a late-joining client sees them.

Outputs arrive as IOPub message contents; they are stored as nbformat output
dicts. Each cell's log has a byte budget: a cell printing in a loop must not
grow the kernel's memory (or a snapshot) without bound. Past the budget, the
log keeps what it has and ends with a note saying how much was left out.
"""

from __future__ import annotations

from typing import Any

OUTPUT_MSG_TYPES = frozenset(
    {"stream", "display_data", "execute_result", "error", "update_display_data", "clear_output"}
)
DEFAULT_BUDGET = 1 << 20
"""Bytes of output kept per cell (about 1 MiB of text)."""


def _size(output: dict[str, Any]) -> int:
    kind = output["output_type"]
    if kind == "stream":
        return len(output["text"])
    if kind == "error":
        return sum(len(line) for line in output["traceback"]) + len(output["evalue"])
    return sum(len(v) if isinstance(v, str) else 64 for v in output["data"].values())


def output_from_message(msg_type: str, content: dict[str, Any]) -> dict[str, Any] | None:
    """The nbformat output for an IOPub output message, or None if it is not one."""
    if msg_type == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if msg_type == "display_data":
        out = {
            "output_type": "display_data",
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
        }
        display_id = content.get("transient", {}).get("display_id")
        if display_id:
            out["transient"] = {"display_id": display_id}
        return out
    if msg_type == "execute_result":
        return {
            "output_type": "execute_result",
            "execution_count": content.get("execution_count"),
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
        }
    if msg_type == "error":
        return {
            "output_type": "error",
            "ename": content.get("ename", ""),
            "evalue": content.get("evalue", ""),
            "traceback": list(content.get("traceback", [])),
        }
    return None


class OutputLog:
    """A bounded list of nbformat outputs.

    Consecutive stream outputs of the same name are merged, as nbformat does,
    so a cell printing a line at a time stays one output.
    """

    __slots__ = (
        "_clear_pending",
        "_dropped_bytes",
        "_dropped_count",
        "_outputs",
        "_size",
        "budget",
    )

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._outputs: list[dict[str, Any]] = []
        self._size = 0
        self._dropped_count = 0
        self._dropped_bytes = 0
        self._clear_pending = False

    def __len__(self) -> int:
        return len(self._outputs)

    def clear(self) -> None:
        self._outputs = []
        self._size = 0
        self._dropped_count = 0
        self._dropped_bytes = 0
        self._clear_pending = False

    def add_message(self, msg_type: str, content: dict[str, Any]) -> None:
        """Record one IOPub output message addressed to this cell."""
        if msg_type == "clear_output":
            if content.get("wait"):
                self._clear_pending = True
            else:
                self.clear()
            return
        if msg_type == "update_display_data":
            self._update_display(content)
            return
        output = output_from_message(msg_type, content)
        if output is not None:
            self.add(output)

    def add(self, output: dict[str, Any]) -> None:
        if self._clear_pending:
            self.clear()
        size = _size(output)
        if self._dropped_count or self._size + size > self.budget:
            self._dropped_count += 1
            self._dropped_bytes += size
            return
        self._size += size
        last = self._outputs[-1] if self._outputs else None
        if (
            output["output_type"] == "stream"
            and last is not None
            and last["output_type"] == "stream"
            and last["name"] == output["name"]
        ):
            self._outputs[-1] = {**last, "text": last["text"] + output["text"]}
        else:
            self._outputs.append(output)

    def _update_display(self, content: dict[str, Any]) -> None:
        display_id = content.get("transient", {}).get("display_id")
        if not display_id:
            return
        for i, out in enumerate(self._outputs):
            if out.get("transient", {}).get("display_id") == display_id:
                self._outputs[i] = {
                    **out,
                    "data": content.get("data", {}),
                    "metadata": content.get("metadata", {}),
                }

    def to_list(self) -> list[dict[str, Any]]:
        """The outputs, with a truncation note at the end when some were dropped."""
        outputs = list(self._outputs)
        if self._dropped_count:
            outputs.append(
                {
                    "output_type": "stream",
                    "name": "stderr",
                    "text": (
                        f"[output truncated: {self._dropped_count} more output(s), "
                        f"{self._dropped_bytes} bytes, were not kept; "
                        f"the limit is {self.budget} bytes per cell]\n"
                    ),
                }
            )
        return outputs
