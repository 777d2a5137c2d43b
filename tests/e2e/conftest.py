"""End-to-end fixtures: one sandbox per session, a fresh server and MCP client per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from backlog_mcp.tools.toolsets import toolsets

SNAPSHOTS = Path(__file__).parent / "snapshots" / "tools"
# Every tool there is, as checked in: one snapshot file per tool (see test_tools_list.py).
TOOL_NAMES = tuple(sorted(path.stem for path in SNAPSHOTS.glob("*.json")))
# The tools that write to Backlog: served only with BACKLOG_READ_ONLY=false.
WRITE_TOOL_NAMES = frozenset(t.name for ts in toolsets() for t in ts.tools if t.writes)
# What a server with the default BACKLOG_TOOLSETS (and the default read-only switch) serves.
DEFAULT_TOOL_NAMES = tuple(
    sorted(t.name for ts in toolsets() if ts.default for t in ts.tools if not t.writes)
)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def writes_sent(sandbox: SandboxServer) -> list[str]:
    """The write requests the sandbox received (`POST /issues`), in order."""
    return [f"{r.method} {r.path}" for r in sandbox.requests if r.method not in ("GET", "HEAD")]


@pytest.fixture(autouse=True)
def _fresh_faults(sandbox: SandboxServer) -> Iterator[None]:
    yield
    sandbox.faults.reset()
    sandbox.reset_rate_limits()


@pytest.fixture
def settings(sandbox: SandboxServer) -> Settings:
    """Every toolset served, so that every tool is reachable from the `client` fixture."""
    return load_settings(
        base_url=sandbox.base_url, api_key=sandbox.api_key, timezone="Asia/Tokyo", toolsets="all"
    )


@pytest.fixture(params=["auto", "legacy"])
async def client(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Client]:
    async with Client(build_server(settings), mode=request.param) as connected:
        yield connected


def text_of(result: CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, TextContent))


async def call(client: Client, tool: str, arguments: dict[str, Any] | None = None) -> str:
    """The tool's text; fails the test if the tool reported an error."""
    result = await client.call_tool(tool, arguments or {})
    assert not result.is_error, text_of(result)
    return text_of(result)


async def call_error(client: Client, tool: str, arguments: dict[str, Any] | None = None) -> str:
    """The error text of a call that must fail."""
    result = await client.call_tool(tool, arguments or {})
    assert result.is_error, text_of(result)
    return text_of(result)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return (tmp_path / "ws").resolve()


def workspace_settings(sandbox: SandboxServer, workspace: Path, **overrides: Any) -> Settings:
    """The sandbox's settings with a workspace of the test's own."""
    return load_settings(
        **{
            "base_url": sandbox.base_url, "api_key": sandbox.api_key, "timezone": "Asia/Tokyo",
            "workspace": workspace, "toolsets": "all", **overrides,
        }
    )  # fmt: skip


async def until(condition: Callable[[], bool]) -> None:
    """Waits for `condition`, which another task (the server's) will make true.

    Polled: what is awaited is the state of the disk and of the event loop, which no event reports.
    A scan that meets a file the server removes under it counts as "not yet", and is run again.
    """
    with anyio.fail_after(10):
        while not _holds(condition):  # noqa: ASYNC110
            await anyio.sleep(0.01)


def _holds(condition: Callable[[], bool]) -> bool:
    try:
        return condition()
    except FileNotFoundError:
        return False


async def cancel_once_in_flight(
    client: Client, tool: str, arguments: dict[str, Any], in_flight: Callable[[], bool]
) -> None:
    """Calls `tool`, and cancels the call through the client as soon as `in_flight()` holds."""
    finished: list[object] = []

    async def calling() -> None:
        finished.append(await client.call_tool(tool, arguments))

    async with anyio.create_task_group() as group:
        group.start_soon(calling)
        await until(in_flight)
        group.cancel_scope.cancel()
    assert finished == []  # it was cancelled, not completed
