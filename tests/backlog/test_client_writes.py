"""The client's write path: form bodies as Backlog reads them, and a write never sent twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx2
import pytest

from backlog_mcp.backlog.client import BacklogClient, make_http_client
from backlog_mcp.backlog.models import Attachment, Model
from backlog_mcp.errors import BacklogInvalidRequestError, BacklogRateLimitError, BacklogWriteUncertainError
from backlog_mcp.sandbox import SandboxServer
from tests.backlog.test_client import KEY, NOW, Recorder, _error

pytestmark = pytest.mark.anyio

CHECK = "look at backlog_get_comments before sending it again"


class Created(Model):
    id: int


def _client(recorder: Recorder, **options: Any) -> BacklogClient:
    http = make_http_client(
        "https://space.backlog.com", timeout_seconds=5, transport=httpx2.MockTransport(recorder)
    )
    defaults: dict[str, Any] = {
        "api_key": KEY,
        "max_retries": 3,
        "sleep": recorder.sleep,
        "clock": lambda: NOW,
    }
    return BacklogClient(http, **(defaults | options))


async def _post(client: BacklogClient, form: dict[str, Any] | None = None) -> Created:
    return await client.send_form(
        Created,
        "POST",
        "issues/DEMO-1/comments",
        form or {"content": "x"},
        what="a comment on DEMO-1",
        check=CHECK,
    )


async def test_a_write_sends_a_form_body_with_backlogs_array_syntax_and_the_key_only_in_the_query() -> None:
    recorder = Recorder(httpx2.Response(201, json={"id": 7}))
    created = await _post(
        _client(recorder), {"content": "日本語", "notifiedUserId": [1, 2], "customField_5": "a"}
    )
    assert created.id == 7
    request = recorder.requests[0]
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    body = parse_qsl(request.content.decode())
    assert body == [
        ("content", "日本語"),
        ("notifiedUserId[]", "1"),
        ("notifiedUserId[]", "2"),
        ("customField_5", "a"),
    ]
    assert KEY not in request.content.decode()
    assert request.url.params["apiKey"] == KEY


@pytest.mark.parametrize(
    "failure",
    [httpx2.ReadTimeout("slow"), httpx2.RemoteProtocolError("dropped"), httpx2.WriteError("broken")],
    ids=["timeout", "dropped", "broken-while-sending"],
)
async def test_a_write_that_got_no_answer_is_not_sent_again_and_says_how_to_check(failure: Exception) -> None:
    recorder = Recorder(failure, httpx2.Response(201, json={"id": 7}))
    with pytest.raises(BacklogWriteUncertainError) as caught:
        await _post(_client(recorder))
    assert len(recorder.requests) == 1
    message = str(caught.value)
    assert "may or may not have been done" in message
    assert CHECK in message
    assert KEY not in message


async def test_a_write_answered_with_a_5xx_is_not_sent_again() -> None:
    recorder = Recorder(_error(500, "Internal Server Error.", 0), httpx2.Response(201, json={"id": 7}))
    with pytest.raises(BacklogWriteUncertainError, match="HTTP 500 while writing a comment on DEMO-1"):
        await _post(_client(recorder))
    assert len(recorder.requests) == 1


async def test_a_write_whose_connection_was_never_made_is_sent_again() -> None:
    recorder = Recorder(httpx2.ConnectError("refused"), httpx2.Response(201, json={"id": 7}))
    assert (await _post(_client(recorder))).id == 7
    assert len(recorder.requests) == 2


async def test_a_write_refused_by_the_rate_limit_is_sent_again_after_the_reset() -> None:
    reset = str(int(NOW.timestamp()) + 3)
    throttled = _error(429, "Rate limit exceeded.", 13, **{"X-RateLimit-Reset": reset})
    recorder = Recorder(throttled, httpx2.Response(201, json={"id": 7}))
    assert (await _post(_client(recorder))).id == 7
    assert len(recorder.requests) == 2
    assert recorder.sleeps
    assert recorder.sleeps[0] >= 3


async def test_a_write_refused_by_a_rate_limit_far_from_its_reset_fails_once() -> None:
    reset = str(int(NOW.timestamp()) + 3600)
    recorder = Recorder(_error(429, "Rate limit exceeded.", 13, **{"X-RateLimit-Reset": reset}))
    with pytest.raises(BacklogRateLimitError):
        await _post(_client(recorder))
    assert len(recorder.requests) == 1


async def test_a_rejected_write_says_what_backlog_said_and_is_not_retried() -> None:
    recorder = Recorder(_error(400, "Please enter content.", 7))
    with pytest.raises(BacklogInvalidRequestError, match="Please enter content"):
        await _post(_client(recorder))
    assert len(recorder.requests) == 1


async def test_a_write_answered_204_gives_none() -> None:
    recorder = Recorder(httpx2.Response(204))
    client = _client(recorder)
    answer: object = await client.send_form(
        type(None), "POST", "notifications/1/markAsRead", what="x", check=CHECK
    )
    assert answer is None
    assert len(recorder.requests) == 1


async def test_a_write_that_times_out_after_the_sandbox_did_it_is_done_once(
    write_sandbox: SandboxServer,
) -> None:
    sandbox = write_sandbox
    sandbox.faults.write_answer_delay_seconds = 5.0
    http = make_http_client(sandbox.base_url, timeout_seconds=0.3)
    client = BacklogClient(http, api_key=sandbox.api_key, request_budget=0.3)
    try:
        with pytest.raises(BacklogWriteUncertainError):
            await client.send_form(
                Created,
                "POST",
                "issues/DEMO-1/comments",
                {"content": "once"},
                what="a comment",
                check=CHECK,
            )
        # A retry would have been sent, and done at once, before the error was raised.
        sandbox.faults.write_answer_delay_seconds = 0
        comments = await client.get_json("issues/DEMO-1/comments", {"count": 100}, what="comments")
    finally:
        await http.aclose()
    assert [c["content"] for c in comments].count("once") == 1


async def test_an_upload_streams_the_file_as_multipart(tmp_path: Path, write_sandbox: SandboxServer) -> None:
    file = tmp_path / "報告.txt"
    file.write_bytes(b"hello")
    http = make_http_client(write_sandbox.base_url, timeout_seconds=5)
    client = BacklogClient(http, api_key=write_sandbox.api_key)
    try:
        uploaded = await client.send_form(
            Attachment,
            "POST",
            "space/attachment",
            what="the upload",
            check=CHECK,
            files=(file.name, lambda: file.open("rb")),
        )
    finally:
        await http.aclose()
    assert uploaded.name == "報告.txt"
    assert uploaded.size == 5
