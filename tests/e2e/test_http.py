"""`backlog-mcp serve --transport http`: streamable HTTP on loopback, spoken to by a real client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from tests.e2e.conftest import DEFAULT_TOOL_NAMES, call


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def http_url(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOG_")}
    command = [
        sys.executable,
        "-m",
        "backlog_mcp",
        "--sandbox",
        "serve",
        "--transport",
        "http",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        with socket.socket() as sock:
            sock.settimeout(30)
            for _ in range(300):  # bounded: up to ~30 s for the interpreter to start listening
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
                if process.poll() is not None:
                    pytest.fail(f"the server exited with {process.returncode}")
                time.sleep(0.1)  # polling for the port, not waiting a fixed time
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


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
