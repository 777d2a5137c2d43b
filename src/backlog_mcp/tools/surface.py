"""What the server serves and under which names: toolsets, single tools switched on or off, a prefix.

Built once from the settings. The server, the prompts and `backlog-mcp tools` all read it, so a
tool is served, named and refused by the same rules everywhere. Tools are known inside the code
by their canonical `backlog_` names; only what reaches a client carries the served names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import cache, cached_property
from typing import TYPE_CHECKING, Literal

from backlog_mcp.quote import echo
from backlog_mcp.tools.registry import ToolDef
from backlog_mcp.tools.toolsets import toolset_of, toolsets

if TYPE_CHECKING:
    from backlog_mcp.config import Settings

__all__ = ["CANONICAL_PREFIX", "LeftOut", "Surface"]

CANONICAL_PREFIX = "backlog_"
# "toolset": its toolset is not in BACKLOG_TOOLSETS (nor the tool in BACKLOG_ENABLED_TOOLS);
# "disabled": BACKLOG_DISABLED_TOOLS names it; "read_only": it writes to Backlog, and
# BACKLOG_READ_ONLY (on by default) beats every other switch.
LeftOut = Literal["toolset", "disabled", "read_only"]
# Characters a tool name is made of (MCP's rule); a name of ours ends where they end.
_NAME_CHAR = "A-Za-z0-9_"


@dataclass(frozen=True)
class Surface:
    """The served tools: `toolsets` (names), plus `enabled`, minus `disabled` (canonical tool names)."""

    toolsets: tuple[str, ...]
    enabled: frozenset[str] = field(default_factory=frozenset)
    disabled: frozenset[str] = field(default_factory=frozenset)
    prefix: str = CANONICAL_PREFIX
    read_only: bool = True

    @classmethod
    def of(cls, settings: Settings) -> Surface:
        return cls(
            toolsets=settings.enabled_toolsets,
            enabled=frozenset(settings.enabled_tool_names),
            disabled=frozenset(settings.disabled_tool_names),
            prefix=settings.tool_prefix,
            read_only=settings.read_only,
        )

    def left_out_by(self, tool: str) -> LeftOut | None:
        """Why the tool (canonical name) is not served, or None when it is."""
        if self.read_only and tool in _writing_tools():
            return "read_only"
        if tool in self.disabled:
            return "disabled"
        if tool in self.enabled or toolset_of()[tool] in self.toolsets:
            return None
        return "toolset"

    def served(self) -> tuple[ToolDef, ...]:
        """The served tools, in the registry's order."""
        return tuple(t for ts in toolsets() for t in ts.tools if self.left_out_by(t.name) is None)

    @cached_property
    def served_names(self) -> frozenset[str]:
        """The canonical names of the served tools."""
        return frozenset(t.name for t in self.served())

    def name(self, tool: str) -> str:
        """The name a client sees for the tool whose canonical name is `tool`."""
        return self.prefix + tool.removeprefix(CANONICAL_PREFIX)

    def tool_named(self, name: str) -> str | None:
        """The canonical name of the tool a client calls `name` (served or not), or None."""
        if not name.startswith(self.prefix):
            return None
        tool = CANONICAL_PREFIX + name.removeprefix(self.prefix)
        return tool if tool in toolset_of() else None

    @cached_property
    def _our_names(self) -> re.Pattern[str] | None:
        if self.prefix == CANONICAL_PREFIX:
            return None
        suffixes = sorted((t.removeprefix(CANONICAL_PREFIX) for t in toolset_of()), key=len, reverse=True)
        alternatives = "|".join(re.escape(s) for s in suffixes)
        return re.compile(f"(?<![{_NAME_CHAR}]){CANONICAL_PREFIX}({alternatives})(?![{_NAME_CHAR}])")

    @cached_property
    def _any_name(self) -> re.Pattern[str]:
        names = sorted(toolset_of(), key=len, reverse=True)
        return re.compile(f"(?<![{_NAME_CHAR}])({'|'.join(re.escape(n) for n in names)})(?![{_NAME_CHAR}])")

    def unserved_note(self, text: str) -> str | None:
        """A line naming the tools `text` points to that are not served here, and how to serve
        them: an answer's hint ("open it with …") may name a tool of another toolset."""
        mentioned = dict.fromkeys(m.group(1) for m in self._any_name.finditer(text))
        missing = [tool for tool in mentioned if tool not in self.served_names]
        if not missing:
            return None
        writes = [self.name(t) for t in missing if self.left_out_by(t) == "read_only"]
        others = [t for t in missing if self.left_out_by(t) != "read_only"]
        notes = []
        if others:
            named = ", ".join(f"{self.name(t)} ({toolset_of()[t]} toolset)" for t in others)
            notes.append(
                f"Not served here: {named}; add the toolset to BACKLOG_TOOLSETS, or the tool to "
                "BACKLOG_ENABLED_TOOLS, to call it."
            )
        if writes:
            notes.append(f"Not served here: {', '.join(writes)} (writes are off: BACKLOG_READ_ONLY).")
        return " ".join(notes)

    def rename(self, text: str) -> str:
        """`text` with every exact name of one of our tools written as the client sees it.

        Renderers, errors, prompts and instructions write the canonical names; nothing else in
        the text changes (`backlog_get_issue_list` is one name, not `backlog_get_issue` + `_list`).
        """
        pattern = self._our_names
        if pattern is None:
            return text
        return pattern.sub(lambda m: self.prefix + m.group(1), text)

    def refusal(self, name: str) -> str | None:
        """The one sentence that answers a call of `name` when it is not served; None when it is."""
        tool = self.tool_named(name)
        if tool is None:
            if name in toolset_of():  # its canonical name, while a prefix is set
                served_as = self.name(name)
                why = self.refusal(served_as)
                return why or f"{name} is served as {served_as} here (BACKLOG_TOOL_PREFIX); call that."
            served = sorted(self.name(t) for t in self.served_names)
            closest = get_close_matches(name, served, n=1, cutoff=0.0)
            if not closest:
                return f"Unknown tool {echo(name)}; no tool is served (see BACKLOG_TOOLSETS)."
            return f"Unknown tool {echo(name)}; the closest served tool is {closest[0]}."
        reason = self.left_out_by(tool)
        if reason is None:
            return None
        if reason == "read_only":
            return (
                f"{name} writes to Backlog, and writes are off (BACKLOG_READ_ONLY is true, the default); "
                "the operator sets BACKLOG_READ_ONLY=false to allow them."
            )
        if reason == "disabled":
            return f"{name} is switched off by BACKLOG_DISABLED_TOOLS; remove {tool} from it to use it."
        toolset = toolset_of()[tool]
        return (
            f"{name} is in the {toolset} toolset, which BACKLOG_TOOLSETS leaves out "
            f"(served: {', '.join(self.toolsets) or 'none'}); add {toolset} to BACKLOG_TOOLSETS, "
            f"or {tool} to BACKLOG_ENABLED_TOOLS, to use it."
        )


@cache
def _writing_tools() -> frozenset[str]:
    """The canonical names of every tool that writes to Backlog."""
    return frozenset(t.name for ts in toolsets() for t in ts.tools if t.writes)
