"""The agent prompts and the issue resource.

Prompts: `backlog_issue_summary` and `backlog_to_jira_migration`, filled from the Markdown
templates shipped in this package (the same text is in docs/prompts/ for people).
Resource template: `backlog://issue/{issueKey}`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from mcp.server import MCPServer

from backlog_mcp.prompts.catalog import build_prompts
from backlog_mcp.prompts.resources import register_issue_resource
from backlog_mcp.prompts.templates import tools_called
from backlog_mcp.tools.toolsets import toolset_of

__all__ = ["register_prompts_and_resources"]

# The resource is what this tool shows: served with it, or not at all.
RESOURCE_SHOWS = "backlog_get_issue"


def register_prompts_and_resources(server: MCPServer[Any], served: Collection[str]) -> None:
    """Adds the MCP prompts and the `backlog://issue/{issueKey}` resource template to `server`.

    A prompt is listed only when every tool its text tells the agent to call is served (`served`:
    canonical tool names, whatever switched them on or off): otherwise it would hand the agent
    steps it cannot take. The templates name tools by their canonical names; the server rewrites
    them to the names it serves (BACKLOG_TOOL_PREFIX) in what it sends.

    Raises:
        ValueError: a prompt names a tool that does not exist (a typo in its template).
    """
    for prompt in build_prompts():
        needed = tools_called(prompt.name)
        unknown = sorted(needed - set(toolset_of()))
        if unknown:
            raise ValueError(f"prompt {prompt.name} names tools that do not exist: {', '.join(unknown)}")
        if needed <= set(served):
            server.add_prompt(prompt)
    if RESOURCE_SHOWS in served:
        register_issue_resource(server)
