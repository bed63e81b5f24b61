"""``python -m gateway``: the same as the ``reactive-gateway`` command."""

from .app import main

if __name__ == "__main__":
    main()
