"""HTTP for a team: `/health`, bearer tokens, the MCP_ settings, a chosen path, stateless serving."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from backlog_mcp import __version__
from tests.e2e.conftest import call

pytestmark = pytest.mark.anyio

TOKENS = "first-t0ken,second-t0ken"


@dataclass
class Served:
    """A `backlog-mcp serve --transport http` process: its announced URL, and its stderr so far."""

    url: str
    process: subprocess.Popen[bytes]
    stderr: list[bytes] = field(default_factory=list)


@contextmanager
def http_server(tmp_path: Path, *options: str, sandbox: bool = True, **env: str) -> Iterator[Served]:
    """Starts `backlog-mcp [--sandbox] serve --transport http --port 0`; stopped with SIGTERM.

    Without `sandbox`, `env` says which space (BACKLOG_BASE_URL) and whose key, if any.
    """
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("BACKLOG_", "MCP_"))} | env
    command = [sys.executable, "-m", "backlog_mcp", *(["--sandbox"] if sandbox else [])]
    command += ["serve", "--transport", "http", "--port", "0"]
    process = subprocess.Popen(
        [*command, *options], env=environment, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    stderr = process.stderr
    try:
        lines: list[bytes] = []
        for line in stderr:  # the announcement comes once the socket listens
            lines.append(line)
            found = re.search(rb"streamable HTTP on (\S+)", line)
            if found:
                served = Served(found.group(1).decode(), process, lines)
                # The rest is drained (and kept), so a chatty server never blocks on a full pipe.
                threading.Thread(target=lambda: lines.extend(stderr), daemon=True).start()
                yield served
                break
        else:
            pytest.fail(f"the server exited with {process.wait()} before listening: {b''.join(lines)!r}")
    finally:
        process.terminate()
        process.wait(timeout=15)
        stderr.close()


def serve_over_http(tmp_path: Path, *options: str, sandbox: bool = True, **env: str) -> Iterator[str]:
    """`http_server`, yielding only the URL it announces."""
    with http_server(tmp_path, *options, sandbox=sandbox, **env) as served:
        yield served.url


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[str]:
    yield from serve_over_http(tmp_path, "--path", "/team/mcp", MCP_HTTP_AUTH_TOKENS=TOKENS)


async def test_health_answers_without_a_token_a_backlog_call_or_a_secret(guarded: str) -> None:
    health = guarded.replace("/team/mcp", "/health")
    async with httpx2.AsyncClient() as http:
        answer = await http.get(health)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": __version__}


async def test_no_token_or_a_wrong_one_is_401_with_www_authenticate(guarded: str) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with httpx2.AsyncClient() as http:
        missing = await http.post(guarded, json=ping)
        wrong = await http.post(guarded, json=ping, headers={"Authorization": "Bearer first-t0keN"})
        basic = await http.post(guarded, json=ping, headers={"Authorization": "Basic first-t0ken"})
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "t0ken" not in refused.text
    assert missing.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_each_configured_token_serves_the_tools_statelessly_at_the_chosen_path(
    guarded: str, mode: str
) -> None:
    for token in TOKENS.split(","):
        # The SDK leaves a client it is given open: closed here, as every socket must be.
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
            Client(streamable_http_client(guarded, http_client=http), mode=mode) as client,
        ):
            text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-6"})
        assert text.startswith("# DEMO-6 ")


async def test_the_mcp_settings_choose_transport_host_port_and_path(tmp_path: Path) -> None:
    chosen = serve_over_http(tmp_path, MCP_TRANSPORT="http", MCP_HTTP_HOST="localhost", MCP_HTTP_PATH="/x/")
    for url in chosen:
        assert re.fullmatch(r"http://127\.0\.0\.1:[1-9]\d*/x", url)
        async with Client(url) as client:
            assert "# DEMO-6 " in await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-6"})


async def test_a_foreign_host_is_421_and_a_foreign_origin_403_even_with_a_valid_token(guarded: str) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    token = {"Authorization": f"Bearer {TOKENS.split(',')[0]}", "Content-Type": "application/json"}
    async with httpx2.AsyncClient() as http:
        rebound = await http.post(guarded, json=ping, headers={**token, "Host": "evil.example.com"})
        foreign = await http.post(guarded, json=ping, headers={**token, "Origin": "http://evil.example.com"})
    assert rebound.status_code == 421
    assert foreign.status_code == 403


ORIGIN = "https://team.example.com"
VALID = ("Authorization", f"Bearer {TOKENS.split(',')[0]}")
REFUSALS: dict[str, tuple[list[tuple[str, str]], int]] = {
    "no token": ([], 401),
    "a wrong token": ([("Authorization", "Bearer first-t0keN")], 401),
    "two Authorization headers": ([VALID, VALID], 401),
    "a foreign Host": ([VALID, ("Host", "evil.example.com")], 421),
    "a foreign Origin": ([VALID, ("Origin", "https://evil.example.com")], 403),
}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("team")
    yield from serve_over_http(folder, MCP_HTTP_AUTH_TOKENS=TOKENS, MCP_HTTP_ALLOWED_ORIGINS=ORIGIN)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("case", REFUSALS)
async def test_an_mcp_client_is_refused_with_the_status_that_says_why(
    team: str, case: str, mode: str
) -> None:
    headers, status = REFUSALS[case]
    seen: list[int] = []

    async def record(response: httpx2.Response) -> None:
        seen.append(response.status_code)

    async with httpx2.AsyncClient(headers=headers, timeout=30, event_hooks={"response": [record]}) as http:
        with pytest.raises(Exception) as refused:  # noqa: PT011 - the SDK says only "error response"
            async with Client(streamable_http_client(team, http_client=http), mode=mode) as client:
                await client.call_tool("backlog_get_space", {})
    assert seen[:1] == [status], (seen, refused.value)
    assert "t0ken" not in str(refused.value)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_origin_in_mcp_http_allowed_origins_is_served(team: str, mode: str) -> None:
    headers = {"Authorization": f"Bearer {TOKENS.split(',')[1]}", "Origin": ORIGIN}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(team, http_client=http), mode=mode) as client,
    ):
        assert "You: 田中 太郎" in await call(client, "backlog_get_space")
