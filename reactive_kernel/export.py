"""Export a notebook as one self-contained HTML page.

``python -m reactive_kernel export NOTEBOOK.py --to html [--no-run] [-o OUT] [--db URL]``

The notebook runs first through a real kernel, exactly as ``run`` does
(:mod:`reactive_kernel.headless`; its progress goes to stderr), and the page
shows the kernel's final cells with their outputs. With ``--no-run`` the page
shows the code only (markdown cells as written). The page itself is made by
:func:`reactive_kernel.core.export_html.notebook_html`, the same function the
kernel's ``export`` op uses for the web notebook's download.

Exit status: 0 page written (and every cell succeeded), 1 page written but a
cell failed, 2 usage or file errors or a kernel that does not start.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from .convert import NotebookFileError, read_doc, same_file
from .core.export_html import notebook_html
from .core.markdown_cells import kernel_cell
from .headless import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Options, Run, UsageError
from .kernel_client import KernelLink, KernelLost, KernelStartError


def doc_cells(path: Path) -> list[dict[str, Any]]:
    """The file's cells as protocol cell dicts, never run."""
    doc, _ = read_doc(path)
    cells = []
    for cell in doc.cells:
        cell_type, code = kernel_cell(cell)
        cells.append(
            {"id": cell.id, "type": cell_type, "code": code, "name": cell.name,
             "status": "idle", "execution_count": None, "outputs": [], "error": None}
        )  # fmt: skip
    return cells


async def run_cells(opts: Options) -> tuple[int, list[dict[str, Any]]]:
    """Run the notebook headless; returns the exit code and the final cells."""
    doc, notes = read_doc(opts.path)
    for note in notes:
        print(f"note: {opts.path}: {note}", file=sys.stderr)
    link = await KernelLink.start()
    run = Run(link, doc, opts, sys.stderr)
    try:
        await run.database()
        await run.run_all(await run.create())
        snapshot = (await link.request("snapshot")).get("snapshot") or {}
        code, _ = run.summarize(snapshot)
        return code, list(snapshot.get("cells", []))
    except KernelLost as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED, doc_cells(opts.path)
    finally:
        await link.close()


def parse_args(argv: list[str] | None) -> tuple[Options, Path, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m reactive_kernel export",
        description="Write a notebook as one self-contained offline HTML page (code and "
        "outputs; no scripts, no external resources). Runs the notebook first.",
    )
    parser.add_argument("notebook", type=Path, help="the notebook file (.py percent or .ipynb)")
    parser.add_argument("--to", default="html", choices=["html"], help="the format (html)")
    parser.add_argument("-o", "--output", type=Path, help="the page to write (NOTEBOOK.html)")
    parser.add_argument("--no-run", action="store_true", help="export the code without running")
    parser.add_argument("--db", metavar="URL", help="database URL for SQL cells")
    parser.add_argument(
        "--timeout", metavar="S", type=float, default=600.0,
        help="longest one cell may run, in seconds (default 600)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    out = args.output or args.notebook.with_suffix(".html")
    if same_file(out, args.notebook):
        raise UsageError(f"-o {out}: is the input file; refusing to overwrite it")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    return Options(args.notebook, args.db, None, args.timeout), out, args.no_run


def main(argv: list[str] | None = None) -> int:
    try:
        opts, out, no_run = parse_args(argv)
        if no_run:
            code, cells = EXIT_OK, doc_cells(opts.path)
        else:
            code, cells = asyncio.run(run_cells(opts))
        note = "code only (not run)" if no_run else "outputs of a fresh run"
        page = notebook_html(opts.path.name, cells, note)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(out)
        print(f"wrote {out}", file=sys.stderr)
        return code
    except SystemExit as exc:  # argparse: --help or a usage error
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    except (UsageError, NotebookFileError, KernelStartError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
