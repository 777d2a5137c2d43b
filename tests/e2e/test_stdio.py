"""The installed `backlog-mcp --sandbox`, spawned over stdio the way MCP clients run it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.e2e.conftest import DEFAULT_TOOL_NAMES, call

pytestmark = pytest.mark.anyio


def _installed_command() -> str:
    script = Path(sys.executable).with_name("backlog-mcp")
    found = str(script) if script.exists() else shutil.which("backlog-mcp")
    assert found, "backlog-mcp is not installed in this environment (pip install -e .)"
    return found


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_installed_script_serves_the_sandbox_over_stdio(mode: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    params = StdioServerParameters(command=_installed_command(), args=["--sandbox"], env=env)
    async with Client(params, mode=mode) as client:
        listed = await client.list_tools()
        assert len(listed.tools) == len(DEFAULT_TOOL_NAMES)  # no BACKLOG_TOOLSETS: the default set
        text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-1"})
        assert text.startswith("# DEMO-1 ")
