"""Token and Origin checks, shared by the REST and WebSocket handlers.

One token guards everything: it is compared in constant time, and accepted
from ``Authorization: token T`` (what jupyter_server's gateway client sends),
``Authorization: Bearer T`` or ``?token=T`` (what browsers can do for a
WebSocket). Missing credentials answer 401, wrong ones 403, so a client can
tell "log in" from "you may not".

DNS rebinding: a page at ``http://evil.example:PORT`` whose name is made to resolve
to 127.0.0.1 is same-origin with itself, so the Origin check alone passes it. As
jupyter_server does, a gateway listening on a loopback address therefore answers
only requests whose ``Host`` names a local host (:func:`host_allowed`), unless
remote access is allowed or the host is listed.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import socket
from urllib.parse import urlsplit

LOCAL_HOSTNAMES = frozenset({"localhost"})
_HOST_PORT = re.compile(r"^(.*?)(:\d+)?$")


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


def listens_locally(ip: str) -> bool:
    """Whether ``ip`` (the listening address, or a host name) is loopback only: then
    remote access is off by default, as in jupyter_server."""
    if ip in ("", "0.0.0.0", "::"):
        return False
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        pass
    if ip.lower() in LOCAL_HOSTNAMES:
        return True
    try:
        infos = socket.getaddrinfo(ip, None, 0, socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {str(info[4][0]).split("%")[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, without its port or IPv6 brackets, lower case."""
    match = _HOST_PORT.match(host_header.strip())
    name = match.group(1) if match else host_header
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name.lower().rstrip(".")


def host_allowed(host_header: str, allowed_hosts: frozenset[str] | None) -> bool:
    """Whether a request with this ``Host`` may be served. ``None`` allows every host
    (remote access on); otherwise the host must be local (``localhost``, a loopback
    address) or listed in ``allowed_hosts`` (lower-case names)."""
    if allowed_hosts is None:
        return True
    name = host_name(host_header)
    if name in LOCAL_HOSTNAMES or name in allowed_hosts:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_hosts(value: str) -> frozenset[str]:
    """``--allowed-hosts a.example,b.example`` as a set of lower-case names."""
    return frozenset(host_name(h) for h in value.split(",") if h.strip())
