"""A real ``jupyter console`` attached to a reactive kernel (PROTOCOL.md section 4).

The console sends no ``cellId``, so what it runs are scratch inputs; afterwards
every cell that reads a name the input bound re-runs, and the cascade's outputs
are published under the console request's own header, so the console shows them
inline. The console cannot create cells, so the test starts the kernel itself,
creates cells through the reactive comm, and attaches ``jupyter console
--existing`` to it. Every wait is bounded by pexpect's timeout.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest
from harness import KernelHarness, start_kernel, stop_kernel
from jupyter_client.manager import KernelManager

JUPYTER = Path(sys.executable).with_name("jupyter")
TIMEOUT = 30
PROMPT = r"In \[(\d+)\]: "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
CELL_B = "b = a * 2\nprint('b is', b)"


@dataclass
class Console:
    child: pexpect.spawn
    kernel: KernelHarness
    manager: KernelManager

    def run(self, line: str) -> str:
        """Type one line; return what the console printed before its next prompt."""
        self.child.sendline(line)
        self.child.expect(PROMPT)
        text = ANSI.sub("", self.child.before).replace("\r", "")
        # drop the terminal's echo of the line itself
        echoed, _, output = text.partition(line)
        assert not echoed.strip(), f"unexpected text before the echo: {echoed!r}"
        return output


def spawn_console(connection_file: str, home: Path) -> pexpect.spawn:
    env = dict(
        os.environ,
        TERM="dumb",
        JUPYTER_CONFIG_DIR=str(home / "config"),
        IPYTHONDIR=str(home / "ipython"),
    )
    child = pexpect.spawn(
        str(JUPYTER),
        [
            "console",
            "--existing",
            connection_file,
            "--ZMQTerminalInteractiveShell.simple_prompt=True",
            "--ZMQTerminalInteractiveShell.kernel_timeout=30",
        ],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(50, 200),
    )
    child.expect(PROMPT)
    return child


def close_console(child: pexpect.spawn) -> None:
    """Leave the console without shutting the kernel down; kill it if it hangs."""
    try:
        if child.isalive():
            child.sendline("quit(keep_kernel=True)")
            child.expect(pexpect.EOF)
    except (pexpect.TIMEOUT, OSError):
        pass
    finally:
        child.close(force=True)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    km, kc = start_kernel()
    child = None
    try:
        kernel = KernelHarness(kc)
        kernel.create("b", CELL_B)
        child = spawn_console(km.connection_file, tmp_path)
        yield Console(child, kernel, km)
    finally:
        if child is not None:
            close_console(child)
        stop_kernel(km, kc)


def test_console_attaches_to_reactive_kernel(console: Console) -> None:
    banner = ANSI.sub("", console.child.before)
    assert "Python 3 (reactive)" in banner


def test_reactive_cells_magic(console: Console) -> None:
    out = console.run("%reactive cells")
    lines = [line.rstrip() for line in out.strip().splitlines()]
    assert re.fullmatch(r"id\s+type\s+status\s+reads\s+writes", lines[0]), out
    assert re.fullmatch(r"b\s+python\s+idle\s+a\s+b", lines[1]), out
    assert len(lines) == 2, out


def test_scratch_input_cascades_inline(console: Console) -> None:
    out = console.run("a = 21")
    assert out.count("b is 42") == 1, out
    out = console.run("a = 5")
    assert out.count("b is 10") == 1, out
    assert "b is 42" not in out, out

    # the kernel agrees with what the console showed
    cell = console.kernel.cells()["b"]
    assert cell["status"] == "success", cell
    assert [o.get("text") for o in cell["outputs"]] == ["b is 10\n"], cell["outputs"]
    assert console.kernel.value("b") == "10"


def test_scratch_input_that_binds_nothing_read_runs_no_cell(console: Console) -> None:
    out = console.run("c = 1; print('c set')")
    assert out.strip() == "c set", out
    assert console.kernel.cells()["b"]["status"] == "idle"


def test_cascade_error_is_shown_in_console(console: Console) -> None:
    out = console.run("a = None")
    assert "TypeError" in out, out  # b's own failure: None * 2
    assert "b is None" not in out, out
    cell = console.kernel.cells()["b"]
    assert cell["status"] == "error" and cell["error"]["ename"] == "TypeError", cell
    # the input itself succeeded, so the console carries on; a fix re-runs b
    out = console.run("a = 1")
    assert out.count("b is 2") == 1, out


def test_cascade_traceback_shows_only_user_code(console: Console) -> None:
    out = console.run("a = None")
    assert "TypeError" in out, out
    assert "executor.py" not in out and "Executor.run" not in out, out
    assert "reactive_kernel" not in out, out


def test_cascade_traceback_looks_like_a_scratch_traceback(console: Console) -> None:
    cell = console.run("a = None")  # b fails in the cascade
    scratch = console.run("None * 2")  # the same error in a scratch input
    assert "TypeError" in cell and "TypeError" in scratch, (cell, scratch)
    assert "skipping hidden" not in scratch, scratch
    assert "skipping hidden" not in cell, cell


def test_cascade_traceback_names_the_cells_execution_count(console: Console) -> None:
    for value in ("None", "'x'; a = None"):  # the second run reuses b's compiled code
        out = console.run(f"a = {value}")
        count = console.kernel.cells()["b"]["execution_count"]
        assert re.findall(r"Cell In\[(\d+)\]", out) == [str(count)], (count, out)


def test_console_exits_cleanly_keeping_kernel(console: Console) -> None:
    child = console.child
    child.sendline("quit(keep_kernel=True)")
    child.expect("keeping kernel alive")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)
    assert console.manager.is_alive()
    assert console.kernel.cells()["b"]["code"] == CELL_B


def test_console_started_with_kernel_reactive_defines_cells_and_cascades(tmp_path: Path) -> None:
    """`jupyter console --kernel reactive` on its own: `%%reactive ID` defines a
    cell from the console, and a later scratch input re-runs it inline."""
    env = dict(
        os.environ,
        TERM="dumb",
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    child = pexpect.spawn(
        str(JUPYTER),
        ["console", "--kernel", "reactive", "--ZMQTerminalInteractiveShell.simple_prompt=True"],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(50, 200),
    )
    try:
        child.expect(PROMPT)
        assert "Python 3 (reactive)" in ANSI.sub("", child.before)
        child.sendline("a = 4")
        child.expect(PROMPT)
        # simple_prompt reads one line per input, so the one-line form
        child.sendline("%reactive add doubled print('doubled is', a * 2)")
        child.expect(PROMPT)
        assert "doubled is 8" in ANSI.sub("", child.before)
        child.sendline("a = 21")
        child.expect(PROMPT)
        out = ANSI.sub("", child.before)
        assert out.count("doubled is 42") == 1, out
        child.sendline("%reactive cells")
        child.expect(PROMPT)
        assert re.search(r"doubled\s+python\s+success\s+a", ANSI.sub("", child.before))
    finally:
        try:
            child.sendline("quit()")
            child.expect(pexpect.EOF)
        except (pexpect.TIMEOUT, OSError):
            pass
        child.close(force=True)


def test_cascade_traceback_points_at_the_failing_line(console: Console) -> None:
    """Inner frames (here a generator expression) show their own line, not the cell's first."""
    from tb_check import check

    code = "w = 1\nv = 2\nt = sum(1/a for i in range(3))\nt"
    console.kernel.create("gen", code)
    out = console.run("a = 0")
    assert "ZeroDivisionError" in out, out
    check(out, code, [3, 3])


def test_add_of_a_second_definer_says_it_is_blocked_at_once(console: Console) -> None:
    out = console.run("%reactive add dup b = 1")
    assert "cell dup is blocked: MultipleDefinitionError" in out, out
    assert "'b' by cell b" in out, out
    out = console.run("%reactive add cyc a = b")  # b reads a: a cycle
    assert "cell cyc is blocked: CycleError" in out, out


def test_cells_lists_the_reason_of_every_blocked_or_failed_cell(console: Console) -> None:
    console.run("a = None")  # b fails: None * 2
    console.run("%reactive add dup b = 1")
    console.run("%reactive add m1 b.append(1)")  # mutates b, defined by cell b
    out = console.run("%reactive cells")
    lines = [line.rstrip() for line in out.strip().splitlines()]
    assert re.fullmatch(r"b\s+python\s+error\s+a\s+b", lines[1]), out
    notes = lines[lines.index("") + 1 :]
    assert notes[0].startswith("b: TypeError: unsupported operand"), out
    assert notes[1].startswith("dup: MultipleDefinitionError: This cell defines"), out
    assert notes[2] == "m1: UpstreamError: Cell b (which defines b) failed.", out
    assert notes[3].startswith("m1: ⚠ This cell mutates b, which cell b defines"), out
    assert len(notes) == 4, out
