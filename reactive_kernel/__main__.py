"""``python -m reactive_kernel`` (also the ``reactive-kernel`` command).

Subcommands:

- ``kernel -f CONNECTION_FILE``: run the kernel process (what the kernelspec runs
  through ``python -m reactive_kernel.kernelapp``).
- ``install-kernelspec [--user|--sys-prefix|--prefix P]``: install the ``reactive``
  kernelspec (same as ``python -m reactive_kernel.kernelspec install``).
- ``run NOTEBOOK.py [--db URL] [--to OUT.ipynb] [--timeout S]``: run a notebook
  headless through a real kernel (:mod:`reactive_kernel.headless`).
- ``convert SRC DST``: convert between ``.ipynb`` and ``.py`` (percent format)
  (:mod:`reactive_kernel.convert`).
- ``export NOTEBOOK.py --to html [--no-run] [-o OUT]``: one self-contained HTML page
  (:mod:`reactive_kernel.export`).
"""

from __future__ import annotations

import sys

USAGE = """usage: python -m reactive_kernel COMMAND [ARGS]

commands:
  kernel -f CONNECTION_FILE      run the reactive kernel process
  install-kernelspec [--user|--sys-prefix|--prefix P]
                                 install the `reactive` kernelspec
  run NOTEBOOK.py [--db URL] [--to OUT.ipynb] [--timeout S]
                                 run a notebook headless; exit 0 if every cell succeeded
  convert SRC DST                convert between .ipynb and .py (percent format)
  export NOTEBOOK.py --to html [--no-run] [-o OUT] [--db URL]
                                 write one self-contained offline HTML page
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0
    command, rest = args[0], args[1:]
    if command == "kernel":
        from .kernelapp import ReactiveKernelApp

        ReactiveKernelApp.launch_instance(argv=rest)
        return 0
    if command == "install-kernelspec":
        from .kernelspec import main as kernelspec_main

        return kernelspec_main(["install", *rest])
    if command == "run":
        from .headless import main as run_main

        return run_main(rest)
    if command == "convert":
        from .convert import main as convert_main

        return convert_main(rest)
    if command == "export":
        from .export import main as export_main

        return export_main(rest)
    print(f"unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
