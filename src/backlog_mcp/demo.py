"""`backlog-mcp demo`: what a newcomer runs first — a real MCP session over stdio, on the sandbox.

It launches `backlog-mcp --sandbox` as a subprocess exactly as Claude Desktop or Cursor would,
and prints what the model would read for a few typical calls.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import TextContent

__all__ = ["DEMO_CALLS", "run_demo"]

DEMO_CALLS: tuple[tuple[str, dict[str, object]], ...] = (
    ("backlog_get_projects", {}),
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 5}),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-1"}),
    ("backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 3}),
)


async def _session(write: Callable[[str], None]) -> int:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "backlog_mcp", "--sandbox"], env=dict(os.environ)
    )
    failures = 0
    async with Client(params) as client:
        tools = await client.list_tools()
        write(f"Connected over stdio to backlog-mcp (sandbox): {len(tools.tools)} tools.\n")
        for name, arguments in DEMO_CALLS:
            result = await client.call_tool(name, arguments)
            failures += bool(result.is_error)
            write(f"$ {name} {arguments}")
            write("\n".join(b.text for b in result.content if isinstance(b, TextContent)) + "\n")
    return 1 if failures else 0


def run_demo(write: Callable[[str], None]) -> int:
    return anyio.run(_session, write)
