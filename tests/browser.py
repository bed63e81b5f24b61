"""Launching Debian's Chromium headless here: the one list of flags.

As root it needs ``--no-sandbox``; the background-networking flags keep it
from dialling out on a machine with no internet.
"""

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
