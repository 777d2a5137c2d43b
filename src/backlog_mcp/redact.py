"""Keeping secrets out of text: log records, error messages, anything shown.

Backlog takes the API key as a query parameter, so every request URL carries it, and HTTP
libraries log request URLs at INFO. Everything that may reach a log or a user goes through here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["AccessLogPaths", "SecretFilter", "install_log_redaction", "redact"]

_KEY_PARAM = re.compile(r"(?i)(apiKey|access_token|refresh_token|client_secret)=[^&\s\"'#]*")
_BEARER = re.compile(r"(?i)(Bearer\s+)[A-Za-z0-9._~+/=-]+")
_MASK = "***"


# Shorter values are not masked verbatim: masking "k" would mangle every word with a k in it.
# Real keys and tokens are far longer; short ones are still caught by the patterns above.
_MIN_SECRET_LENGTH = 8


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Masks credential query parameters, bearer tokens and any of the given secret values."""
    for secret in secrets:
        if len(secret) >= _MIN_SECRET_LENGTH:
            text = text.replace(secret, _MASK)
    text = _KEY_PARAM.sub(lambda m: f"{m.group(1)}={_MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)}{_MASK}", text)


class SecretFilter(logging.Filter):
    """Rewrites a record's rendered message with secrets masked (never drops a record)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self._secrets.update(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self._secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class AccessLogPaths(logging.Filter):
    """uvicorn's access log without query strings: a caller may put any secret there, under
    any name, and the log has no need of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


_FILTER = SecretFilter()
_HTTP_LOGGERS = ("httpx2", "httpcore2", "httpx", "httpcore", "uvicorn", "uvicorn.error")


def install_log_redaction(secrets: Iterable[str] = ()) -> None:
    """Masks these secrets (and any apiKey= parameter) in every log record written.

    Attaches one shared `SecretFilter` to the HTTP libraries' loggers and to every handler of the
    root logger (a logger's filters do not see records propagated from its children, a handler's
    do). Safe to call repeatedly: the filter is attached once and only learns new secrets.
    """
    _FILTER.add(secrets)
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in _HTTP_LOGGERS]
    targets.extend(logging.getLogger().handlers)
    for target in targets:
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
