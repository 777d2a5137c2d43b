"""Reading Backlog's answers: its error bodies, its rate-limit headers, and answers that are not its.

An address that is not a Backlog space (a proxy or login page, `.com` for a `.jp` space, some
other JSON API) used to surface as whatever the status code or the body suggested ("The current
user not found", "No projects."). Such an answer is reported as what it is, not Backlog, by
these rules:

- A failure without Backlog's `{"errors": [...]}` body (Backlog sends it with every API failure
  but an OAuth 401), a redirect, or a success whose body is not JSON.
- A success without the `X-RateLimit-*` headers, as long as the client has not yet had an
  answer with them. Backlog sends them with every API response (reference §3), so another
  server's `{"ok": true}` or `[]` is refused on every call, before it is read as an empty list;
  once the space has shown them, a later answer without them is still read, so that one
  response Backlog might send bare cannot break a working setup.
- A success that does not fit the expected shape and carries no `X-RateLimit-*` header; with
  them, it is Backlog's answer in a shape we did not expect, and is reported as that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx2

from backlog_mcp.errors import (
    BacklogAPIError,
    BacklogAuthError,
    BacklogError,
    BacklogInvalidRequestError,
    BacklogNotASpaceError,
    BacklogNotFoundError,
    BacklogPermissionError,
    BacklogRateLimitError,
    BacklogServerError,
    ErrorDetail,
)
from backlog_mcp.redact import redact

__all__ = [
    "ErrorMapping",
    "RateLimitInfo",
    "has_rate_limit_headers",
    "iso_utc",
    "not_a_space",
    "rate_limit_from",
    "without_rate_limit_headers",
]

_RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What the last response's `X-RateLimit-*` headers said."""

    limit: int
    remaining: int
    reset_at: datetime


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _origin(url: httpx2.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


def _redirect_to(response: httpx2.Response) -> str:
    """Where a redirect pointed, without its query (which may echo the request, key and all)."""
    try:
        target = response.url.join(response.headers.get("location", ""))
    except httpx2.InvalidURL:
        return "a redirect to an unreadable address, not followed"
    return f"a redirect to {_origin(target)}{target.path}, not followed"


def _what_came(response: httpx2.Response) -> str:
    """A few words on the body, for telling a proxy's page from Backlog's answer."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not response.content:
        return "an empty body"
    if "html" in kind or response.content.lstrip()[:1] == b"<":
        return "an HTML page"
    if "json" in kind:
        return "JSON that is not Backlog's"
    return f"a body of type {kind or 'unknown'}"


def has_rate_limit_headers(response: httpx2.Response) -> bool:
    """Whether the answer carries any of the `X-RateLimit-*` headers every Backlog answer has."""
    return any(name in response.headers for name in _RATE_LIMIT_HEADERS)


def without_rate_limit_headers(response: httpx2.Response, *, misshapen: bool = False) -> str:
    """The evidence for a success that came without Backlog's rate-limit headers (and, when
    `misshapen`, with JSON unlike the answer asked for)."""
    try:
        came = _what_came(response)
    except httpx2.ResponseNotRead:  # a download, still streaming: its type tells enough
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        came = f"a body of type {kind or 'unknown'}"
    came = came.replace("JSON that is not Backlog's", "JSON of another shape" if misshapen else "JSON")
    return f"HTTP {response.status_code} with {came} but none of the X-RateLimit-* headers Backlog sends"


def not_a_space(
    response: httpx2.Response, base: httpx2.URL, what: str, evidence: str
) -> BacklogNotASpaceError:
    """The error for an answer no Backlog space gives; `evidence` says what came instead."""
    return BacklogNotASpaceError(
        f"{_origin(base)} did not answer like a Backlog space when asked for {what} ({evidence}). "
        "Check that BACKLOG_BASE_URL is your space's own address as the browser shows it "
        "(https://your-space.backlog.com, .backlog.jp or .backlogtool.com: a .com address does not "
        "reach a .jp space) and that no proxy or login page stands in between."
    )


def _error_details(response: httpx2.Response, secrets: tuple[str, ...]) -> tuple[ErrorDetail, ...] | None:
    """Backlog's error entries, any credential they quote masked (a server may echo the request's
    URL, key and all); None when the body is not Backlog's error shape at all."""
    try:
        body = response.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return None
    details = []
    for item in errors:
        if isinstance(item, dict) and item.get("message"):
            code = item.get("code")
            details.append(
                ErrorDetail(
                    message=redact(str(item["message"]), secrets),
                    code=code if isinstance(code, int) else None,
                    more_info=redact(str(item.get("moreInfo") or ""), secrets),
                )
            )
    return tuple(details)


@dataclass(frozen=True, slots=True)
class ErrorMapping:
    """Turns an error response into the `BacklogError` a caller can act on.

    `when` formats the 429's reset time: the server passes the renderer's format, so that time
    reads like every other date it shows.
    """

    base: httpx2.URL
    uses_token: bool
    when: Callable[[datetime], str] = iso_utc
    secrets: tuple[str, ...] = ()
    source: str | None = None
    """Where the credential came from (a request header); None: the BACKLOG_ setting."""

    def error_for(
        self, response: httpx2.Response, what: str, now: datetime, *, verb: str = "read"
    ) -> BacklogError:
        """`verb`: what was being done to `what` ("read", "write"), for the sentence."""
        status = response.status_code
        doing = "writing" if verb == "write" else "reading"
        if response.is_redirect:
            return not_a_space(response, self.base, what, f"HTTP {status}, {_redirect_to(response)}")
        details = _error_details(response, self.secrets)
        oauth_401 = status == 401 and self.uses_token  # Backlog sends no body with these
        if details is None and 400 <= status < 500 and status != 429 and not oauth_401:
            return not_a_space(response, self.base, what, f"HTTP {status} with {_what_came(response)}")
        backlogs_body = details is not None
        details = details or ()
        if status == 401:
            return BacklogAuthError(self._auth_advice(response), status=status, details=details)
        if status == 403:
            return BacklogPermissionError(
                f"Not permitted to {verb} {what} (HTTP 403): the Backlog user behind these credentials "
                "has no access to it.",
                status=status,
                details=details,
            )
        if status == 404:
            return BacklogNotFoundError(f"{_capitalise(what)} not found.", status=status, details=details)
        if status == 429:
            reset_at = _reset_from(response)
            return BacklogRateLimitError(
                self._rate_limit_message(reset_at, now), status=status, details=details, reset_at=reset_at
            )
        if status >= 500:
            failed = f"Backlog failed with HTTP {status} while {doing} {what}."
            if not backlogs_body and _what_came(response) == "an HTML page":  # a proxy's, not Backlog's
                failed = (
                    f"Backlog, or a proxy in front of it, failed with HTTP {status} while {doing} {what} "
                    f"(an HTML page, not Backlog's answer): if {self.base.host} is not your space's own "
                    "address, correct BACKLOG_BASE_URL."
                )
            return BacklogServerError(failed, status=status, details=details)
        if status == 400:
            return BacklogInvalidRequestError(
                f"Backlog rejected the request for {what} (HTTP 400).", status=status, details=details
            )
        return BacklogAPIError(
            f"Backlog answered HTTP {status} while {doing} {what}.", status=status, details=details
        )

    def _auth_advice(self, response: httpx2.Response) -> str:
        if self.uses_token:
            described = _bearer_error_description(response.headers.get("www-authenticate", ""))
            reason = f" ({described})" if described else ""
            return (
                f"Backlog rejected the access token (HTTP 401){reason}: OAuth tokens last one hour; "
                f"{'send' if self.source else 'set'} a fresh {self.source or 'BACKLOG_ACCESS_TOKEN'}."
            )
        if self.source:  # a caller's own key: the space is the server's, not theirs to choose
            return (
                f"Backlog rejected the API key sent as {self.source} (HTTP 401): send a key of a user "
                f"of {self.base.host}, the space this server serves."
            )
        return (
            "Backlog rejected the API key (HTTP 401): check BACKLOG_API_KEY and that BACKLOG_BASE_URL "
            f"is the space the key belongs to ({self.base.host})."
        )

    def _rate_limit_message(self, reset_at: datetime | None, now: datetime) -> str:
        if reset_at is None:
            return "Backlog's rate limit is used up (HTTP 429). Wait a minute, then retry."
        seconds = max(0, round((reset_at - now).total_seconds()))
        return (
            f"Backlog's rate limit is used up (HTTP 429). It resets at {self.when(reset_at)} "
            f"(in {seconds} s): retry after that."
        )


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _bearer_error_description(header: str) -> str:
    marker = 'error_description="'
    if marker not in header:
        return ""
    return header.split(marker, 1)[1].split('"', 1)[0]


def _reset_from(response: httpx2.Response) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(response.headers["x-ratelimit-reset"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return None


def rate_limit_from(response: httpx2.Response) -> RateLimitInfo | None:
    reset_at = _reset_from(response)
    try:
        limit = int(response.headers["x-ratelimit-limit"])
        remaining = int(response.headers["x-ratelimit-remaining"])
    except (KeyError, ValueError):
        return None
    return RateLimitInfo(limit=limit, remaining=remaining, reset_at=reset_at) if reset_at else None
