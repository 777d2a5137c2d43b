"""`backlog-mcp demo`: what a newcomer runs first — a real MCP session over stdio, on the sandbox.

It launches `backlog-mcp --sandbox` as a subprocess exactly as Claude Desktop or Cursor would,
and prints what the model would read for a few typical calls. The child gets none of the user's
BACKLOG_* variables and runs in an empty folder (so no `.env` either): the demo shows the sandbox
with every toolset, whatever the user's own configuration says.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import TextContent

__all__ = ["DEMO_CALLS", "call_line", "cmd_quote", "run_demo"]

DEMO_CALLS: tuple[tuple[str, dict[str, object]], ...] = (
    ("backlog_get_projects", {}),
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 5}),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-1"}),
    ("backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 3}),
)


def call_line(name: str, arguments: dict[str, object], *, windows: bool = os.name == "nt") -> str:
    """The command that makes the same call, for the reader to copy: quoted for cmd on Windows
    (single quotes reach the program there as they are), for POSIX shells elsewhere."""
    payload = json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
    if windows:
        return f"> backlog-mcp --sandbox call {name} {cmd_quote(payload)}"
    return f"$ backlog-mcp --sandbox call {name} {shlex.quote(payload)}"


def cmd_quote(text: str) -> str:
    """`text` as one argument on a Windows command line, by the C runtime's rules that Python
    parses its own command line with: quotes escaped, the backslashes before them doubled."""
    escaped = re.sub(r'(\\*)"', lambda m: m[1] * 2 + '\\"', text)
    return '"' + re.sub(r"(\\+)$", lambda m: m[1] * 2, escaped) + '"'


def _child_env(workspace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    # A workspace of the demo's own, removed afterwards, rather than a scratch folder per run.
    env["BACKLOG_WORKSPACE"] = str(workspace)
    return env


async def _session(write: Callable[[str], None], folder: Path) -> int:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "backlog_mcp", "--sandbox"],
        env=_child_env(folder / "workspace"),
        cwd=folder,
    )
    failures = 0
    async with Client(params) as client:
        tools = await client.list_tools()
        write(f"Connected over stdio to backlog-mcp (sandbox): {len(tools.tools)} tools.\n")
        for name, arguments in DEMO_CALLS:
            result = await client.call_tool(name, arguments)
            failures += bool(result.is_error)
            write(call_line(name, arguments))
            write("\n".join(b.text for b in result.content if isinstance(b, TextContent)) + "\n")
    return 1 if failures else 0


def run_demo(write: Callable[[str], None]) -> int:
    with tempfile.TemporaryDirectory(prefix="backlog-mcp-demo-") as folder:
        try:
            return anyio.run(_session, write, Path(folder))
        except Exception as exc:  # the SDK wraps a lost connection in nested exception groups
            reason = _first_leaf(exc)
            cause = f"{type(reason).__name__}: {reason}"
            sys.stderr.write(f"The demo lost its server ({cause}); anything it printed is above.\n")
            return 1


def _first_leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc
