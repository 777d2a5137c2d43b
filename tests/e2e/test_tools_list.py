"""The advertised tools, checked in one file per tool: a change to one tool's name, schema or
description is a diff of that tool's file alone, and a tool added or removed is a file added or removed.

Run `UPDATE_SNAPSHOTS=1 pytest tests/e2e/test_tools_list.py` to accept a deliberate change.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import Client

from backlog_mcp.config import load_settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from backlog_mcp.tools.toolsets import toolsets
from tests.e2e.conftest import SNAPSHOTS, TOOL_NAMES, WRITE_TOOL_NAMES, call_error

pytestmark = pytest.mark.anyio


@pytest.fixture
async def every_tool(sandbox: SandboxServer) -> AsyncIterator[Client]:
    """Every tool listed, the write tools too (BACKLOG_READ_ONLY=false); nothing is called."""
    settings = load_settings(
        base_url=sandbox.base_url, api_key=sandbox.api_key, toolsets="all", read_only=False
    )
    async with Client(build_server(settings)) as connected:
        yield connected


def _wire(tool: Any) -> str:
    dumped = tool.model_dump(by_alias=True, exclude_none=True, mode="json")
    return json.dumps(dumped, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


async def test_tools_list_matches_the_checked_in_snapshots(every_tool: Client) -> None:
    served = {tool.name: _wire(tool) for tool in (await every_tool.list_tools()).tools}
    if os.environ.get("UPDATE_SNAPSHOTS"):
        for stale in SNAPSHOTS.glob("*.json"):
            if stale.stem not in served:
                stale.unlink()
        for name, wire in served.items():
            (SNAPSHOTS / f"{name}.json").write_text(wire, encoding="utf-8")
    checked_in = {path.stem: path.read_text(encoding="utf-8") for path in SNAPSHOTS.glob("*.json")}
    assert sorted(served) == sorted(checked_in)
    for name, wire in served.items():
        assert wire == checked_in[name], name


LOCAL_WRITERS = {"backlog_download_attachment", "backlog_export_issue_context"}


def _arrays(schema: Any) -> list[dict[str, Any]]:
    """Every sub-schema of type array, however deep."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "array":
            found.append(schema)
        for value in schema.values():
            found += _arrays(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _arrays(value)
    return found


async def test_every_tool_is_titled_lean_and_honest_about_writes(every_tool: Client) -> None:
    tools = (await every_tool.list_tools()).tools
    assert sorted(t.name for t in tools) == sorted(TOOL_NAMES)
    for tool in tools:
        assert tool.name.startswith("backlog_")
        assert tool.title
        assert tool.description
        assert tool.annotations is not None
        # Reads are read-only but for files written inside BACKLOG_WORKSPACE and Backlog's writes.
        assert tool.annotations.read_only_hint is (tool.name not in LOCAL_WRITERS | WRITE_TOOL_NAMES)
        if tool.name not in WRITE_TOOL_NAMES:  # whose hints are the issue's, per tool
            # Only the export replaces files: those of its own previous bundle of the issue.
            assert bool(tool.annotations.destructive_hint) is (tool.name == "backlog_export_issue_context")
        assert tool.annotations.open_world_hint is True
        assert tool.output_schema is None  # compact text only: no structured duplicate
        schema = json.dumps(tool.input_schema)
        # VS Code and OpenAI's clients refuse a tool (or the whole server) with an array of no items.
        assert all("items" in array for array in _arrays(tool.input_schema)), tool.name
        # No generated titles (an argument may be named "title": backlog_add_document's is).
        assert "title" not in tool.input_schema
        assert all("title" not in prop for prop in tool.input_schema["properties"].values())
        assert '"null"' not in schema
        assert "anyOf" not in schema


async def test_toolsets_limit_what_is_served(sandbox: SandboxServer) -> None:
    settings = load_settings(base_url=sandbox.base_url, api_key=sandbox.api_key, toolsets="issues")
    async with Client(build_server(settings)) as limited:
        names = {t.name for t in (await limited.list_tools()).tools}
        text = await call_error(limited, "backlog_get_projects")
    assert names == {t.name for ts in toolsets() if ts.name == "issues" for t in ts.tools if not t.writes}
    assert {"backlog_get_issue_list", "backlog_get_issue", "backlog_get_comments"} <= names
    assert text == (
        "backlog_get_projects is in the projects toolset, which BACKLOG_TOOLSETS leaves out "
        "(served: issues); add projects to BACKLOG_TOOLSETS, or backlog_get_projects to "
        "BACKLOG_ENABLED_TOOLS, to use it."
    )
