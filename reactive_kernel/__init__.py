"""reactive-kernel: a Jupyter kernel in which cells form a dataflow graph.

The package is layered so that imports go one way:

- :mod:`reactive_kernel.core` is pure Python (no zmq, ipykernel or sqlalchemy):
  analysis, dependency graph, cascade planning, the cell registry and the comm
  message schemas.
- :mod:`reactive_kernel.runtime` executes cells inside an IPython shell.
- :mod:`reactive_kernel.kernel` is the thin ipykernel adapter.

Importing this package imports nothing heavy, so ``python -m reactive_kernel.kernelapp``
starts quickly.
"""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension (``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "reactive-kernel-labextension"}]
