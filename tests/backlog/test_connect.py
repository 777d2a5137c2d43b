"""The client and API built from settings: which credential goes where."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2
import pytest

from backlog_mcp.backlog.connect import backlog_for, http_client_for
from backlog_mcp.backlog.space import SpaceEndpoints
from backlog_mcp.config import load_settings
from backlog_mcp.errors import BacklogRateLimitError

pytestmark = pytest.mark.anyio


def _recording() -> tuple[list[httpx2.Request], httpx2.MockTransport]:
    seen: list[httpx2.Request] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=[], headers={"X-RateLimit-Limit": "600"})  # as Backlog's do

    return seen, httpx2.MockTransport(handle)


@pytest.mark.parametrize(
    ("credentials", "query_key", "bearer"),
    [
        ({"api_key": "the-key"}, "the-key", None),
        ({"access_token": "the-token"}, None, "Bearer the-token"),
        ({"api_key": "the-key", "access_token": "the-token"}, "the-key", None),  # the key wins
    ],
)
async def test_one_credential_is_sent_the_way_backlog_takes_it(
    credentials: dict[str, str], query_key: str | None, bearer: str | None
) -> None:
    settings = load_settings(base_url="https://space.backlog.com", **credentials)
    seen, transport = _recording()
    async with http_client_for(settings, transport) as http:
        await SpaceEndpoints(backlog_for(settings, http)).get_priorities()
    assert seen[0].url.params.get("apiKey") == query_key
    assert seen[0].headers.get("Authorization") == bearer


async def test_a_rate_limit_error_tells_its_reset_time_as_every_rendered_date_does() -> None:
    settings = load_settings(
        base_url="https://space.backlog.com",
        api_key="k",
        timezone="Asia/Tokyo",
        rate_limit_max_wait_seconds=0,
    )
    reset = int(datetime(2099, 3, 1, 9, 10, 42, tzinfo=UTC).timestamp())

    def handle(request: httpx2.Request) -> httpx2.Response:
        body = {"errors": [{"message": "Too many requests.", "code": 13, "moreInfo": ""}]}
        return httpx2.Response(429, json=body, headers={"X-RateLimit-Reset": str(reset)})

    async with http_client_for(settings, httpx2.MockTransport(handle)) as http:
        with pytest.raises(BacklogRateLimitError, match=r"It resets at 2099-03-01T18:10\+09:00 \(in \d+ s\)"):
            await SpaceEndpoints(backlog_for(settings, http)).get_priorities()
