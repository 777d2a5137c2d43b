"""Key resolution and reference-data caching: requests saved are requests not rate-limited."""

from __future__ import annotations

import httpx2
import pytest

from backlog_mcp.aio import gather
from backlog_mcp.backlog.client import BacklogClient, make_http_client
from backlog_mcp.backlog.resolve import Resolver, TTLCache

pytestmark = pytest.mark.anyio
BACKLOG = {
    "X-RateLimit-Limit": "600",
    "X-RateLimit-Remaining": "599",
    "X-RateLimit-Reset": "1605484860",
}  # what every Backlog answer carries


def _api(paths: list[str]) -> BacklogClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.removeprefix("/api/v2/")
        paths.append(path)
        if path.startswith("projects/") and path.count("/") == 1:
            return httpx2.Response(
                200, json={"id": 10001, "projectKey": "DEMO", "name": "Demo"}, headers=BACKLOG
            )
        return httpx2.Response(200, json=[{"id": 1, "name": "Open"}], headers=BACKLOG)

    http = make_http_client(
        "https://s.backlog.com", timeout_seconds=5, transport=httpx2.MockTransport(handler)
    )
    return BacklogClient(http, api_key="k" * 20)


async def test_a_project_key_is_looked_up_once_per_process_even_concurrently() -> None:
    paths: list[str] = []
    resolver = Resolver(_api(paths), ttl_seconds=300)
    ids = await gather(resolver.project_id("DEMO"), resolver.project_id("demo"), resolver.project_id("DEMO"))
    assert ids == (10001, 10001, 10001)
    assert await resolver.project_id("DEMO") == 10001
    assert paths == ["projects/DEMO"]


async def test_numeric_project_ids_are_checked_once_per_process() -> None:
    paths: list[str] = []
    resolver = Resolver(_api(paths), ttl_seconds=300)
    assert await resolver.project_id("10001") == 10001
    assert await resolver.project_id(10001) == 10001
    assert paths == ["projects/10001"]


async def test_reference_data_is_cached_per_project_without_a_key_lookup() -> None:
    paths: list[str] = []
    resolver = Resolver(_api(paths), ttl_seconds=300)
    await resolver.statuses("demo")
    await resolver.statuses("DEMO")
    await resolver.categories("DEMO")
    assert paths == ["projects/DEMO/statuses", "projects/DEMO/categories"]


async def test_ttl_cache_expires() -> None:
    now = [0.0]
    cache = TTLCache(10, clock=lambda: now[0])
    loads: list[int] = []

    async def load() -> int:
        loads.append(1)
        return len(loads)

    assert await cache.get("k", load) == 1
    now[0] = 9.9
    assert await cache.get("k", load) == 1
    now[0] = 10.1
    assert await cache.get("k", load) == 2
