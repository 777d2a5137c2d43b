"""The CLI's one-shot commands, each a real MCP client session against the server in memory."""

from __future__ import annotations

from collections.abc import Callable

from mcp import Client
from mcp.types import TextContent

from backlog_mcp.config import Settings
from backlog_mcp.render.projects import ROLE_NAMES
from backlog_mcp.server import build_server

__all__ = ["call", "check", "list_tools"]

Write = Callable[[str], None]


async def call(settings: Settings, tool: str, arguments: dict[str, object], write: Write) -> int:
    """Runs one tool; its text goes to stdout. Exit 1 when the tool reports an error."""
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(tool, arguments)
    for block in result.content:
        write(block.text if isinstance(block, TextContent) else f"[{block.type} content]")
    return 1 if result.is_error else 0


async def list_tools(settings: Settings, write: Write) -> int:
    async with Client(build_server(settings)) as client:
        listed = await client.list_tools()
    width = max(len(t.name) for t in listed.tools)
    for tool in listed.tools:
        write(f"{tool.name.ljust(width)}  {tool.description or ''}")
    return 0


async def check(settings: Settings, write: Write) -> int:
    """Who the credentials belong to, on which space, and how much rate limit is left."""
    from backlog_mcp.aio import gather
    from backlog_mcp.backlog.connect import backlog_for, http_client_for
    from backlog_mcp.backlog.space import SpaceEndpoints

    async with http_client_for(settings) as http:
        endpoints = SpaceEndpoints(backlog_for(settings, http))
        space, me, limits = await gather(
            endpoints.get_space(), endpoints.get_myself(), endpoints.get_rate_limit()
        )
    role = ROLE_NAMES.get(me.role_type or 0, str(me.role_type))
    write(f"Space: {space.name} ({space.space_key}) at {settings.base_url}")
    write(f"User: {me.name} ({me.user_id or me.id}), {role}")
    buckets = [(n, getattr(limits, n)) for n in ("read", "search", "update", "icon")]
    known = [(n, b) for n, b in buckets if b and b.limit is not None and b.remaining is not None]
    write("Rate limit left: " + (", ".join(f"{n} {b.remaining}/{b.limit}" for n, b in known) or "not told"))
    write(f"Dates shown in {settings.timezone}. OK.")
    return 0
