"""The agent prompts and the issue resource (being built)."""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer

__all__ = ["register_prompts_and_resources"]


def register_prompts_and_resources(server: MCPServer[Any]) -> None:
    """Adds the MCP prompts and the `backlog://issue/{issueKey}` resource template to `server`."""
