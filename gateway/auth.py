"""Token and Origin checks, shared by the REST and WebSocket handlers.

One token guards everything: it is compared in constant time, and accepted
from ``Authorization: token T`` (what jupyter_server's gateway client sends),
``Authorization: Bearer T`` or ``?token=T`` (what browsers can do for a
WebSocket). Missing credentials answer 401, wrong ones 403, so a client can
tell "log in" from "you may not".
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit


def generate_token() -> str:
    """A fresh token for a gateway started without one (48 hex characters)."""
    return secrets.token_hex(24)


def token_from(authorization: str | None, query_token: str | None) -> str | None:
    """The token a request presents, or ``None``."""
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip():
            return value.strip()
    if query_token:
        return query_token
    return None


def check_token(presented: str | None, expected: str) -> int | None:
    """``None`` if allowed, else the HTTP status to refuse with (401 or 403)."""
    if presented is None:
        return 401
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        return 403
    return None


def origin_allowed(origin: str, host: str, allow_origin: str) -> bool:
    """Whether a browser page at ``origin`` may open a WebSocket to us.

    Same-host origins are always allowed (the page came from this gateway);
    otherwise ``allow_origin`` must be ``*`` or list the origin exactly
    (comma-separated list of ``scheme://host[:port]``).
    """
    return listed_origin(origin, allow_origin) or urlsplit(origin).netloc.lower() == host.lower()


def listed_origin(origin: str, allow_origin: str) -> bool:
    """Whether ``allow_origin`` (``*`` or a comma-separated list) names ``origin``."""
    if allow_origin.strip() == "*":
        return True
    allowed = {o.strip().rstrip("/").lower() for o in allow_origin.split(",") if o.strip()}
    return origin.rstrip("/").lower() in allowed
