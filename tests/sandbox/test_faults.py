"""Fault injection: latency, forced 429s, forced failures, failing and truncated downloads."""

from __future__ import annotations

import time

import httpx2
import pytest

from backlog_mcp.sandbox import LARGE_ATTACHMENT_NAME, PARENT_ISSUE, Faults, SandboxServer

ATTACHMENTS = f"/issues/{PARENT_ISSUE}/attachments"


def attachment_id(api: httpx2.Client, name: str) -> int:
    return int(next(a["id"] for a in api.get(ATTACHMENTS).json() if a["name"] == name))


def test_throttle_next_answers_429_then_recovers(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.faults.throttle_next = 2
    sandbox.faults.throttle_reset_seconds = 5
    before = time.time()
    throttled = [api.get("/issues"), api.get("/projects")]
    for response in throttled:
        assert response.status_code == 429
        assert response.json()["errors"][0]["code"] == 13
        assert response.headers["x-ratelimit-remaining"] == "0"
        assert before + 4 <= int(response.headers["x-ratelimit-reset"]) <= time.time() + 6
    assert throttled[0].headers["x-ratelimit-limit"] == "150"
    assert throttled[1].headers["x-ratelimit-limit"] == "600"
    assert sandbox.faults.throttle_next == 0
    assert api.get("/projects").status_code == 200


def test_throttle_applies_only_after_authentication(sandbox: SandboxServer, anonymous: httpx2.Client) -> None:
    sandbox.faults.throttle_next = 1
    assert anonymous.get("/api/v2/projects").status_code == 401
    assert sandbox.faults.throttle_next == 1


@pytest.mark.parametrize(("status", "code"), [(500, 1), (503, 1), (403, 5)])
def test_fail_next(sandbox: SandboxServer, api: httpx2.Client, status: int, code: int) -> None:
    sandbox.faults.fail_next = 1
    sandbox.faults.fail_status = status
    failed = api.get("/space")
    assert failed.status_code == status
    assert failed.json()["errors"][0]["code"] == code
    assert "x-ratelimit-remaining" in failed.headers
    assert api.get("/space").status_code == 200


def test_failing_attachment(sandbox: SandboxServer, api: httpx2.Client) -> None:
    target = attachment_id(api, "notes.txt")
    sandbox.faults.fail_attachment_ids.add(target)
    response = api.get(f"{ATTACHMENTS}/{target}")
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == 1
    other = attachment_id(api, "data.csv")
    assert api.get(f"{ATTACHMENTS}/{other}").status_code == 200


def test_truncated_download_breaks_the_stream(sandbox: SandboxServer, api: httpx2.Client) -> None:
    target = attachment_id(api, LARGE_ATTACHMENT_NAME)
    sandbox.faults.truncate_attachment_ids.add(target)
    sizes: list[int] = []
    announced: list[int] = []

    def download() -> None:
        with api.stream("GET", f"{ATTACHMENTS}/{target}") as response:
            announced.append(int(response.headers["content-length"]))
            sizes.extend(len(chunk) for chunk in response.iter_raw())

    with pytest.raises(httpx2.RemoteProtocolError):
        download()
    assert 0 < sum(sizes) < announced[0]
    assert sandbox.requests[-1].status == 200
    # The server is fine afterwards.
    assert api.get("/space").status_code == 200


def test_latency_delays_every_api_answer(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.faults.latency_seconds = 0.25
    started = time.perf_counter()
    assert api.get("/space").status_code == 200
    assert time.perf_counter() - started >= 0.25


def test_assigning_faults_updates_the_live_object(sandbox: SandboxServer, api: httpx2.Client) -> None:
    live = sandbox.faults
    sandbox.faults = Faults(fail_next=1, fail_status=502)
    assert sandbox.faults is live
    assert api.get("/space").status_code == 502
    assert api.get("/space").status_code == 200
