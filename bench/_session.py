"""A sandbox plus our server in one process, for the benchmarks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from mcp import Client
from mcp.types import TextContent

from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server


@dataclass
class Session:
    sandbox: SandboxServer
    client: Client

    async def text(self, tool: str, arguments: dict[str, Any]) -> str:
        result = await self.client.call_tool(tool, arguments)
        text = "\n".join(b.text for b in result.content if isinstance(b, TextContent))
        if result.is_error:
            raise RuntimeError(f"{tool} failed: {text}")
        return text


@asynccontextmanager
async def session(**settings: Any) -> AsyncIterator[Session]:
    with SandboxServer() as sandbox:
        config = load_settings(base_url=sandbox.base_url, api_key=sandbox.api_key, **settings)
        async with Client(build_server(config)) as client:
            yield Session(sandbox=sandbox, client=client)
