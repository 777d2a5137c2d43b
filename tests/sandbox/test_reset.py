"""`SandboxServer.reset()`, by which the write tests share one sandbox per worker: after a reset the
sandbox answers exactly as a new `SandboxServer()` does, whatever was written, faulted or logged."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx2

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.faults import Faults
from backlog_mcp.sandbox.landmarks import WIKI_PAGE_IDS
from backlog_mcp.sandbox.ratelimit import RateLimiter
from backlog_mcp.sandbox.site import Endpoints

_DEMO = 10001
_BUG = 1073790100
_ADMIN, _OTHER = 1073741901, 1073741903
_HOME = WIKI_PAGE_IDS["DEMO/Home"]
_PR = "/projects/DEMO/git/repositories/web-app/pullRequests/1"
# Reads that each show what a write below changed (and the rate-limit buckets they draw on).
_READS: list[tuple[str, dict[str, Any]]] = [
    ("/issues", {"count": 100, "projectId[]": _DEMO, "sort": "created", "order": "asc"}),
    ("/issues/count", {}),
    ("/issues/DEMO-1", {}),
    ("/issues/DEMO-1/comments", {"count": 100}),
    ("/issues/DEMO-1/comments/count", {}),
    ("/issues/DEMO-2", {}),
    ("/documents/tree", {"projectIdOrKey": "DEMO"}),
    ("/wikis", {"projectIdOrKey": "DEMO"}),
    (f"/wikis/{_HOME}", {}),
    (f"{_PR}/comments", {"count": 100}),
    (f"{_PR}/comments/count", {}),
    ("/notifications", {"count": 100}),
    ("/notifications/count", {"alreadyRead": "false"}),
    (f"/users/{_ADMIN}/watchings", {"count": 100}),
    (f"/users/{_ADMIN}/watchings/count", {}),
]


def _answer(response: httpx2.Response) -> tuple[int, Any, str | None]:
    body = response.json() if response.content else None
    return response.status_code, body, response.headers.get("x-ratelimit-remaining")


def _write_everywhere(api: httpx2.Client) -> list[tuple[int, Any, str | None]]:
    """One successful request to each write route of the sandbox, with the answers."""
    answers = []

    def sent(response: httpx2.Response) -> dict[str, Any]:
        assert response.is_success, (response.request.url, response.text)
        answers.append(_answer(response))
        return response.json() if response.content else {}

    upload = sent(api.post("/space/attachment", files={"file": ("画面.png", b"\x89PNG", "image/png")}))
    form = {"projectId": _DEMO, "summary": "ログイン画面が崩れる", "issueTypeId": _BUG, "priorityId": 3}
    sent(api.post("/issues", data={**form, "attachmentId[]": upload["id"]}))
    sent(api.patch("/issues/DEMO-2", data={"summary": "changed", "statusId": "4", "comment": "済"}))
    comment = sent(api.post("/issues/DEMO-1/comments", data={"content": "typo"}))
    sent(api.patch(f"/issues/DEMO-1/comments/{comment['id']}", data={"content": "fixed"}))
    sent(api.post("/documents", data={"projectId": _DEMO, "title": "新しい文書", "content": "本文"}))
    sent(api.post("/wikis", data={"projectId": _DEMO, "name": "手順/デプロイ", "content": "1. make\n"}))
    sent(api.patch(f"/wikis/{_HOME}", data={"content": "新しい内容\n"}))
    sent(api.post(f"{_PR}/comments", data={"content": "LGTM", "notifiedUserId[]": [_OTHER]}))
    unread = next(n for n in api.get("/notifications", params={"count": 100}).json() if not n["alreadyRead"])
    sent(api.post(f"/notifications/{unread['id']}/markAsRead"))
    sent(api.post("/notifications/markAsRead"))
    watched = sent(api.post("/watchings", data={"issueIdOrKey": "DEMO-53", "note": "n"}))
    sent(api.patch(f"/watchings/{watched['id']}", data={"note": "m"}))
    sent(api.delete(f"/watchings/{sent(api.post('/watchings', data={'issueIdOrKey': 'DEMO-3'}))['id']}"))
    return answers


def _session(sandbox: SandboxServer) -> tuple[list[Any], list[Any], list[Any]]:
    """The answers to the reads, then to the writes, then to the reads again."""
    with httpx2.Client(
        base_url=f"{sandbox.base_url}/api/v2", params={"apiKey": sandbox.api_key}, timeout=30
    ) as api:
        before = [_answer(api.get(path, params=params)) for path, params in _READS]
        writes = _write_everywhere(api)
        after = [_answer(api.get(path, params=params)) for path, params in _READS]
    return before, writes, after


def _write_routes_used(sandbox: SandboxServer) -> set[tuple[str, tuple[str, ...]]]:
    endpoints = Endpoints(DemoSpace(), Faults(), RateLimiter())
    used = set()
    for record in sandbox.requests:
        if record.method not in ("GET", "HEAD"):
            resolved = endpoints.resolve(record.path.removeprefix("/api/v2/"), record.method)
            assert resolved is not None, record
            used |= {(m, p) for m, p, handler in endpoints.write_routes if handler is resolved[0]}
    return used


def test_a_reset_sandbox_answers_reads_and_writes_as_a_new_one_after_a_write_to_every_route() -> None:
    every_write_route = {(m, p) for m, p, _ in Endpoints(DemoSpace(), Faults(), RateLimiter()).write_routes}
    with SandboxServer() as used, SandboxServer() as fresh:
        first = _session(used)
        before, _, after = first
        unchanged = [p for (p, _), a, b in zip(_READS, before, after, strict=True) if a[1] == b[1]]
        assert unchanged == []  # each read shows a write: a leftover would show there
        assert _write_routes_used(used) == every_write_route  # a new write route must be added above
        used.faults.fail_next, used.faults.rate_limits = 3, {"read": 5}
        used.reset()
        assert used.requests == []
        assert used.faults == Faults()
        assert _session(used) == first
        assert _session(fresh) == first


def test_a_reset_keeps_the_address_and_the_fault_object_the_caller_holds() -> None:
    with SandboxServer() as sandbox:
        base_url, faults = sandbox.base_url, sandbox.faults
        faults.throttle_next = 1
        sandbox.reset()
        assert sandbox.base_url == base_url
        assert sandbox.faults is faults
        assert faults.throttle_next == 0
        response = httpx2.get(f"{base_url}/api/v2/space", params={"apiKey": sandbox.api_key})
        assert response.status_code == 200
        assert [(r.method, r.path) for r in sandbox.requests] == [("GET", "/api/v2/space")]


def test_a_request_answered_after_a_reset_by_the_old_space_is_not_logged_in_the_new_one() -> None:
    with SandboxServer() as sandbox, httpx2.Client(timeout=30) as client:
        sandbox.faults.write_answer_delay_seconds = 0.3  # done at once, answered (and logged) later
        url = f"{sandbox.base_url}/api/v2/issues/DEMO-1/comments?apiKey={sandbox.api_key}"
        answered: list[int] = []
        thread = threading.Thread(
            target=lambda: answered.append(client.post(url, data={"content": "late"}).status_code)
        )
        thread.start()
        old = sandbox.space.issue("DEMO-1")
        assert old is not None
        _until(lambda: any(c["content"] == "late" for c in old.comments))
        sandbox.reset()
        thread.join()
        assert answered == [201]
        assert sandbox.requests == []
        new = sandbox.space.issue("DEMO-1")
        assert new is not None
        assert not any(c["content"] == "late" for c in new.comments)


def _until(condition: Callable[[], bool]) -> None:
    """Polled: the sandbox's thread makes it true, and no event says when."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)
