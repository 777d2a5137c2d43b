"""Every toolset, read from the area registry: what the server registers and the settings accept."""

from __future__ import annotations

from functools import cache

from backlog_mcp.areas import area_modules
from backlog_mcp.tools.registry import Toolset

__all__ = ["default_toolset_names", "toolset_names", "toolset_of", "toolsets"]


@cache
def toolsets() -> tuple[Toolset, ...]:
    """One per area that has tools, in the registry's order."""
    found: list[Toolset] = []
    for module in area_modules("tools"):
        toolset = getattr(module, "TOOLSET", None)
        if not isinstance(toolset, Toolset):
            raise TypeError(f"{module.__name__} must define TOOLSET, a Toolset")
        found.append(toolset)
    return tuple(found)


def toolset_names() -> tuple[str, ...]:
    return tuple(t.name for t in toolsets())


def default_toolset_names() -> tuple[str, ...]:
    return tuple(t.name for t in toolsets() if t.default)


@cache
def toolset_of() -> dict[str, str]:
    """Each tool's toolset: what a prompt needs, and what to tell a caller of a tool left out."""
    return {tool.name: toolset.name for toolset in toolsets() for tool in toolset.tools}
