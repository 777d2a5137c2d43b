"""End-to-end fixtures: one sandbox per session, a fresh server and MCP client per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server

TOOL_NAMES = (
    "backlog_get_issue_list", "backlog_count_issues", "backlog_get_issue", "backlog_get_comments",
    "backlog_get_attachments", "backlog_get_projects", "backlog_get_users", "backlog_get_statuses",
    "backlog_get_issue_types", "backlog_get_categories", "backlog_get_milestones", "backlog_get_priorities",
    "backlog_download_attachment", "backlog_get_attachment_content", "backlog_export_issue_context",
)  # fmt: skip


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_faults(sandbox: SandboxServer) -> Iterator[None]:
    yield
    sandbox.faults.reset()
    sandbox.reset_rate_limits()


@pytest.fixture
def settings(sandbox: SandboxServer) -> Settings:
    return load_settings(base_url=sandbox.base_url, api_key=sandbox.api_key, timezone="Asia/Tokyo")


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
