"""End-to-end fixtures: one sandbox per session, a fresh server and MCP client per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent

from backlog_mcp.config import Settings, load_settings
from backlog_mcp.sandbox import Faults, SandboxServer
from backlog_mcp.server import build_server


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_faults(sandbox: SandboxServer) -> Iterator[None]:
    yield
    fresh = Faults()
    for name in vars(fresh):
        setattr(sandbox.faults, name, getattr(fresh, name))


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
