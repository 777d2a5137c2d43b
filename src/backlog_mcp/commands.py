"""The CLI's one-shot commands, each a real MCP client session against the server in memory."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.types import TextContent

from backlog_mcp.config import Settings
from backlog_mcp.render.projects import ROLE_NAMES
from backlog_mcp.server import build_server
from backlog_mcp.tools.surface import Surface
from backlog_mcp.tools.toolsets import toolset_names, toolset_of, toolsets

__all__ = ["call", "check", "compact_json", "list_tools", "o200k_from_npm_ranks", "token_counter"]

Write = Callable[[str], None]
_EXACT_COUNTS = (
    "for o200k_base counts, install tiktoken and let it fetch o200k_base once, or point "
    "O200K_BASE_JSON at the npm tiktoken package's encoders/o200k_base.json"
)


async def call(settings: Settings, tool: str, arguments: dict[str, object], write: Write) -> int:
    """Runs one tool; its text goes to stdout. Exit 1 when the tool reports an error."""
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(tool, arguments)
    for block in result.content:
        write(block.text if isinstance(block, TextContent) else f"[{block.type} content]")
    return 1 if result.is_error else 0


async def list_tools(settings: Settings, write: Write) -> int:
    """Every tool of every area: its toolset, its tools/list cost, whether it is served and why not.

    The cost is what a client loads into the model's context on every turn: the tools/list wire
    JSON (camelCase, nulls dropped, compact), measured as bench/tokens.py measures it.
    """
    surface = Surface.of(settings)
    # Every tool, as it would be listed under these settings' names: the cost of each, served or not.
    everything = settings.model_copy(
        update={
            "toolsets": ",".join(toolset_names()),
            "enabled_tools": "",
            "disabled_tools": "",
            "read_only": False,
        }
    )
    async with Client(build_server(everything)) as client:
        listed = await client.list_tools()
    wire = {t.name: t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed.tools}
    count, exact = token_counter()
    rows = [("TOOL", "TOOLSET", "TOKENS", "SERVED")]
    served: list[dict[str, object]] = []
    for toolset in toolsets():
        for tool in toolset.tools:
            name = surface.name(tool.name)
            if surface.left_out_by(tool.name) is None:
                served.append(wire[name])
            size = count(compact_json(wire[name]))
            rows.append((name, toolset.name, f"{size:,}", _served_text(surface, tool.name)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        write(f"{row[0].ljust(widths[0])}  {row[1].ljust(widths[1])}  {row[2].rjust(widths[2])}  {row[3]}")
    total = count(compact_json({"tools": served}))
    per_tool = f", {total / len(served):,.0f} per tool" if served else ""
    cost = f"{total:,} tokens (o200k_base)" if exact else f"≈{total:,} tokens"
    write(f"Served: {len(served)} of {len(rows) - 1} tools; their tools/list costs {cost}{per_tool}.")
    if not exact:
        write(f"Token counts are estimates (characters ÷ 4): {_EXACT_COUNTS}.")
    return 0


def _served_text(surface: Surface, tool: str) -> str:
    left_out = surface.left_out_by(tool)
    if left_out == "disabled":
        return "no: BACKLOG_DISABLED_TOOLS"
    if left_out == "toolset":
        return "no: toolset not in BACKLOG_TOOLSETS"
    if left_out == "read_only":
        return "no: writes, BACKLOG_READ_ONLY"
    return "yes" if toolset_of()[tool] in surface.toolsets else "yes: BACKLOG_ENABLED_TOOLS"


def compact_json(value: object) -> str:
    """JSON as it goes over the wire: compact, non-ASCII as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def token_counter() -> tuple[Callable[[str], int], bool]:
    """A token counter, and whether it counts exactly: o200k_base (what bench/ uses) when tiktoken
    and its ranks are at hand without a download, else an estimate of characters ÷ 4."""
    encoding = _o200k()
    if encoding is not None:
        return (lambda text: len(encoding.encode(text, disallowed_special=()))), True
    return (lambda text: math.ceil(len(text) / 4)), False


def _o200k() -> Any:
    """The o200k_base encoding, or None. Never downloads: a listing must not wait on the network.

    Read from `O200K_BASE_JSON` (the npm `tiktoken` package's `encoders/o200k_base.json`, as for
    bench/), else from tiktoken's own cache of the ranks it downloaded once.
    """
    try:
        import tiktoken
    except ImportError:
        return None
    configured = os.environ.get("O200K_BASE_JSON")
    try:
        if configured:
            return o200k_from_npm_ranks(tiktoken, Path(configured))
        blob = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
        cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
        folder = Path(cache) if cache else Path(tempfile.gettempdir()) / "data-gym-cache"
        if not (folder / hashlib.sha1(blob.encode()).hexdigest()).is_file():
            return None
        return tiktoken.get_encoding("o200k_base")
    except (OSError, ValueError, KeyError):
        return None


def o200k_from_npm_ranks(tiktoken: Any, path: Path) -> Any:
    """The o200k_base encoding from the npm `tiktoken` package's ranks file (bench/ reads it too)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    ranks: dict[bytes, int] = {}
    for line in data["bpe_ranks"].splitlines():
        if line:
            _, offset, *tokens = line.split(" ")
            for index, token in enumerate(tokens):
                ranks[base64.b64decode(token)] = int(offset) + index
    return tiktoken.Encoding(
        name="o200k_base",
        pat_str=data["pat_str"],
        mergeable_ranks=ranks,
        special_tokens=data["special_tokens"],
    )


async def check(settings: Settings, write: Write) -> int:
    """Who the credentials belong to, on which space, and how much rate limit is left."""
    from backlog_mcp.aio import gather
    from backlog_mcp.backlog.connect import backlog_for, http_client_for
    from backlog_mcp.backlog.space import SpaceEndpoints

    async with http_client_for(settings) as http:
        endpoints = SpaceEndpoints(backlog_for(settings, http))
        space, me, limits = await gather(
            endpoints.get_space(), endpoints.get_myself(), endpoints.get_rate_limit()
        )
    role = ROLE_NAMES.get(me.role_type or 0, str(me.role_type))
    write(f"Space: {space.name} ({space.space_key}) at {settings.base_url}")
    write(f"User: {me.name} ({me.user_id or me.id}), {role}")
    buckets = [(n, getattr(limits, n)) for n in ("read", "search", "update", "icon")]
    known = [(n, b) for n, b in buckets if b and b.limit is not None and b.remaining is not None]
    write("Rate limit left: " + (", ".join(f"{n} {b.remaining}/{b.limit}" for n, b in known) or "not told"))
    write(f"Dates shown in {settings.timezone}. OK.")
    return 0
