"""Every expected failure reaches the model as one clear sentence, never a traceback or a secret."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mcp import Client
from mcp.types import TextContent

from backlog_mcp import cli
from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio


async def test_missing_issue_is_named(client: Client) -> None:
    text = await call_error(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-9999"})
    assert text == (
        "Error executing tool backlog_get_issue: Issue DEMO-9999 not found. Backlog said: No issue. "
        "backlog_get_issue_list finds issues."
    )


async def test_missing_project_is_named(client: Client) -> None:
    text = await call_error(client, "backlog_get_issue_list", {"projectIdOrKey": "NOPE"})
    assert "Project NOPE not found" in text


async def test_an_unknown_numeric_project_id_is_named_not_an_empty_list(client: Client) -> None:
    for tool in ("backlog_get_issue_list", "backlog_count_issues"):
        text = await call_error(client, tool, {"projectIdOrKey": "99999"})
        assert "Project 99999 not found" in text


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"count": 500}, "count must be 1 to 100 (got 500)"),
        ({"count": 0}, "count must be 1 to 100 (got 0)"),
        ({"statusId": "open"}, "statusId[0] takes numeric IDs, not names (got 'open')"),
        ({"order": "newest"}, "order must be one of 'asc' or 'desc' (got 'newest')"),
        ({"createdSince": "2026/01/01"}, "createdSince must be a date as yyyy-MM-dd"),
        ({"parentChild": 9}, "parentChild must be 0 to 4 (got 9)"),
        ({"sort": "bogus"}, "sort must be one of issueType, category"),
        ({"projectIdOrKey": "a/b"}, "projectIdOrKey takes project keys"),
    ],
)
async def test_bad_arguments_name_the_argument_and_what_is_accepted(
    client: Client, arguments: dict[str, object], expected: str
) -> None:
    text = await call_error(client, "backlog_get_issue_list", arguments)
    assert expected in text
    assert "pydantic" not in text
    assert "Traceback" not in text


async def test_a_misspelt_argument_is_refused_not_silently_dropped(client: Client) -> None:
    text = await call_error(client, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "status": [1]})
    assert "status is not an argument of this tool (did you mean statusId?); its arguments are: " in text
    text = await call_error(client, "backlog_count_issues", {"projectIdOrKey": "DEMO", "count": 5})
    assert "count is not an argument of this tool; its arguments are: projectIdOrKey, statusId" in text


async def test_bad_issue_key_explains_the_form(client: Client) -> None:
    text = await call_error(client, "backlog_get_issue", {"issueIdOrKey": "not a key"})
    assert "like DEMO-12" in text


async def test_missing_required_argument(client: Client) -> None:
    text = await call_error(client, "backlog_get_issue", {})
    assert "issueIdOrKey is required" in text


async def test_wrong_api_key_says_to_check_it_without_showing_it(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-key-0f1e2d3c4b5a"
    settings = load_settings(base_url=sandbox.base_url, api_key=wrong)
    with caplog.at_level(logging.DEBUG):
        async with Client(build_server(settings)) as client:
            text = await call_error(client, "backlog_get_priorities")
    assert "Backlog rejected the API key (HTTP 401): check BACKLOG_API_KEY" in text
    assert "Authentication failure" in text
    assert wrong not in text
    assert wrong not in caplog.text


async def test_server_errors_are_retried_transparently(client: Client, sandbox: SandboxServer) -> None:
    sandbox.faults.fail_next = 1
    sandbox.faults.fail_status = 503
    assert "priorities" in await call(client, "backlog_get_priorities")


async def test_rate_limit_near_reset_is_waited_out(client: Client, sandbox: SandboxServer) -> None:
    sandbox.faults.throttle_next = 1
    sandbox.faults.throttle_reset_seconds = 1
    assert "priorities" in await call(client, "backlog_get_priorities")


async def test_rate_limit_far_from_reset_says_when_to_retry_in_the_format_of_every_date(
    sandbox: SandboxServer,
) -> None:
    settings = load_settings(
        base_url=sandbox.base_url,
        api_key=sandbox.api_key,
        rate_limit_max_wait_seconds=0,
        timezone="Asia/Tokyo",
    )
    sandbox.faults.throttle_next = 1
    sandbox.faults.throttle_reset_seconds = 30
    async with Client(build_server(settings)) as client:
        text = await call_error(client, "backlog_get_priorities")
    assert "rate limit is used up (HTTP 429)" in text
    # As render/text.py shows every date: ISO 8601 to the minute in BACKLOG_TIMEZONE.
    assert re.search(r"It resets at \d{4}-\d\d-\d\dT\d\d:\d\d\+09:00 \(in \d+ s\): retry after that\.", text)


async def test_unreachable_backlog_is_a_clear_error() -> None:
    settings = load_settings(base_url="http://127.0.0.1:9", api_key="k", max_retries=0)
    async with Client(build_server(settings)) as client:
        text = await call_error(client, "backlog_get_projects")
    assert "Could not reach Backlog at 127.0.0.1" in text


async def test_a_low_rate_limit_is_announced_before_it_runs_out(
    client: Client, sandbox: SandboxServer
) -> None:
    plenty = await client.call_tool("backlog_get_comments", {"issueIdOrKey": "DEMO-1"})
    assert len(plenty.content) == 1
    sandbox.reset_rate_limits()
    sandbox.faults.rate_limits["read"] = 6
    result = await client.call_tool("backlog_get_comments", {"issueIdOrKey": "DEMO-1", "count": 1})
    assert not result.is_error
    note = result.content[-1]
    assert isinstance(note, TextContent)
    assert note.text.startswith("Note: Backlog's rate limit is low: ")
    assert "of 6 requests of this kind left until " in note.text


def _answering(status: int, body: bytes, content_type: str) -> type[BaseHTTPRequestHandler]:
    """A web server that is not Backlog, giving every path the same answer (and no X-RateLimit-*)."""

    class NotBacklog(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # stdout/stderr stay quiet
            pass

    return NotBacklog


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def not_backlog() -> Iterator[str]:
    """A web server's own 404 page for every path, as a `.com` address of a `.jp` space or a proxy gives."""
    page = b"<!doctype html><title>404 Not Found</title><h1>Not Found</h1>"
    with _serving(_answering(404, page, "text/html")) as url:
        yield url


# Some other JSON API at the configured address: what it says is well-formed, and not Backlog's.
@pytest.fixture(params=[b'{"ok":true}', b"[]"], ids=["object", "empty-list"])
def other_json_api(request: pytest.FixtureRequest) -> Iterator[str]:
    with _serving(_answering(200, request.param, "application/json")) as url:
        yield url


NOT_A_SPACE = "did not answer like a Backlog space when asked for "


async def test_an_address_that_is_not_a_backlog_space_is_named_as_such_by_every_tool(
    not_backlog: str,
) -> None:
    settings = load_settings(base_url=not_backlog, api_key="k", max_retries=0)
    async with Client(build_server(settings)) as client:
        for tool, arguments in [
            ("backlog_get_projects", {}),
            ("backlog_get_issue", {"issueIdOrKey": "DEMO-1"}),
            ("backlog_get_issue_list", {"projectIdOrKey": "DEMO"}),
            ("backlog_get_statuses", {"projectIdOrKey": "DEMO"}),
        ]:
            text = await call_error(client, tool, arguments)
            assert f"{not_backlog} {NOT_A_SPACE}" in text, text
            assert "(HTTP 404 with an HTML page)" in text
            assert "Check that BACKLOG_BASE_URL is your space's own address" in text
            assert "not found" not in text


def test_check_says_the_address_is_not_a_backlog_space_rather_than_user_not_found(
    not_backlog: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("BACKLOG_BASE_URL", not_backlog)
    monkeypatch.setenv("BACKLOG_API_KEY", "k")
    monkeypatch.setenv("BACKLOG_MAX_RETRIES", "0")
    assert cli.main(["check"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert f"{not_backlog} {NOT_A_SPACE}" in err
    assert "The current user not found" not in err


NO_HEADERS = "(HTTP 200 with JSON but none of the X-RateLimit-* headers Backlog sends)"


async def test_another_json_api_at_the_address_is_named_as_not_backlog_by_every_tool_not_read_as_empty(
    other_json_api: str,
) -> None:
    settings = load_settings(base_url=other_json_api, api_key="k", max_retries=0)
    async with Client(build_server(settings)) as client:
        for tool, arguments in [
            ("backlog_get_projects", {}),
            ("backlog_get_issue", {"issueIdOrKey": "DEMO-1"}),
            ("backlog_get_issue_list", {"projectIdOrKey": "DEMO"}),
            ("backlog_get_priorities", {}),
        ]:
            text = await call_error(client, tool, arguments)
            assert f"{other_json_api} {NOT_A_SPACE}" in text, text
            assert NO_HEADERS in text
            assert "Check that BACKLOG_BASE_URL is your space's own address" in text
            assert "No projects" not in text
            assert "unexpected shape" not in text


def test_check_names_another_json_api_as_not_a_backlog_space(
    other_json_api: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("BACKLOG_BASE_URL", other_json_api)
    monkeypatch.setenv("BACKLOG_API_KEY", "k")
    monkeypatch.setenv("BACKLOG_MAX_RETRIES", "0")
    assert cli.main(["check"]) == cli.EXIT_FAILED
    captured = capsys.readouterr()
    assert f"{other_json_api} {NOT_A_SPACE}" in captured.err
    assert NO_HEADERS in captured.err
    assert "unexpected shape" not in captured.err
    assert "OK." not in captured.out
