"""The gateway's log lines never carry the token.

A request URI may hold ``?token=T`` (browsers cannot set headers on a WebSocket), and
tornado puts that URI in more than the access log: its 4xx warnings
(``404 GET /api/...?token=T (ip): ...``), its uncaught-exception lines and their
``HTTPServerRequest(... uri=...)`` repr. jupyter_server scrubs its access log only; we
scrub every record that reaches the application's log handlers (tornado's loggers and
ours are re-parented there): ``token=...`` in any URI, and the token's value wherever it
appears, in the message and in the formatted traceback.
"""

from __future__ import annotations

import logging
import re

from tornado import web
from tornado.log import access_log

SECRET = "[secret]"
TOKEN_IN_QUERY = re.compile(r"(?i)((?:[?&]|%3F|%26|\b)token(?:=|%3D))[^&\s'\"#]*")


def scrub(text: str, token: str | None = None) -> str:
    """``text`` with ``token=...`` values and the token itself replaced by ``[secret]``."""
    text = TOKEN_IN_QUERY.sub(r"\1" + SECRET, text)
    if token:
        text = text.replace(token, SECRET)
    return text


class ScrubTokens(logging.Filter):
    """A handler filter: rewrites each record's message and traceback, scrubbed."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message, self.token)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self.token)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self.token)
        return True


def install(logger: logging.Logger, token: str) -> None:
    """Scrub every record that ``logger``'s handlers emit (records of child loggers
    included: handler filters see everything that propagates to them)."""
    scrubber = ScrubTokens(token)
    for handler in logger.handlers:
        handler.addFilter(scrubber)


def log_request(handler: web.RequestHandler) -> None:
    """tornado's access log, with ``?token=`` redacted from the URI."""
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    request = handler.request
    uri = scrub(request.uri or "")
    access_log.log(
        level, "%d %s %s (%s) %.2fms", status, request.method, uri, request.remote_ip,
        1000.0 * request.request_time(),
    )  # fmt: skip
