"""The issue-context export tool (being built)."""

from __future__ import annotations

from backlog_mcp.tools.registry import ToolDef

__all__ = ["TOOLS"]

TOOLS: tuple[ToolDef, ...] = ()
