"""How the kernel names cell code, so tracebacks show the right source line.

ipykernel names every input after a temporary ``.py`` file that only its debugger
ever writes. IPython's traceback formatter tries to count that file's lines; the
file does not exist, so it falls back to a fast path that shows an inner frame (a
generator expression, a comprehension, a lambda) with the source block that
``inspect`` finds for it, numbered from the frame's first line: the wrong text
beside the right number (``----> 3 w = 1`` for an error on line 3).

Naming code ``<cell-HASH>`` instead keeps the formatter on its normal path
(``stack_data`` over the lines cached in ``linecache``), which places every
frame's arrow correctly. The name depends only on the raw code, as ipykernel's
does, so re-caching the same code under a new execution count renames the
existing entry (``Cell In[n]``) instead of creating a second one. The kernel
does not offer the debugger (its kernelspec says so), which is the only user of
the ``.py`` names.
"""

from __future__ import annotations

import hashlib

from IPython.core.compilerop import CachingCompiler


def cell_code_name(raw_code: str) -> str:
    """The filename compiled cell code carries: stable for the same raw code."""
    digest = hashlib.blake2b(raw_code.encode("utf-8", "surrogatepass"), digest_size=8)
    return f"<cell-{digest.hexdigest()}>"


class CellCompiler(CachingCompiler):  # type: ignore[misc]
    """IPython's caching compiler with :func:`cell_code_name` names."""

    def get_code_name(self, raw_code: str, transformed_code: str, number: int) -> str:
        return cell_code_name(raw_code)
