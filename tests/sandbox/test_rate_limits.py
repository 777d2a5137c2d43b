"""X-RateLimit-* headers on every answer, per-bucket budgets, and real 429s."""

from __future__ import annotations

import time

import httpx2
import pytest

from backlog_mcp.sandbox import SandboxServer

HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@pytest.mark.parametrize(
    ("path", "params", "status", "limit"),
    [
        ("/projects", {}, 200, "600"),
        ("/issues", {}, 200, "150"),
        ("/issues/count", {}, 200, "150"),
        ("/issues/NOPE-1", {}, 404, "600"),
        ("/issues", {"count": "0"}, 400, "150"),
        ("/no/such/api", {}, 404, "600"),
    ],
)
def test_every_answer_carries_its_bucket_headers(
    api: httpx2.Client, path: str, params: dict[str, str], status: int, limit: str
) -> None:
    response = api.get(path, params=params)
    assert response.status_code == status
    assert response.headers["x-ratelimit-limit"] == limit
    assert all(name in response.headers for name in HEADERS)


def test_401_carries_headers_too(anonymous: httpx2.Client) -> None:
    response = anonymous.get("/api/v2/projects")
    assert response.status_code == 401
    assert all(name in response.headers for name in HEADERS)


def test_remaining_decreases_per_request_and_reset_is_the_window_end(api: httpx2.Client) -> None:
    before = time.time()
    first = api.get("/projects").headers
    second = api.get("/projects").headers
    assert int(first["x-ratelimit-remaining"]) == 599
    assert int(second["x-ratelimit-remaining"]) == 598
    assert first["x-ratelimit-reset"] == second["x-ratelimit-reset"]
    assert before + 59 <= int(first["x-ratelimit-reset"]) <= time.time() + 61


def test_buckets_are_counted_separately(api: httpx2.Client) -> None:
    api.get("/issues")
    api.get("/issues/count")
    read = api.get("/projects").headers
    search = api.get("/issues").headers
    assert read["x-ratelimit-remaining"] == "599"
    assert search["x-ratelimit-remaining"] == "147"


def test_rate_limit_endpoint_lists_the_four_buckets(api: httpx2.Client) -> None:
    api.get("/issues")
    body = api.get("/rateLimit").json()["rateLimit"]
    assert set(body) == {"read", "update", "search", "icon"}
    assert body["update"] == {"limit": 150, "remaining": 150, "reset": body["update"]["reset"]}
    assert body["search"]["remaining"] == 149
    assert body["read"]["limit"] == 600
    assert body["icon"]["limit"] == 60


def test_exhausted_bucket_answers_429_code_13(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.faults.rate_limits["search"] = 2
    assert api.get("/issues/count").status_code == 200
    assert api.get("/issues/count").status_code == 200
    refused = api.get("/issues/count")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == 13
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-limit"] == "2"
    # The read bucket is untouched by the search budget.
    assert api.get("/projects").status_code == 200


def test_reset_rate_limits_opens_a_new_window(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.faults.rate_limits["read"] = 1
    api.get("/space")
    assert api.get("/space").status_code == 429
    sandbox.reset_rate_limits()
    assert api.get("/space").status_code == 200
