"""The HTTP client and the Backlog client as the settings describe them: one place for both users.

The HTTP client carries no credential: each `BacklogClient` sends its own, so one connection pool
serves the server's own key and every caller's (per-user credentials over HTTP) alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import httpx2

from backlog_mcp.backlog.client import BacklogClient, make_http_client
from backlog_mcp.config import Settings
from backlog_mcp.render.text import RenderContext

__all__ = ["Credential", "backlog_for", "http_client_for", "own_credential"]


@dataclass(frozen=True, slots=True)
class Credential:
    """A Backlog API key or OAuth access token; `header`: the request header a caller sent it in
    (named when Backlog rejects it), None for the server's own."""

    kind: Literal["api_key", "access_token"]
    secret: str = field(repr=False)
    header: str | None = None

    @property
    def fingerprint(self) -> str:
        """Names the credential without revealing it: a digest's first 16 hex digits."""
        return hashlib.sha256(f"{self.kind}\0{self.secret}".encode()).hexdigest()[:16]

    @property
    def folder(self) -> str:
        """The caller's own part of BACKLOG_WORKSPACE (`users/<fingerprint>`): what one caller
        downloads or exports, another can neither read, overwrite nor attach."""
        return f"users/{self.fingerprint}"


def own_credential(settings: Settings) -> Credential | None:
    """The server's own: the API key wins over a token, as in Nulab's clients."""
    if settings.api_key is not None:
        return Credential("api_key", settings.api_key.get_secret_value())
    if settings.access_token is not None:
        return Credential("access_token", settings.access_token.get_secret_value())
    return None


def http_client_for(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """The connection-pooled HTTP client for the space, without credentials."""
    return make_http_client(settings.base_url, timeout_seconds=settings.timeout_seconds, transport=transport)


def backlog_for(
    settings: Settings,
    http: httpx2.AsyncClient | Callable[[], httpx2.AsyncClient],
    credential: Credential | None = None,
) -> BacklogClient:
    """The API over `http` (or a factory for it) as `credential` (default: the server's own), with
    the settings' retries and waits; its errors tell times as every rendered date does."""
    credential = credential or own_credential(settings)
    kind = credential.kind if credential else None
    return BacklogClient(
        http,
        api_key=credential.secret if credential and kind == "api_key" else None,
        access_token=credential.secret if credential and kind == "access_token" else None,
        credential_source=credential.header if credential else None,
        max_retries=settings.max_retries,
        rate_limit_max_wait=settings.rate_limit_max_wait_seconds,
        when=RenderContext(zone=settings.zone, base_url=settings.base_url).when,
        request_budget=settings.timeout_seconds,
    )
