"""The agent prompts and the issue resource.

Prompts: `backlog_issue_summary` and `backlog_to_jira_migration`, filled from the Markdown
templates shipped in this package (the same text is in docs/prompts/ for people).
Resource template: `backlog://issue/{issueKey}`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from mcp.server import MCPServer

from backlog_mcp.config import TOOLSET_NAMES
from backlog_mcp.prompts.catalog import build_prompts
from backlog_mcp.prompts.resources import register_issue_resource

__all__ = ["register_prompts_and_resources"]

# Both prompts begin with backlog_export_issue_context; the resource is what backlog_get_issue
# shows. Offering them without those tools would hand the agent steps it cannot take.
PROMPTS_NEED = "export"
RESOURCE_NEEDS = "issues"


def register_prompts_and_resources(server: MCPServer[Any], toolsets: Collection[str] = TOOLSET_NAMES) -> None:
    """Adds the MCP prompts and the `backlog://issue/{issueKey}` resource template to `server`,
    each only when the toolset it relies on is served."""
    if PROMPTS_NEED in toolsets:
        for prompt in build_prompts():
            server.add_prompt(prompt)
    if RESOURCE_NEEDS in toolsets:
        register_issue_resource(server)
