"""`backlog-mcp serve --transport http`: streamable HTTP on loopback, spoken to by a real client."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from tests.e2e.conftest import DEFAULT_TOOL_NAMES, call
from tests.e2e.test_http_serve import serve_over_http


@pytest.fixture
def http_url(tmp_path: Path) -> Iterator[str]:
    yield from serve_over_http(tmp_path)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_streamable_http_serves_the_same_tools(http_url: str, mode: str) -> None:
    async with Client(http_url, mode=mode) as client:
        assert sorted(t.name for t in (await client.list_tools()).tools) == sorted(DEFAULT_TOOL_NAMES)
        text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-6"})
    assert text.startswith("# DEMO-6 ")


def test_http_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    done = subprocess.run(
        [sys.executable, "-m", "backlog_mcp", "--sandbox", "serve", "--transport", "http", "--host", "0.0.0.0"],  # noqa: E501
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        "Refusing to serve on 0.0.0.0, which is not loopback, without MCP_HTTP_ALLOWED_HOSTS" in done.stderr
    )
