"""What every tool handler needs, built once per process by the server's lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context

from backlog_mcp.backlog.client import BacklogClient
from backlog_mcp.backlog.resolve import Resolver
from backlog_mcp.render.text import RenderContext
from backlog_mcp.tools.scope import ProjectScope
from backlog_mcp.tools.writes import AuditLog

__all__ = ["AppState", "app_state"]


@dataclass(frozen=True, slots=True)
class AppState:
    api: BacklogClient
    resolver: Resolver
    render: RenderContext
    workspace: Path
    max_attachment_bytes: int
    scope: ProjectScope
    audit: AuditLog


def app_state(ctx: Context[Any, Any]) -> AppState:
    state = ctx.request_context.lifespan_context
    assert isinstance(state, AppState), "the server's lifespan provides AppState"
    return state
