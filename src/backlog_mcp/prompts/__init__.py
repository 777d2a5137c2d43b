"""The agent prompts and the issue resource.

Prompts: `backlog_issue_summary` and `backlog_to_jira_migration`, filled from the Markdown
templates shipped in this package (the same text is in docs/prompts/ for people).
Resource template: `backlog://issue/{issueKey}`.
"""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer

from backlog_mcp.prompts.catalog import build_prompts
from backlog_mcp.prompts.resources import register_issue_resource

__all__ = ["register_prompts_and_resources"]


def register_prompts_and_resources(server: MCPServer[Any]) -> None:
    """Adds the MCP prompts and the `backlog://issue/{issueKey}` resource template to `server`."""
    for prompt in build_prompts():
        server.add_prompt(prompt)
    register_issue_resource(server)
