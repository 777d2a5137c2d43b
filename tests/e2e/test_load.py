"""Load: 200 concurrent calls over one MCP session against a slow sandbox that throttles and fails.

Every call must come back right (the very answer it gets alone, with no faults), every injected
429 and 5xx must be retried rather than surfaced, memory must stay bounded, and nothing (task,
connection) may outlive the burst. No assertion here is about time; `bench/load.py` measures it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import re
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult, ImageContent, TextContent

from backlog_mcp.config import Settings
from backlog_mcp.sandbox import MANY_COMMENTS_ISSUE, PARENT_ISSUE, SandboxServer
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, text_of

pytestmark = pytest.mark.anyio

CONCURRENT = 200
LATENCY_SECONDS = 0.02
THROTTLED = 25  # injected 429s, each with a reset a second or two ahead
FAILED = 25  # injected 503s
MIB = 1024 * 1024
PEAK_GROWTH_BOUND = 64 * MIB
RETAINED_GROWTH_BOUND = 8 * MIB
_RATE_NOTE = "Note: Backlog's rate limit is low"
_NEXT_PAGE = re.compile(r"^Next page: backlog_get_comments (\{.*\})$", re.MULTILINE)

Call = tuple[str, dict[str, Any]]


def _open_files() -> int:
    """File descriptors this process holds (sockets included): Linux and macOS both list them."""
    folder = Path("/proc/self/fd") if Path("/proc/self/fd").is_dir() else Path("/dev/fd")
    return len(os.listdir(folder))


def _answer(result: CallToolResult) -> list[str]:
    """What a call answered, as comparable strings; a rate-limit note is advice about the moment,
    not part of the answer."""
    blocks: list[str] = []
    for block in result.content:
        if isinstance(block, TextContent) and not block.text.startswith(_RATE_NOTE):
            blocks.append(block.text)
        elif isinstance(block, ImageContent):
            blocks.append(f"{block.mime_type}:{block.data}")
    return blocks


async def _distinct_calls(client: Client) -> list[Call]:
    """The read tools with varied filters, pages and files; IDs come from the sandbox itself."""
    attachments = await call(client, "backlog_get_attachments", {"issueIdOrKey": PARENT_ISSUE})
    ids = {name: int(i) for i, name in re.findall(r"^\|(\d+)\|([^|]+)\|", attachments, re.MULTILINE)}
    pages: list[dict[str, Any]] = [{"issueIdOrKey": MANY_COMMENTS_ISSUE, "count": 20}]
    for _ in range(2):  # the next two pages, by the arguments each page names
        text = await call(client, "backlog_get_comments", pages[-1])
        found = _NEXT_PAGE.search(text)
        assert found is not None, text
        pages.append(json.loads(found[1]))
    issue_lists: list[dict[str, Any]] = [
        {"projectIdOrKey": "DEMO", "count": 10},
        {"projectIdOrKey": "DEMO", "statusId": [1], "count": 5},
        {"projectIdOrKey": "DEMO", "priorityId": [2], "offset": 5, "count": 5},
        {"projectIdOrKey": "DEMO,OPS", "parentChild": 4, "sort": "created", "order": "asc"},
        {"projectIdOrKey": "VNAPP", "count": 3},
    ]
    return [
        *(("backlog_get_issue_list", arguments) for arguments in issue_lists),
        *(
            ("backlog_get_issue", {"issueIdOrKey": key})
            for key in (PARENT_ISSUE, "DEMO-2", "DEMO-3", "DEMO-6", "DEMO-7", "DEMO-11", "VNAPP-1")
        ),
        *(("backlog_get_comments", arguments) for arguments in pages),
        ("backlog_get_comments", {"issueIdOrKey": PARENT_ISSUE, "order": "asc", "count": 5}),
        ("backlog_get_statuses", {"projectIdOrKey": "DEMO"}),
        ("backlog_get_statuses", {"projectIdOrKey": "VNAPP"}),
        ("backlog_get_users", {"projectIdOrKey": "DEMO"}),
        ("backlog_get_users", {"projectIdOrKey": "OPS", "keyword": "tanaka"}),
        *(
            ("backlog_get_attachment_content", {"issueIdOrKey": PARENT_ISSUE, "attachmentId": ids[name]})
            for name in ("notes.txt", "data.csv", "screenshot.png", "server-log-large.log")
        ),
    ]


async def _burst(client: Client, calls: list[Call]) -> list[CallToolResult | None]:
    results: list[CallToolResult | None] = [None] * len(calls)

    async def one(index: int, tool: str, arguments: dict[str, Any]) -> None:
        results[index] = await client.call_tool(tool, arguments)

    with anyio.fail_after(60):  # a deadlock fails the test rather than hanging it
        async with anyio.create_task_group() as group:
            for index, (tool, arguments) in enumerate(calls):
                group.start_soon(one, index, tool, arguments)
    return results


async def _files_settled(target: int) -> int:
    """The open-file count once it is down to `target`, or after 5 s. The sandbox closes its side
    of each connection on its own thread when it reads the EOF: there is no event to wait on."""
    with anyio.move_on_after(5):
        while _open_files() > target:  # noqa: ASYNC110
            await anyio.sleep(0.01)
    return _open_files()


async def test_two_hundred_concurrent_calls_over_one_session_all_come_back_right_through_429s_and_5xx(
    sandbox: SandboxServer, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    files_before = _open_files()
    async with Client(build_server(settings)) as warm:
        distinct = await _distinct_calls(warm)
        # The answer each call gives alone, without faults.
        expected = [_answer(await warm.call_tool(tool, arguments)) for tool, arguments in distinct]
    assert all(expected)
    picks = list(itertools.islice(itertools.cycle(range(len(distinct))), CONCURRENT))
    calls = [distinct[i] for i in picks]

    sandbox.reset_rate_limits()
    sandbox.reset_requests()
    sandbox.faults.latency_seconds = LATENCY_SECONDS
    sandbox.faults.throttle_reset_seconds = 1
    sandbox.faults.fail_status = 503
    sandbox.faults.throttle_next = THROTTLED
    sandbox.faults.fail_next = FAILED
    # A fresh session: its caches (project keys, statuses, users) are filled during the burst.
    async with Client(build_server(settings)) as client:
        tasks_before = len(asyncio.all_tasks())
        tracemalloc.start()
        try:
            traced_before, _ = tracemalloc.get_traced_memory()
            with caplog.at_level(logging.WARNING, logger="backlog_mcp.backlog.client"):
                results = await _burst(client, calls)
            _, peak = tracemalloc.get_traced_memory()
            wrong = [
                (tool, args, text_of(result) if result else None)
                for (tool, args), pick, result in zip(calls, picks, results, strict=True)
                if result is None or result.is_error or _answer(result) != expected[pick]
            ]
            del results  # what stays traced now is what the server (or the sandbox) kept
            traced_after, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        tasks_after = len(asyncio.all_tasks())  # the server's handlers ended with their answers

    assert not wrong, wrong[:3]
    statuses = Counter(r.status for r in sandbox.requests)
    assert statuses[429] == THROTTLED
    assert statuses[503] == FAILED
    assert set(statuses) == {200, 429, 503}
    # Each injected fault was retried, and none was given up on: one retry line per fault. A
    # machine so loaded that a request outlives its timeout retries that too (a connection error).
    retries = Counter(
        re.search(r"failed \((\w+)\); retrying", r.getMessage()).group(1)  # type: ignore[union-attr]
        for r in caplog.records
        if "retrying in" in r.getMessage()
    )
    assert retries["BacklogRateLimitError"] == THROTTLED
    assert retries["BacklogServerError"] == FAILED
    assert set(retries) <= {"BacklogRateLimitError", "BacklogServerError", "BacklogConnectionError"}
    # Dozens of concurrent misses on one cached lookup made one successful request, not dozens.
    cached = Counter(
        r.path for r in sandbox.requests if r.status == 200 and r.path.startswith("/api/v2/projects/")
    )
    assert set(cached) == {
        "/api/v2/projects/DEMO", "/api/v2/projects/OPS", "/api/v2/projects/VNAPP",
        "/api/v2/projects/DEMO/statuses", "/api/v2/projects/VNAPP/statuses",
        "/api/v2/projects/DEMO/users", "/api/v2/projects/OPS/users",
    }  # fmt: skip
    assert set(cached.values()) == {1}
    assert peak - traced_before < PEAK_GROWTH_BOUND
    assert traced_after - traced_before < RETAINED_GROWTH_BOUND
    assert tasks_after == tasks_before
    # The HTTP pools' connections close with their sessions: the count returns to where it began.
    assert await _files_settled(files_before) <= files_before


async def test_concurrent_callers_of_a_failing_cached_lookup_share_its_attempt_rather_than_queue_for_one_each(
    sandbox: SandboxServer, settings: Settings
) -> None:
    # Backlog down for good: the lookup fails after its retries. Had each of the 20 waiting
    # callers made its own attempt in turn, the last would wait 20 times the retry budget.
    sandbox.reset_requests()
    sandbox.faults.latency_seconds = LATENCY_SECONDS
    sandbox.faults.fail_status = 503
    sandbox.faults.fail_next = 1000
    calls = [("backlog_get_statuses", {"projectIdOrKey": "DEMO"})] * 20
    async with Client(build_server(settings.model_copy(update={"max_retries": 1}))) as client:
        results = await _burst(client, calls)
    texts = [text_of(r) for r in results if r is not None and r.is_error]
    assert len(texts) == len(calls)
    assert all("Backlog failed with HTTP 503 while reading project DEMO." in t for t in texts), texts[0]
    attempts = [r for r in sandbox.requests if r.path == "/api/v2/projects/DEMO/statuses"]
    assert len(attempts) == 2  # one lookup: its first try and its one retry
