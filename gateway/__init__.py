"""reactive-gateway: browser WebSockets to Jupyter kernels' ZMQ channels.

Bridges any Jupyter kernel (it never imports ``reactive_kernel``); see
``gateway/README.md`` for the architecture, the wire formats and the options.
"""

__version__ = "0.1.0"
