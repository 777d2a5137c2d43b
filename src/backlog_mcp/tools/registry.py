"""Turning tool functions into MCP tools with lean schemas.

What a client loads per tool is read by the model on every turn, so the advertised input
schema is trimmed to what carries meaning: no generated titles, no `anyOf [X, null]` for
optional arguments (each argument is one simple type; union types broke real clients), no
`default: null`. Validation runs on the pydantic model built from the signature, which still
accepts what the lenient validators allow, and refuses arguments the tool does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver.tools import Tool
from mcp.types import ToolAnnotations
from pydantic import ConfigDict

__all__ = ["READ_ONLY", "REPLACES_OWN_EXPORT", "WRITES_LOCAL", "ToolDef", "build_tool", "compact_schema"]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)
# Reads Backlog, but writes files (only inside BACKLOG_WORKSPACE): not read-only by MCP's definition.
WRITES_LOCAL = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)

# The export replaces the files of its own previous bundle of an issue (nothing else): an update,
# not only an addition, hence destructive; the same call twice leaves the same bundle.
REPLACES_OWN_EXPORT = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
)


@dataclass(frozen=True, slots=True)
class ToolDef:
    """A handler and its human title; the name is the function's, the description its docstring."""

    fn: Callable[..., Any]
    title: str
    annotations: ToolAnnotations = field(default_factory=lambda: READ_ONLY)


def compact_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema a client sees: titles dropped, optional unions collapsed to their one type."""
    properties: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        variants = prop.pop("anyOf", None)
        if variants is not None:
            concrete = [v for v in variants if v.get("type") != "null"]
            if len(concrete) == 1:
                prop = {**concrete[0], **prop}
            else:
                prop["anyOf"] = variants
        if prop.get("default", 0) is None:
            del prop["default"]
        properties[name] = prop
    compact: dict[str, Any] = {"type": "object", "properties": properties}
    if schema.get("required"):
        compact["required"] = schema["required"]
    return compact


def build_tool(definition: ToolDef) -> Tool:
    tool = Tool.from_function(
        definition.fn,
        title=definition.title,
        annotations=definition.annotations,
        structured_output=False,
    )
    tool.parameters = compact_schema(tool.parameters)
    # A misspelt argument (`status` for `statusId`) must fail, not be dropped: otherwise the
    # model reads an unfiltered list as the filtered one it asked for.
    arg_model = tool.fn_metadata.arg_model
    tool.fn_metadata.arg_model = type(
        arg_model.__name__, (arg_model,), {"model_config": ConfigDict(extra="forbid")}
    )
    return tool
