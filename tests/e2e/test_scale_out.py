"""Scale-out, proven: two server processes on one Backlog space, behind deploy/nginx.conf's proxy.

The proxy is the file's own routing run in the test (tests/e2e/roundrobin.py), balancing per
request; with SCALEOUT_NGINX=/usr/sbin/nginx it is a real nginx on the same file instead (run by
hand, not in CI). A client session through it, over one kept-alive connection, must be served by
both replicas in either protocol era, every call answering right.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.app import member_api_key
from tests.e2e.conftest import call
from tests.e2e.roundrobin import NGINX_CONF, Proxy, nginx_site, parse_nginx, round_robin, serving
from tests.e2e.test_http_serve import http_server

pytestmark = pytest.mark.anyio

TOKEN = "scale-0ut-t0ken"
# The proxy sends `Host: $host`, the name without its port: the replicas must allow it by name.
ALLOWED_HOST = "127.0.0.1"


@dataclass
class Deployment:
    """Two replicas on one sandbox behind the proxy. `url` is the proxy's MCP endpoint;
    `proxy.served` / `proxy.calls()` say which replica served what (`proxy.reset()` forgets)."""

    url: str
    proxy: Proxy
    sandbox: SandboxServer
    token: str

    def http(self, **headers: str) -> httpx2.AsyncClient:
        """A client carrying the bearer token (and `headers`): one kept-alive connection."""
        return httpx2.AsyncClient(headers={"Authorization": f"Bearer {self.token}", **headers}, timeout=30)


@contextmanager
def deployment(folder: Path, sandbox: SandboxServer, **env: str) -> Iterator[Deployment]:
    """Two `serve --transport http` processes (started at once) on `sandbox`, the proxy in front.

    `env` adds to or overrides the replicas' settings; a value of "" leaves that setting out
    (BACKLOG_API_KEY="" for a deployment where every request brings its own credentials).
    """
    settings = {
        "BACKLOG_BASE_URL": sandbox.base_url,
        "BACKLOG_API_KEY": sandbox.api_key,
        "BACKLOG_TIMEZONE": "Asia/Tokyo",
        "MCP_HTTP_AUTH_TOKENS": TOKEN,
        "MCP_HTTP_ALLOWED_HOSTS": ALLOWED_HOST,
    } | env
    given = {name: value for name, value in settings.items() if value}
    with ExitStack() as replicas, ThreadPoolExecutor(2) as pool:
        launched = [http_server(folder, sandbox=False, **given) for _ in range(2)]
        servers = list(pool.map(replicas.enter_context, launched))
        for server in servers:  # SIGTERM to both first, so they drain at once rather than in turn
            replicas.callback(server.process.terminate)
        urls = [server.url for server in servers]
        with _proxy([url.removesuffix("/mcp") for url in urls], folder) as proxy:
            yield Deployment(proxy.url + "/mcp", proxy, sandbox, TOKEN)


@contextmanager
def _proxy(replicas: list[str], folder: Path) -> Iterator[Proxy]:
    nginx = os.environ.get("SCALEOUT_NGINX")
    if nginx:
        from tests.e2e.roundrobin import real_nginx

        with real_nginx(nginx, replicas, folder) as proxy:
            yield proxy
    else:
        with round_robin(replicas) as proxy:
            yield proxy


@pytest.fixture(scope="module")
def scale_out_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with SandboxServer() as sandbox, deployment(tmp_path_factory.mktemp("replicas"), sandbox) as deployed:
        yield deployed


@pytest.fixture
def scale_out(scale_out_deployment: Deployment) -> Deployment:
    """The module's deployment, its proxy's records emptied for this test."""
    scale_out_deployment.proxy.reset()
    return scale_out_deployment


# A realistic session: reference data, lists, issues, comments, counts; (tool, arguments, a line
# of the right answer).
SESSION: list[tuple[str, dict[str, Any], str]] = [
    ("backlog_get_space", {}, "Space: Demo Space (key demo)"),
    ("backlog_get_projects", {}, "4 projects, all shown:"),
    ("backlog_get_statuses", {"projectIdOrKey": "DEMO"}, "6 statuses in DEMO, all shown:"),
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 3}, "Issues 1–3 of 52:"),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-1"}, "# DEMO-1 "),
    ("backlog_get_comments", {"issueIdOrKey": "DEMO-4", "count": 3}, "shown (newest first) of 263 in total"),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-2"}, "# DEMO-2 "),
    ("backlog_count_issues", {"projectIdOrKey": "DEMO"}, "52 issues match (projectIdOrKey=DEMO)."),
    ("backlog_get_users", {"projectIdOrKey": "DEMO"}, "8 users in DEMO, all shown:"),
    ("backlog_get_priorities", {}, "3 priorities, all shown:"),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-6"}, "# DEMO-6 "),
    ("backlog_get_issue_types", {"projectIdOrKey": "DEMO"}, "4 issue types in DEMO, all shown:"),
    ("backlog_get_categories", {"projectIdOrKey": "DEMO"}, "5 categories in DEMO, all shown:"),
    ("backlog_get_milestones", {"projectIdOrKey": "DEMO"}, "4 milestones in DEMO (active)"),
    ("backlog_get_issue", {"issueIdOrKey": "VNAPP-1"}, "# VNAPP-1 "),
    ("backlog_get_issue_list", {"projectIdOrKey": "DEMO", "statusId": [1], "count": 5}, "Issues 1–5 of "),
    ("backlog_get_comments", {"issueIdOrKey": "DEMO-1", "count": 5}, "Comments on DEMO-1"),
    ("backlog_get_statuses", {"projectIdOrKey": "VNAPP"}, "statuses in VNAPP"),
    ("backlog_get_space", {}, "You: 田中 太郎 (userId tanaka.taro"),
    ("backlog_get_issue", {"issueIdOrKey": "DEMO-4"}, "# DEMO-4 "),
    ("backlog_count_issues", {"projectIdOrKey": "VNAPP"}, "issues match (projectIdOrKey=VNAPP)."),
    ("backlog_get_users", {"projectIdOrKey": "VNAPP"}, "users in VNAPP"),
]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_one_session_over_one_connection_is_served_by_both_replicas_every_call_right(
    scale_out: Deployment, mode: str
) -> None:
    # One client, one kept-alive connection to the proxy: per-connection balancing would pin it.
    async with (
        scale_out.http() as http,
        Client(streamable_http_client(scale_out.url, http_client=http), mode=mode) as client,
    ):
        for tool, arguments, expected in SESSION:
            assert expected in await call(client, tool, arguments), tool
    calls = scale_out.proxy.calls()
    assert sum(calls) == len(SESSION)
    assert min(calls) >= 0.4 * len(SESSION), calls  # round-robin: about half each


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_two_users_at_once_through_both_replicas_each_see_only_themselves(
    tmp_path: Path, mode: str
) -> None:
    # Per-user mode: the replicas have no key of their own, each caller brings theirs.
    users = {"鈴木 花子": "suzuki.hanako", "Nguyễn Văn An": "nguyen.van.an"}
    with SandboxServer() as sandbox, deployment(tmp_path, sandbox, BACKLOG_API_KEY="") as deployed:
        seen: dict[str, list[str]] = {name: [] for name in users}
        async with (
            deployed.http(**{"X-Backlog-Api-Key": member_api_key("suzuki.hanako")}) as hanako_http,
            deployed.http(**{"X-Backlog-Api-Key": member_api_key("nguyen.van.an")}) as an_http,
            Client(streamable_http_client(deployed.url, http_client=hanako_http), mode=mode) as hanako,
            Client(streamable_http_client(deployed.url, http_client=an_http), mode=mode) as an,
        ):
            clients = {"鈴木 花子": hanako, "Nguyễn Văn An": an}

            async def ask(name: str) -> None:
                text = await call(clients[name], "backlog_get_space")
                seen[name].append(text.split("You: ", 1)[1].split(" (userId", 1)[0])

            # Both sessions open at once. In turns A B B A, so that per-request round-robin gives
            # each user both replicas (A B A B would pin each to one).
            for _ in range(4):
                for name in ["鈴木 花子", "Nguyễn Văn An", "Nguyễn Văn An", "鈴木 花子"]:
                    await ask(name)
            async with anyio.create_task_group() as group:  # and all at once
                for name in [*users] * 4:
                    group.start_soon(ask, name)
        served = deployed.proxy.served
    assert seen == {name: [name] * 12 for name in users}
    callers = [[s.caller for s in replica if s.rpc == "tools/call"] for replica in served]
    assert sum(map(len, callers)) == 24
    for replica in callers:  # each replica served calls of both users, so its caches held both
        assert {member_api_key(u) for u in users.values()} == set(replica), replica


async def test_health_through_the_proxy_comes_from_each_replica_in_turn(scale_out: Deployment) -> None:
    async with scale_out.http() as http:
        answers = [await http.get(scale_out.url.replace("/mcp", "/health")) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json()["status"] for a in answers] == ["ok"] * 4
    assert [len(replica) for replica in scale_out.proxy.served] == [2, 2]


async def test_without_the_token_the_replicas_refuse_through_the_proxy_too(scale_out: Deployment) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with httpx2.AsyncClient() as http:
        refused = await http.post(scale_out.url, json=ping)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"


def test_nginx_conf_balances_two_replicas_per_request_and_never_resends_a_post() -> None:
    root = parse_nginx(NGINX_CONF.read_text(encoding="utf-8"))
    upstream = root.one("upstream")
    assert upstream.args == ["backlog_mcp"]
    assert [d.args for d in upstream.all("server")] == [["backlog-mcp-1:8000"], ["backlog-mcp-2:8000"]]
    assert {d.name for d in upstream.block or []} <= {"server", "keepalive"}  # no hash, no sticky
    server = root.one("server")
    assert server.one("listen").args == ["8080"]
    assert server.one("proxy_next_upstream").args == ["error", "timeout"]
    assert server.one("proxy_buffering").args == ["off"]
    assert server.one("proxy_http_version").args == ["1.1"]
    assert int(server.one("proxy_read_timeout").args[0].removesuffix("s")) >= 600
    assert server.all("proxy_pass_request_headers") == []
    # The locations only pass: every setting above holds for them, none is overridden there.
    assert {d.name for loc in server.all("location") for d in loc.block or []} == {"proxy_pass"}
    site = nginx_site()
    assert [(loc.exact, loc.path, loc.upstream) for loc in site.locations] == [
        (False, "/mcp", "backlog_mcp"),
        (True, "/health", "backlog_mcp"),
    ]
    assert site.headers == {
        "connection": "",
        "host": "$host",
        "x-forwarded-for": "$proxy_add_x_forwarded_for",
        "x-forwarded-proto": "$scheme",
        "x-forwarded-host": "$host",
    }  # and nothing that blanks Authorization, X-Backlog-* or Mcp-*


# The proxy itself, in front of two tiny upstreams that say who they are and what they got.
PASSED = {
    "authorization": "Bearer t",
    "x-backlog-api-key": "k",
    "x-backlog-access-token": "a",
    "mcp-session-id": "s",
    "mcp-protocol-version": "2025-06-18",
}


def _upstream(name: str, gate: threading.Event) -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"name": name, "headers": dict(request.headers)})

    async def events(_: Request) -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            yield b"data: first\n\n"
            await anyio.to_thread.run_sync(gate.wait)  # the second only once the first was read
            yield b"data: second\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(routes=[Route("/health", echo), Route("/mcp", events, methods=["POST"])])


@dataclass
class Pair:
    proxy: Proxy
    gate: threading.Event


@pytest.fixture
def pair() -> Iterator[Pair]:
    gate = threading.Event()
    with (
        serving(_upstream("one", gate)) as one,
        serving(_upstream("two", gate)) as two,
        round_robin([one, two]) as proxy,
    ):
        yield Pair(proxy, gate)
        gate.set()  # a stream a failed test left open ends


async def test_the_proxy_balances_per_request_passes_headers_but_hop_by_hop_and_404s_the_rest(
    pair: Pair,
) -> None:
    proxy = pair.proxy
    sent = {**PASSED, "connection": "keep-alive, x-hop", "x-hop": "1", "x-forwarded-for": "10.0.0.9"}
    async with httpx2.AsyncClient(headers=sent) as http:
        answers = [(await http.get(proxy.url + "/health")).json() for _ in range(4)]
        unknown = await http.get(proxy.url + "/admin")
        prefix = await http.get(proxy.url + "/healthz")
    assert [a["name"] for a in answers] == ["one", "two", "one", "two"]
    got = answers[0]["headers"]
    assert {k: got.get(k) for k in PASSED} == PASSED
    assert "x-hop" not in got
    assert got["host"] == "127.0.0.1"  # $host: the name the client used, without the port
    assert got["x-forwarded-for"] == "10.0.0.9, 127.0.0.1"
    assert got["x-forwarded-proto"] == "http"
    assert (unknown.status_code, prefix.status_code) == (404, 404)  # `= /health` is exact
    assert [len(replica) for replica in proxy.served] == [2, 2]


async def test_the_proxy_streams_each_server_sent_event_as_it_comes(pair: Pair) -> None:
    with anyio.fail_after(5):  # a buffering proxy would hold the first event until the second
        async with (
            httpx2.AsyncClient() as http,
            http.stream("POST", pair.proxy.url + "/mcp", json={}) as answer,
        ):
            lines = answer.aiter_lines()
            assert await anext(lines) == "data: first"
            pair.gate.set()
            assert [line async for line in lines if line] == ["data: second"]
    assert answer.headers["content-type"].startswith("text/event-stream")
