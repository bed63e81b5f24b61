"""Run a notebook file headless through a real reactive kernel.

``python -m reactive_kernel run NOTEBOOK.py [--db URL] [--to OUT.ipynb] [--timeout S]``

Why a real kernel (started with jupyter_client, kernelspec ``reactive``)
rather than executing the cells in-process: the result is exactly what a
notebook client sees, cascades, statuses, outputs and all. Everything goes
through the ``reactive`` comm (docs/protocol.md):

1. ``set_database`` when ``--db`` is given (or the file's settings name one);
2. one ``create`` per cell, in notebook order (pipelined: sent together, the
   kernel handles them in order). A refused cell (``bad_cell_type`` for SQL
   cells on a kernel without SQL support) is reported as failed;
3. a ``run`` of every cell still ``idle``/``stale``, in notebook order. A run
   also runs the cell's out-of-date ancestors and all its descendants, so in
   practice this is one run per root and every cell runs once; each ends
   ``success``, ``error`` or ``blocked``;
4. a ``snapshot`` for the final statuses and outputs (``--to`` writes them as
   an nbformat notebook, with execution counts).

Outputs are printed live, each line prefixed with its cell id: ``text/plain``
of results, streams, and ``ename: evalue`` of errors. Markdown cells are
created as markdown cells: they render (interpolating values) when they run.

Exit status: 0 every cell succeeded; 1 a cell failed, is blocked, was not
created, did not run or timed out; 2 usage or file errors, a kernel that does
not start, or a database the kernel refuses. Every wait is bounded: kernel
start and each request by fixed limits, a run by ``--timeout`` seconds per
cell (the clock restarts whenever a cell finishes); after a timeout the kernel
is interrupted and no further cell runs. The kernel is always shut down.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .convert import NotebookFileError, read_doc, same_file, write_doc
from .core.markdown_cells import kernel_cell
from .core.nbformat_percent import NotebookDoc
from .core.protocol import per_cell_statuses
from .core.widget_outputs import static_outputs
from .kernel_client import REQUEST_TIMEOUT, KernelLink, KernelLost, KernelStartError
from .runtime.cell_cache import CACHE_DIR_ENV, folder_for

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
INTERRUPT_GRACE = 10.0
CREATE_BATCH = 200
FINAL = frozenset({"success", "error", "blocked"})
OUTPUTS = frozenset({"stream", "execute_result", "display_data", "error", "clear_output"})


class UsageError(Exception):
    """Exit 2: the notebook, the options or the environment is wrong."""


class Reporter:
    """Follows the kernel's events: cell statuses, and outputs printed live."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.status: dict[str, str] = {}
        self.running: str | None = None
        self.plan: list[str] = []
        self.requested: str | None = None
        self._partial: dict[str, str] = {}

    @property
    def current(self) -> str | None:
        """The cell running now: the last ``running`` status, or else the first
        cell of the cascade still queued (a kernel that dies at once may never
        get its ``running`` status out)."""
        if self.running is not None:
            return self.running
        queued = next((c for c in self.plan if self.status.get(c) == "queued"), None)
        return queued or self.requested

    def line(self, cell_id: str, text: str) -> None:
        for part in text.split("\n"):
            print(f"[{cell_id}] {part}", file=self.out)
        self.out.flush()

    def flush(self, cell_id: str) -> None:
        rest = self._partial.pop(cell_id, "")
        if rest:
            self.line(cell_id, rest)

    def handle(self, msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "comm_msg":
            self._event(content.get("data") or {})
            return
        cell_id = msg["parent_header"].get("cellId")
        if kind not in OUTPUTS or not cell_id:
            return
        if kind == "stream":
            text = self._partial.pop(cell_id, "") + content.get("text", "")
            *lines, rest = text.split("\n")
            if lines:
                self.line(cell_id, "\n".join(lines))
            if rest:
                self._partial[cell_id] = rest
        elif kind in ("execute_result", "display_data"):
            self.flush(cell_id)
            data = content.get("data", {})
            self.line(cell_id, data.get("text/plain") or f"<{', '.join(sorted(data))}>")
        elif kind == "error":
            self.flush(cell_id)
            self.line(cell_id, f"{content.get('ename')}: {content.get('evalue')}")

    def _event(self, data: dict[str, Any]) -> None:
        event = data.get("event")
        if event in ("cell_created", "cell_updated") and "cell" in data:
            self.status[data["cell"]["id"]] = data["cell"]["status"]
        for entry in data.get("statuses", ()):
            self.status[entry["cell_id"]] = entry["status"]
        if event == "cascade_started":
            self.plan = list(data.get("plan", ()))
            self.status.update(dict.fromkeys(self.plan, "queued"))
        for change in per_cell_statuses(data):
            cell_id, status = change["cell_id"], change["status"]
            self.status[cell_id] = status
            self.running = cell_id if status == "running" else None
            if status != "running":
                self.flush(cell_id)


@dataclass
class Options:
    path: Path
    db: str | None = None
    to: Path | None = None
    timeout: float = 600.0
    cache: bool = True
    """Use the result cache beside the notebook (``--no-cache``: run everything)."""


def _error_output(ename: str, evalue: str) -> dict[str, Any]:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": []}


class Run:
    """One headless run of one notebook doc."""

    def __init__(self, link: KernelLink, doc: NotebookDoc, opts: Options, out: IO[str]) -> None:
        self.link, self.doc, self.opts = link, doc, opts
        self.out = out
        self.reporter = Reporter(out)
        link.handlers.append(self.reporter.handle)
        self.failed: dict[str, str] = {}  # cell id -> why it never ran

    def say(self, text: str) -> None:
        print(text, file=self.out)
        self.out.flush()

    async def database(self) -> None:
        """Send ``--db`` or the file's ``database`` setting. A refusal is a
        usage error (exit 2) when it matters: ``--db`` was given, or SQL cells
        would otherwise run against another database; else a warning."""
        url = self.opts.db or self.doc.metadata.get("database")
        if not isinstance(url, str) or not url:
            return
        if not self.opts.db and ":***@" in url:
            self.say("warning: the notebook's database URL has no password (files never store it);")
            self.say("         pass the full URL with --db")
        reply = await self.link.request("set_database", url=url)
        if reply.get("ok"):
            return
        error = reply.get("error") or {}
        message = f"the kernel refused the database ({error.get('code')}: {error.get('message')})"
        if self.opts.db or any(c.type == "sql" for c in self.doc.cells):
            raise UsageError(message)
        self.say(f"warning: {message}")

    async def create(self) -> list[str]:
        """Create the code cells; returns the ids the kernel accepted.

        Requests go in batches: pipelined for speed, but bounded so that the
        events they cause never exceed the IOPub high-water mark (ZMQ drops
        messages past it).
        """
        created = []
        cells = self.doc.cells
        for start in range(0, len(cells), CREATE_BATCH):
            sent: dict[str, str] = {}
            for cell in cells[start : start + CREATE_BATCH]:
                cell_type, code = kernel_cell(cell)
                args = {"cell_id": cell.id, "cell_type": cell_type, "code": code}
                if cell.name is not None:
                    args["name"] = cell.name
                sent[self.link.send("create", after=None, **args)] = cell.id
            try:
                replies = await self.link.replies(set(sent), REQUEST_TIMEOUT)
            except TimeoutError:
                raise KernelLost(f"no reply to 'create' within {REQUEST_TIMEOUT:g} s") from None
            for req, cell_id in sent.items():
                error = replies[req].get("error") or {}
                if replies[req].get("ok"):
                    created.append(cell_id)
                else:
                    self.failed[cell_id] = f"{error.get('code')}: {error.get('message')}"
                    self.reporter.line(cell_id, f"not created: {self.failed[cell_id]}")
        return created

    async def run_all(self, created: list[str]) -> None:
        status = self.reporter.status
        for cell_id in created:
            if status.get(cell_id, "idle") not in ("idle", "stale"):
                continue
            self.reporter.requested = cell_id
            req = self.link.send("run", cell_id=cell_id)
            try:
                await self.link.replies({req}, self.opts.timeout)
            except TimeoutError:
                await self._timed_out(req)
                return

    async def _timed_out(self, req: str) -> None:
        stuck = self.reporter.current or "?"
        self.failed[stuck] = f"timed out after {self.opts.timeout:g} s"
        self.reporter.line(stuck, f"timed out after {self.opts.timeout:g} s: interrupting")
        await self.link.km.interrupt_kernel()
        try:
            await self.link.replies({req}, INTERRUPT_GRACE)
        except TimeoutError:
            raise KernelLost("the kernel did not stop after an interrupt") from None

    def result(self, cell_id: str, got: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        """A cell's final status and its ``--to`` result; cells that never ran
        get an error output saying why, so the notebook shows it."""
        why = self.failed.get(cell_id)
        if got is None:
            return "error", {"outputs": [_error_output("NotCreated", why or "")]}
        status, outputs = got["status"], static_outputs(got["outputs"])
        error = got.get("error") or {}
        if why and status == "success":
            status = "error"
        if status == "blocked":
            self.reporter.line(cell_id, f"blocked: {error.get('ename')}: {error.get('evalue')}")
        elif status == "disabled":
            self.reporter.line(cell_id, "disabled: not run")
        elif status not in FINAL:
            self.reporter.line(cell_id, f"did not run (status {status})")
        if status != "success" and not outputs:
            evalue = error.get("evalue") or why or f"status {status}"
            outputs = [_error_output(error.get("ename") or "NotRun", evalue)]
        return status, {"outputs": outputs, "execution_count": got.get("execution_count")}

    def summarize(self, snapshot: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Print what did not succeed and a summary; returns exit code and results."""
        cells = {c["id"]: c for c in snapshot.get("cells", [])}
        counts = dict.fromkeys(("success", "error", "blocked", "disabled", "other"), 0)
        results: dict[str, Any] = {}
        for cell in self.doc.cells:
            status, results[cell.id] = self.result(cell.id, cells.get(cell.id))
            counts[status if status in counts else "other"] += 1
        total = sum(counts.values())
        self.say(
            f"--- {total} cells: {counts['success']} succeeded, {counts['error']} failed, "
            f"{counts['blocked']} blocked, {counts['other']} not run"
            + (f", {counts['disabled']} disabled" if counts["disabled"] else "")
        )
        fine = counts["success"] + counts["disabled"]  # disabled on purpose: not a failure
        return (EXIT_OK if fine == total else EXIT_FAILED), results

    async def go(self) -> int:
        await self.database()
        created = await self.create()
        await configure_cells(self.link, self.doc, created, self.opts.cache)
        await self.run_all(created)
        snapshot = (await self.link.request("snapshot")).get("snapshot") or {}
        code, results = self.summarize(snapshot)
        if self.opts.to is not None:
            write_doc(self.opts.to, self.doc, results)
            self.say(f"wrote {self.opts.to}")
        return code


async def run_notebook(opts: Options, out: IO[str] | None = None) -> int:
    """Run the notebook at ``opts.path``; returns the exit status."""
    out = out or sys.stdout
    doc, notes = read_doc(opts.path)
    for note in notes:
        print(f"note: {opts.path}: {note}", file=sys.stderr)
    link = await KernelLink.start(env=cache_env(opts, doc))
    run = Run(link, doc, opts, out)
    try:
        return await run.go()
    except KernelLost as exc:
        current = run.reporter.current
        where = f" while cell {current} ran" if current else ""
        if current:
            run.reporter.line(current, f"{exc}")
        print(f"error: {exc}{where}", file=sys.stderr)
        print(f"--- kernel log (tail) ---\n{link.kernel_log()}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        await link.close()


def cache_env(opts: Options, doc: NotebookDoc) -> dict[str, str] | None:
    """The kernel keeps its cache beside the notebook, as a bound kernel would,
    so a headless run and the notebook's kernels share results."""
    if not opts.cache or not any(c.cache for c in doc.cells):
        return None
    return {CACHE_DIR_ENV: str(folder_for(str(opts.path)))}


async def configure_cells(
    link: KernelLink, doc: NotebookDoc, created: list[str], cache: bool
) -> None:
    """Send the cells' options (``disabled``, and ``cache`` unless ``--no-cache``)."""
    made = set(created)
    for cell in doc.cells:
        options = {"disabled": cell.disabled, "cache": cell.cache and cache}
        if cell.id in made and any(options.values()):
            await link.request("configure_cell", cell_id=cell.id, **options)


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m reactive_kernel run",
        description="Run a notebook (.py percent format, or .ipynb) headless through a real "
        "reactive kernel; exit 0 if every cell succeeded, 1 if any failed, 2 on usage errors.",
    )
    parser.add_argument("notebook", type=Path, help="the notebook file to run")
    parser.add_argument("--db", metavar="URL", help="database URL for SQL cells (set_database)")
    parser.add_argument("--to", metavar="OUT.ipynb", type=Path, help="write the run as .ipynb")
    parser.add_argument(
        "--timeout", metavar="S", type=float, default=600.0,
        help="longest one cell may run, in seconds (default 600)",
    )  # fmt: skip
    parser.add_argument(
        "--no-cache", action="store_true",
        help="run every cell, even those whose results are cached (cache=\"true\" cells)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    opts = Options(args.notebook, args.db, args.to, args.timeout, cache=not args.no_cache)
    if opts.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if opts.to is not None:
        if opts.to.suffix.lower() != ".ipynb":
            raise UsageError(f"--to {opts.to}: the output must be an .ipynb file")
        if same_file(opts.to, opts.path):
            raise UsageError(f"--to {opts.to}: is the input file; refusing to overwrite it")
    return opts


def main(argv: list[str] | None = None) -> int:
    try:
        opts = parse_args(argv)
        return asyncio.run(run_notebook(opts))
    except SystemExit as exc:  # argparse: --help or a usage error
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    except (UsageError, NotebookFileError, KernelStartError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
