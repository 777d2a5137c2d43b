"""The HTTP client a process uses for Backlog, and the escaping of path segments."""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import quote

import httpx2

from backlog_mcp import __version__

__all__ = ["make_http_client", "segment"]


def segment(value: str | int) -> str:
    """One path segment, escaped so a hostile key cannot walk to another endpoint."""
    return quote(str(value), safe="")


def make_http_client(
    base_url: str,
    *,
    timeout_seconds: float,
    access_token: str | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> httpx2.AsyncClient:
    """The one connection-pooled HTTP client a process uses for Backlog (`{base_url}/api/v2/...`)."""
    headers = {"User-Agent": f"backlog-mcp/{__version__}", "Accept": "application/json"}
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
    return httpx2.AsyncClient(
        base_url=f"{base_url}/api/v2/",
        # No cookie is kept: the API needs none, and one client serves many users' credentials.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        headers=headers,
        timeout=httpx2.Timeout(timeout_seconds),
        # Never followed: the API key rides in the query string, and a redirect (a proxy's login
        # page, `.com` for a `.jp` space) would carry it to whatever host the Location names.
        follow_redirects=False,
        transport=transport,
    )
