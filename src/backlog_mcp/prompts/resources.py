"""`backlog://issue/{issueKey}`: one issue as Markdown, for clients that attach it to a conversation."""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError

from backlog_mcp.errors import BacklogError, BacklogNotFoundError
from backlog_mcp.quote import echo
from backlog_mcp.redact import redact
from backlog_mcp.tools.args import parse_issue_key
from backlog_mcp.tools.issues import issue_markdown
from backlog_mcp.tools.state import app_state

__all__ = ["ISSUE_URI_TEMPLATE", "register_issue_resource"]

ISSUE_URI_TEMPLATE = "backlog://issue/{issueKey}"
MARKDOWN = "text/markdown"


async def read_issue(issueKey: str, ctx: Context) -> str:
    """The issue rendered exactly as `backlog_get_issue` renders it.

    Raises:
        ResourceNotFoundError: the key is not an issue key, or Backlog has no such issue.
        ResourceError: any other Backlog failure, in one secret-free sentence.
    """
    key = parse_issue_key(issueKey)
    if key is None:
        raise ResourceNotFoundError(
            f"{echo(issueKey)} is not a Backlog issue key: use one like backlog://issue/DEMO-12."
        )
    state = app_state(ctx)
    try:
        await state.scope.check(state, {"issueIdOrKey": key})
    except ToolError as exc:  # outside BACKLOG_PROJECTS
        raise ResourceError(str(exc)) from None
    try:
        return await issue_markdown(state, key)
    except BacklogNotFoundError as exc:
        raise ResourceNotFoundError(redact(str(exc))) from None
    except BacklogError as exc:
        # Messages are built from paths, never URLs, so they carry no key; redact() is the backstop.
        raise ResourceError(redact(str(exc))) from None


def register_issue_resource(server: MCPServer[Any]) -> None:
    server.resource(
        ISSUE_URI_TEMPLATE,
        name="backlog_issue",
        title="Backlog issue",
        description="One issue as Markdown: fields, custom fields, description, attachments.",
        mime_type=MARKDOWN,
    )(read_issue)
