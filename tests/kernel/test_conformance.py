"""The ``jupyter_kernel_test`` conformance suite against the installed ``reactive`` kernel.

Every check that applies to a Python kernel is filled in, as in
jupyter_kernel_test's own ``test_ipykernel.py``. The suite's execute requests
carry no ``cellId``, so they run as scratch inputs (PROTOCOL.md section 4); the
kernel is found through the venv's Jupyter paths (``sys.prefix/share/jupyter``),
where ``python -m reactive_kernel.kernelspec install --sys-prefix`` put it.
"""

from __future__ import annotations

import hashlib
import time
from queue import Empty
from typing import Any

import jupyter_kernel_test as jkt
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_kernel_test.msgspec_v5 import msg_structure_validator, validate_message


def test_reactive_kernelspec_is_found() -> None:
    """A clear failure instead of a confusing one when the spec is not installed."""
    specs = KernelSpecManager().find_kernel_specs()
    assert "reactive" in specs, (
        "kernelspec 'reactive' not found; run "
        "`.venv/bin/python -m reactive_kernel.kernelspec install --sys-prefix`"
    )


class ReactiveKernelTests(jkt.KernelTests):
    kernel_name = "reactive"

    language_name = "python"
    file_extension = ".py"

    code_hello_world = "print('hello, world')"
    code_stderr = "import sys; print('test', file=sys.stderr)"

    completion_samples = [
        {"text": "zi", "matches": {"zip"}},
        {"text": "isinst", "matches": {"isinstance"}},
        {"text": "import collectio", "matches": {"collections"}},
    ]

    complete_code_samples = [
        "1",
        "print('hello, world')",
        "def f(x):\n  return x*2\n\n\n",
        "a = 1\nb = a + 1",
        "%reactive cells",
    ]
    incomplete_code_samples = [
        "print('''hello",
        "def f(x):\n  x*2",
        "for i in range(3):",
        "x = [1,\n 2,",
    ]
    invalid_code_samples = ["import = 7q", "x = )"]

    code_page_something = "print?"

    code_generate_error = "raise"

    code_execute_result = [
        {"code": "1+2+3", "result": "6"},
        {"code": "[n*n for n in range(1, 4)]", "result": "[1, 4, 9]"},
        {"code": "'reactive'.upper()", "result": "'REACTIVE'"},
        {"code": "x_conf = 20\nx_conf + 22", "result": "42"},
        {
            "code": "from IPython.display import HTML; HTML('<i>result</i>')",
            "mime": "text/html",
            "result": "<i>result</i>",
        },
    ]

    code_display_data = [
        {
            "code": "from IPython.display import HTML, display; display(HTML('<b>test</b>'))",
            "mime": "text/html",
        },
        {
            "code": "from IPython.display import Math, display; display(Math('\\\\frac{1}{2}'))",
            "mime": "text/latex",
        },
        {
            "code": "from IPython.display import Markdown, display; display(Markdown('**md**'))",
            "mime": "text/markdown",
        },
        {
            "code": "from IPython.display import JSON, display; display(JSON({'a': 1}))",
            "mime": "application/json",
        },
    ]

    # glob pattern matching one of code_execute_result's samples ("1+2+3")
    code_history_pattern = "1?2*"
    # As for ipykernel itself: "range" is left out because IPython reports the
    # current session as session 0 in a range reply, while a tail reply gives
    # its absolute number, which the suite's range check compares against (the
    # stock python3 kernel fails it the same way). test_reactive_history_range
    # checks ranges the way IPython serves them.
    supported_history_operations = ("tail", "search")

    code_inspect_sample = "zip"

    code_clear_output = "from IPython.display import clear_output; clear_output()"

    def test_reactive_history_range(self) -> None:
        """``hist_access_type="range"`` over the current session (session 0 in IPython)."""
        codes = [s["code"] for s in self.code_execute_result[:2]]
        tail = self.history_helper(codes, output=False, raw=True, hist_access_type="tail", n=2)
        lines = [h[1] for h in tail["content"]["history"]]
        self.assertEqual([h[2] for h in tail["content"]["history"]], codes)
        reply = self.history_helper(
            [],
            output=False,
            raw=True,
            hist_access_type="range",
            session=0,
            start=lines[0],
            stop=lines[1] + 1,
        )
        got = [tuple(h[1:]) for h in reply["content"]["history"]]
        self.assertEqual(got, list(zip(lines, codes, strict=True)))


def _cell_id(code: str) -> str:
    """One stable cell per code sample, as a notebook re-running the same cell."""
    return "jkt-" + hashlib.sha1(code.encode()).hexdigest()[:16]


class ReactiveKernelCellTests(ReactiveKernelTests):
    """The same suite through the JupyterLab path: every execute_request names a
    cell (``metadata.cellId``), so the code runs as ``run X`` (PROTOCOL.md section 4).

    The reactive comm's own events (``comm_msg`` on comm ``reactive``), published
    under the request's header, are protocol-conformant extra IOPub traffic; they
    are left out of the outputs the suite counts. Samples bind only private
    (``_``) names or none, because a name may have only one defining cell.
    """

    code_stderr = "import sys as _sys; print('test', file=_sys.stderr)"

    code_execute_result = [
        {"code": "1+2+3", "result": "6"},
        {"code": "[n*n for n in range(1, 4)]", "result": "[1, 4, 9]"},
        {"code": "'reactive'.upper()", "result": "'REACTIVE'"},
        {"code": "x_cell = 20\nx_cell + 22", "result": "42"},
        {
            "code": "import IPython.display as _d; _d.HTML('<i>result</i>')",
            "mime": "text/html",
            "result": "<i>result</i>",
        },
    ]

    code_display_data = [
        {
            "code": "import IPython.display as _d; _d.display(_d.HTML('<b>t</b>'))",
            "mime": "text/html",
        },
        {
            "code": "import IPython.display as _d; _d.display(_d.Math('\\\\frac{1}{2}'))",
            "mime": "text/latex",
        },
        {
            "code": "import IPython.display as _d; _d.display(_d.Markdown('**md**'))",
            "mime": "text/markdown",
        },
        {
            "code": "import IPython.display as _d; _d.display(_d.JSON({'a': 1}))",
            "mime": "application/json",
        },
    ]

    code_clear_output = "import IPython.display as _d; _d.clear_output()"

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        kc = cls.kc

        def execute(code: str, **content: Any) -> str:
            request = {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
                **content,
            }
            msg = kc.session.msg("execute_request", request, metadata={"cellId": _cell_id(code)})
            kc.shell_channel.send(msg)
            return str(msg["header"]["msg_id"])

        kc.execute = execute  # type: ignore[method-assign]

    @staticmethod
    def _is_reactive_event(msg: dict[str, Any]) -> bool:
        return msg["msg_type"] == "comm_msg" and msg["content"].get("comm_id") == "reactive"

    def _validate(self, msg: dict[str, Any], msg_type: str | None = None) -> None:
        # jupyter_kernel_test's schemas have no comm messages: check their envelope only.
        if self._is_reactive_event(msg):
            msg_structure_validator.validate(msg)
        else:
            validate_message(msg, msg_type)

    def flush_channels(self) -> None:
        for channel in (self.kc.shell_channel, self.kc.iopub_channel):
            while True:
                try:
                    msg = channel.get_msg(timeout=0.1)
                except Empty:
                    break
                self._validate(msg)

    def execute_helper(  # type: ignore[override]
        self,
        code: str,
        timeout: int = jkt.TIMEOUT,
        silent: bool = False,
        store_history: bool = True,
        stop_on_error: bool = True,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """``KernelTests.execute_helper``, minus the reactive comm's events; and every
        output must name its cell in its parent header (PROTOCOL.md section 4)."""
        msg_id = self.kc.execute(
            code=code, silent=silent, store_history=store_history, stop_on_error=stop_on_error
        )
        reply = self.get_non_kernel_info_reply(timeout=timeout)
        assert reply is not None
        validate_message(reply, "execute_reply", msg_id)
        busy = self.kc.get_iopub_msg(timeout=1)
        validate_message(busy, "status")
        self.assertEqual(busy["parent_header"]["msg_id"], msg_id)
        self.assertEqual(busy["content"]["execution_state"], "busy")
        outputs = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=1)
            self._validate(msg, msg["msg_type"])
            self.assertEqual(msg["parent_header"]["msg_id"], msg_id, msg)
            if msg["msg_type"] == "status":
                self.assertEqual(msg["content"]["execution_state"], "idle")
                return reply, outputs
            if self._is_reactive_event(msg):
                continue
            self.assertEqual(msg["parent_header"].get("cellId"), _cell_id(code), msg)
            if msg["msg_type"] == "execute_input":
                self.assertEqual(msg["content"]["code"], code)
                continue
            outputs.append(msg)


class ReactiveIopubWelcomeTests(jkt.IopubWelcomeTests):
    """ipykernel >= 7 greets each new IOPub subscriber with ``iopub_welcome`` (JEP 65)."""

    kernel_name = "reactive"
    support_iopub_welcome = True

    def test_recv_iopub_welcome_msg(self) -> None:
        # The suite's version waits without a timeout; this one is bounded.
        # Messages the kernel published before the subscription took effect
        # (status, startup output) may come first on a busy machine.
        self.kc.start_channels()
        deadline = time.monotonic() + jkt.TIMEOUT
        msg = self.kc.get_iopub_msg(timeout=jkt.TIMEOUT)
        while msg["msg_type"] != "iopub_welcome" and time.monotonic() < deadline:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        self.assertEqual(msg["msg_type"], "iopub_welcome")
        self.assertEqual(msg["content"]["subscription"], "")
