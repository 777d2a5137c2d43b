"""The HTTP client and the Backlog client as the settings describe them: one place for both users."""

from __future__ import annotations

from collections.abc import Callable

import httpx2

from backlog_mcp.backlog.client import BacklogClient, make_http_client
from backlog_mcp.config import Settings
from backlog_mcp.render.text import RenderContext

__all__ = ["backlog_for", "http_client_for"]


def _secret_values(settings: Settings) -> tuple[str | None, str | None]:
    key = settings.api_key.get_secret_value() if settings.api_key else None
    token = settings.access_token.get_secret_value() if settings.access_token else None
    return key, token


def http_client_for(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """An HTTP client for the space; the bearer token goes in only when no API key is set."""
    key, token = _secret_values(settings)
    return make_http_client(
        settings.base_url,
        timeout_seconds=settings.timeout_seconds,
        access_token=None if key else token,
        transport=transport,
    )


def backlog_for(
    settings: Settings, http: httpx2.AsyncClient | Callable[[], httpx2.AsyncClient]
) -> BacklogClient:
    """The API over `http` (or a factory for it), with the settings' retries and waits; its errors
    tell times as every rendered date does (ISO 8601 in BACKLOG_TIMEZONE)."""
    key, token = _secret_values(settings)
    return BacklogClient(
        http,
        api_key=key,
        uses_token=token is not None,
        max_retries=settings.max_retries,
        rate_limit_max_wait=settings.rate_limit_max_wait_seconds,
        when=RenderContext(zone=settings.zone, base_url=settings.base_url).when,
        request_budget=settings.timeout_seconds,
    )
