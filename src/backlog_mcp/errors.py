"""The errors backlog-mcp raises, one hierarchy a caller can catch at the level it needs.

Every message is safe to show: none contains the API key or the access token (the client
builds messages from the path it asked for, never from the full URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "BacklogAPIError",
    "BacklogAuthError",
    "BacklogConnectionError",
    "BacklogError",
    "BacklogInvalidRequestError",
    "BacklogNotASpaceError",
    "BacklogNotFoundError",
    "BacklogPermissionError",
    "BacklogRateLimitError",
    "BacklogResponseError",
    "BacklogServerError",
    "BacklogWriteUncertainError",
    "ConfigError",
    "ErrorDetail",
]


class ConfigError(Exception):
    """The configuration is missing or invalid; the message names the variable and an example."""


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of Backlog's `{"errors": [{"message", "code", "moreInfo"}]}` body."""

    message: str
    code: int | None = None
    more_info: str = ""

    def __str__(self) -> str:
        text = self.message.rstrip(".")
        if self.more_info and self.more_info.rstrip(".") != text:
            text += f" ({self.more_info.rstrip('.')})"
        return text


class BacklogError(Exception):
    """Base of every failure talking to Backlog."""


class BacklogConnectionError(BacklogError):
    """Backlog could not be reached (DNS, refused, TLS, timeout) even after retries."""


class BacklogWriteUncertainError(BacklogError):
    """A write was sent, and no answer says whether Backlog did it (a timeout, a dropped
    connection, a 5xx): it is not repeated, and the message says what to look at before retrying."""


class BacklogRequestTooLongError(BacklogError):
    """The request would not fit in a URL Backlog accepts; nothing was sent."""


class BacklogResponseError(BacklogError):
    """Backlog answered with something that is not the JSON we expected."""


class BacklogNotASpaceError(BacklogResponseError):
    """The configured address answered, but not as a Backlog space does (a proxy, a login page,
    a `.com` address for a `.jp` space); the message says what to check."""


class BacklogAPIError(BacklogError):
    """Backlog answered with an error status; carries Backlog's own messages."""

    def __init__(self, summary: str, *, status: int, details: tuple[ErrorDetail, ...] = ()) -> None:
        self.summary = summary
        self.status = status
        self.details = details
        super().__init__(self._compose())

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(d.code for d in self.details if d.code is not None)

    def _compose(self) -> str:
        said = "; ".join(str(d) for d in self.details if d.message)
        return f"{self.summary} Backlog said: {said}." if said else self.summary


class BacklogInvalidRequestError(BacklogAPIError):
    """400: Backlog rejected a parameter."""


class BacklogAuthError(BacklogAPIError):
    """401: the API key or access token is wrong, expired or not on this space."""


class BacklogPermissionError(BacklogAPIError):
    """403: the user may not see this resource (or the IP / plan is not allowed)."""


class BacklogNotFoundError(BacklogAPIError):
    """404: the thing asked for does not exist or is not visible to the user."""


class BacklogServerError(BacklogAPIError):
    """5xx after retries."""


class BacklogRateLimitError(BacklogAPIError):
    """429 and the reset is too far away to wait for."""

    def __init__(
        self, summary: str, *, status: int, details: tuple[ErrorDetail, ...] = (), reset_at: datetime | None
    ) -> None:
        self.reset_at = reset_at
        super().__init__(summary, status=status, details=details)

    def seconds_until_reset(self, now: datetime | None = None) -> float | None:
        if self.reset_at is None:
            return None
        return max(0.0, (self.reset_at - (now or datetime.now(UTC))).total_seconds())
