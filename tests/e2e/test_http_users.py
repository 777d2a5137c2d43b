"""One deployment, many users: each request may bring its own Backlog credential over HTTP.

The servers here run in subprocesses against one shared sandbox, in whose demo space every member
has a key (`member_api_key`) and a token: `backlog_get_space` names whom Backlog sees.
"""

from __future__ import annotations

import json
import re
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from backlog_mcp.sandbox import SANDBOX_API_KEY, SandboxServer
from backlog_mcp.sandbox.app import member_access_token, member_api_key
from tests.e2e.conftest import call, call_error
from tests.e2e.test_http_serve import Served, http_server

pytestmark = pytest.mark.anyio

ADMIN = "田中 太郎"
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
JSON_RPC = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture(scope="module")
def keyless(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server with no Backlog key of its own: per-user mode."""
    with http_server(
        tmp_path_factory.mktemp("keyless"), sandbox=False, BACKLOG_BASE_URL=sandbox.base_url
    ) as s:
        yield s


@asynccontextmanager
async def session(url: str, headers: dict[str, str], mode: str = "auto") -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client


async def who(client: Client) -> str:
    text = await call(client, "backlog_get_space")
    return text.split("You: ", 1)[1].split(" (userId", 1)[0]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_each_caller_acts_as_the_user_whose_key_they_send_with_caches_of_their_own(
    keyless: Served, mode: str
) -> None:
    callers = {
        "鈴木 花子": {"X-Backlog-Api-Key": member_api_key("suzuki.hanako")},
        "John Smith": {"X-Backlog-Access-Token": member_access_token("john.smith")},
        ADMIN: {"X-Backlog-Api-Key": SANDBOX_API_KEY},
    }
    async with (
        session(keyless.url, callers["鈴木 花子"], mode) as hanako,
        session(keyless.url, callers["John Smith"], mode) as john,
        session(keyless.url, callers[ADMIN], mode) as admin,
    ):
        clients = {"鈴木 花子": hanako, "John Smith": john, ADMIN: admin}
        # Interleaved and repeated: a cache shared between users would answer one with another's name.
        for _ in range(2):
            for name, client in clients.items():
                assert await who(client) == name
        # Concurrent calls of different users never cross either.
        seen: dict[str, list[str]] = {name: [] for name in clients}

        async def ask(name: str) -> None:
            seen[name].append(await who(clients[name]))

        async with anyio.create_task_group() as group:
            for name in [*clients] * 3:
                group.start_soon(ask, name)
        assert seen == {name: [name] * 3 for name in clients}


async def test_a_server_without_a_key_of_its_own_refuses_a_request_without_credentials_with_401(
    keyless: Served,
) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        refused = await http.post(keyless.url, json=PING, headers=JSON_RPC)
        health = await http.get(keyless.url.replace("/mcp", "/health"))
    assert refused.status_code == 401
    # A scheme of its own: not Bearer, which MCP clients would take for an OAuth challenge.
    assert (
        refused.headers["www-authenticate"] == 'BacklogApiKey realm="backlog-mcp", header="X-Backlog-Api-Key"'
    )
    assert refused.json() == {
        "error": "unauthorized",
        "error_description": "This server has no Backlog key of its own: send yours in the X-Backlog-Api-Key "
        "header (or an OAuth token in X-Backlog-Access-Token).",
    }
    assert health.status_code == 200
    assert b"no Backlog key of its own" in b"".join(keyless.stderr)  # the operator is told at start


async def test_both_credentials_at_once_or_a_malformed_one_is_400_without_echoing_it(keyless: Served) -> None:
    both = {"X-Backlog-Api-Key": "abcdefgh123", "X-Backlog-Access-Token": "ijklmnop456"}
    repeated = [*JSON_RPC.items(), ("X-Backlog-Api-Key", "abcdefgh123"), ("X-Backlog-Api-Key", "qrstuvw789")]
    async with httpx2.AsyncClient(timeout=30) as http:
        twice = await http.post(keyless.url, json=PING, headers={**JSON_RPC, **both})
        doubled = await http.post(keyless.url, json=PING, headers=repeated)
        raw = [(k.encode(), v.encode()) for k, v in JSON_RPC.items()]
        accented_token = [*raw, (b"X-Backlog-Access-Token", "secrétTOKEN".encode())]
        accented = await http.post(keyless.url, json=PING, headers=accented_token)
        spaced = await http.post(keyless.url, json=PING, headers={**JSON_RPC, "X-Backlog-Api-Key": "a b\tc"})
        long = await http.post(keyless.url, json=PING, headers={**JSON_RPC, "X-Backlog-Api-Key": "k" * 600})
    for refused in (twice, doubled):
        assert refused.status_code == 400
        assert (
            "send one X-Backlog-Api-Key or one X-Backlog-Access-Token, not both nor one twice" in refused.text
        )
        assert "abcdefgh123" not in refused.text
    assert accented.status_code == 400
    assert "X-Backlog-Access-Token is empty or not a Backlog credential" in accented.text
    for refused in (spaced, long):
        assert refused.status_code == 400
        assert "X-Backlog-Api-Key is empty or not a Backlog credential" in refused.text
    assert "a b" not in spaced.text


async def test_a_key_backlog_rejects_names_the_header_and_never_appears_in_an_answer_or_a_log(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    wrong = "wrong-user-key-0123456789"
    with http_server(
        tmp_path, sandbox=False, BACKLOG_BASE_URL=sandbox.base_url, BACKLOG_LOG_LEVEL="DEBUG"
    ) as served:
        async with session(served.url, {"X-Backlog-Api-Key": wrong}) as client:
            error = await call_error(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-6"})
        async with httpx2.AsyncClient(timeout=30) as http:  # a secret put in the query, any name
            headers = {**JSON_RPC, "X-Backlog-Api-Key": SANDBOX_API_KEY}
            await http.post(f"{served.url}?token=query-secret-123456", json=PING, headers=headers)
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(timeout=15)
    assert "Backlog rejected the API key sent as X-Backlog-Api-Key (HTTP 401)" in error
    assert "127.0.0.1" in error  # the space this server serves, which the caller cannot change
    log = b"".join(served.stderr)
    assert b'"POST /mcp HTTP/1.1" 200' in log  # DEBUG really logged the requests
    assert wrong not in error
    assert wrong.encode() not in log
    assert b"query-secret-123456" not in log  # the access log drops query strings


async def test_with_tokens_a_caller_needs_one_even_with_a_key_and_then_acts_as_that_key(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    with http_server(
        tmp_path,
        sandbox=False,
        BACKLOG_BASE_URL=sandbox.base_url,
        BACKLOG_API_KEY=SANDBOX_API_KEY,
        MCP_HTTP_AUTH_TOKENS="team-t0ken",
    ) as served:
        hanako = {"X-Backlog-Api-Key": member_api_key("suzuki.hanako")}
        async with httpx2.AsyncClient(timeout=30) as http:
            refused = await http.post(served.url, json=PING, headers={**JSON_RPC, **hanako})
        assert refused.status_code == 401
        token = {"Authorization": "Bearer team-t0ken"}
        async with session(served.url, {**token, **hanako}) as as_hanako, session(served.url, token) as own:
            assert await who(as_hanako) == "鈴木 花子"
            assert await who(own) == ADMIN  # no key of the caller's: the server's own


async def test_per_user_mode_may_bind_beyond_loopback_with_the_host_check_alone(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    with http_server(
        tmp_path,
        "--host",
        "0.0.0.0",
        sandbox=False,
        BACKLOG_BASE_URL=sandbox.base_url,
        MCP_HTTP_ALLOWED_HOSTS="mcp.example.com",
    ) as served:
        url = served.url.replace("0.0.0.0", "127.0.0.1")
        async with session(url, {"X-Backlog-Api-Key": member_api_key("john.smith")}) as client:
            assert await who(client) == "John Smith"
        async with httpx2.AsyncClient(timeout=30) as http:
            headers = {**JSON_RPC, "Host": "evil.example.com", "X-Backlog-Api-Key": SANDBOX_API_KEY}
            rebound = await http.post(url, json=PING, headers=headers)
        assert rebound.status_code == 421


# One tools/call as each protocol era's client sends it, without a session (any replica may get
# it): the body's extra params, and the extra headers.
ERAS: dict[str, tuple[dict[str, object], dict[str, str]]] = {
    "2025-06-18": ({}, {}),
    "2026-07-28": (
        {
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
            }
        },
        {"Mcp-Method": "tools/call", "Mcp-Name": "backlog_get_issue"},
    ),
}


@pytest.mark.parametrize("era", ERAS)
async def test_sigterm_lets_the_call_in_flight_finish_refuses_new_ones_and_exits(
    sandbox: SandboxServer, tmp_path: Path, era: str
) -> None:
    arrived = threading.Event()
    sandbox.faults.latency_seconds = 1.0
    extra_params, extra_headers = ERAS[era]
    params = {"name": "backlog_get_issue", "arguments": {"issueIdOrKey": "DEMO-6"}, **extra_params}
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": era, **extra_headers}
    try:
        with http_server(
            tmp_path, sandbox=False, BACKLOG_BASE_URL=sandbox.base_url, BACKLOG_API_KEY=SANDBOX_API_KEY
        ) as served:
            sandbox.faults.arrived = arrived
            answers: list[httpx2.Response] = []
            async with httpx2.AsyncClient(timeout=30) as http:

                async def slow_call() -> None:
                    answers.append(await http.post(served.url, json=body, headers=headers))

                async with anyio.create_task_group() as group:
                    group.start_soon(slow_call)
                    # The call has reached Backlog: it is in flight when the signal comes.
                    assert await anyio.to_thread.run_sync(arrived.wait, 10)
                    served.process.send_signal(signal.SIGTERM)
                    await refused_new_connections(served)
            assert served.process.wait(timeout=15) in (0, -signal.SIGTERM)
        assert [a.status_code for a in answers] == [200]
        assert "# DEMO-6 " in answers[0].text
        assert '"isError":true' not in answers[0].text.replace(" ", "")
    finally:
        sandbox.faults.reset()


async def refused_new_connections(served: Served) -> None:
    """Returns once the server takes no new connection (while still running or after it exits)."""
    health = served.url.replace("/mcp", "/health")
    with anyio.fail_after(10):
        while True:
            try:
                async with httpx2.AsyncClient(timeout=2) as http:
                    await http.get(health)
            except httpx2.ConnectError:
                return
            await anyio.sleep(0.05)


async def test_the_drain_is_bounded_a_call_longer_than_it_is_cut_off(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    arrived = threading.Event()
    sandbox.faults.latency_seconds = 8.0
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "backlog_get_space"}}
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    try:
        with http_server(
            tmp_path,
            sandbox=False,
            BACKLOG_BASE_URL=sandbox.base_url,
            BACKLOG_API_KEY=SANDBOX_API_KEY,
            MCP_HTTP_DRAIN_SECONDS="1",
        ) as served:
            sandbox.faults.arrived = arrived
            outcome: list[str] = []
            async with httpx2.AsyncClient(timeout=30) as http:

                async def slow_call() -> None:
                    try:
                        outcome.append((await http.post(served.url, json=body, headers=headers)).text)
                    except httpx2.RemoteProtocolError:
                        outcome.append("cut off")

                async with anyio.create_task_group() as group:
                    group.start_soon(slow_call)
                    assert await anyio.to_thread.run_sync(arrived.wait, 10)
                    served.process.send_signal(signal.SIGTERM)
                    # Exits while the Backlog answer is still 8 s away: the drain gave up after 1 s.
                    await anyio.to_thread.run_sync(served.process.wait, 6)
            assert outcome == ["cut off"]
    finally:
        sandbox.faults.reset()


async def test_a_callers_write_is_made_as_them_and_audited_with_their_name(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    with http_server(
        tmp_path,
        sandbox=False,
        BACKLOG_BASE_URL=sandbox.base_url,
        BACKLOG_READ_ONLY="false",
        BACKLOG_AUDIT_LOG=str(audit),
    ) as served:
        async with session(served.url, {"X-Backlog-Api-Key": member_api_key("suzuki.hanako")}) as client:
            done = await call(
                client, "backlog_add_comment", {"issueIdOrKey": "DEMO-7", "content": "確認しました"}
            )
    comment_id = int(done.split("comment ", 1)[1].split(" ", 1)[0].strip("#:"))
    with httpx2.Client(base_url=f"{sandbox.base_url}/api/v2", params={"apiKey": SANDBOX_API_KEY}) as api:
        comment = api.get(f"/issues/DEMO-7/comments/{comment_id}").json()
    assert comment["createdUser"]["userId"] == "suzuki.hanako"
    (line,) = audit.read_text(encoding="utf-8").splitlines()
    assert json.loads(line) | {"time": "t"} == {
        "time": "t",
        "tool": "backlog_add_comment",
        "target": "DEMO-7",
        "fields": {"content": "確認しました"},
        "outcome": "done",
        "id": comment_id,
        "user": "suzuki.hanako",
    }


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_server_is_built_once_per_process_so_caches_outlive_a_request(
    sandbox: SandboxServer, keyless: Served, mode: str
) -> None:
    # A user of this test's own, so the account's caches start empty.
    user = {"X-Backlog-Api-Key": member_api_key("sato.kenji" if mode == "auto" else "kobayashi.ren")}
    before = len(sandbox.requests)
    for _ in range(3):  # three sessions, each its own HTTP requests: stateless, nothing pinned
        async with session(keyless.url, user, mode) as client:
            assert "レビュー待ち" in await call(client, "backlog_get_statuses", {"projectIdOrKey": "DEMO"})
    asked = [r.path for r in sandbox.requests[before:] if r.path.endswith("/statuses")]
    assert asked == ["/api/v2/projects/DEMO/statuses"]  # cached by the first, kept for the others


async def test_the_rate_limit_note_is_each_users_own(sandbox: SandboxServer, keyless: Served) -> None:
    # Backlog counts each user's requests apart; the sandbox too. A low "read" limit makes the note
    # reachable in a few calls.
    sandbox.faults.rate_limits = {"read": 40}
    try:
        yuki = {"X-Backlog-Api-Key": member_api_key("yamamoto.yuki")}
        chau = {"X-Backlog-Api-Key": member_api_key("pham.minh.chau")}
        async with session(keyless.url, yuki) as busy, session(keyless.url, chau) as idle:
            busy_text = ""
            for issue in range(1, 40):  # each at least one read request, until the note comes
                busy_text = await call(busy, "backlog_get_issue", {"issueIdOrKey": f"DEMO-{issue}"})
                if "Note: Backlog's rate limit is low:" in busy_text:
                    break
            idle_text = await call(idle, "backlog_get_issue", {"issueIdOrKey": "DEMO-8"})
        assert "Note: Backlog's rate limit is low:" in busy_text
        assert "rate limit" not in idle_text
    finally:
        sandbox.faults.reset()


async def test_a_get_stream_is_405_so_none_holds_a_shutdown_for_the_whole_drain(keyless: Served) -> None:
    key = {"X-Backlog-Api-Key": SANDBOX_API_KEY, "Accept": "text/event-stream"}
    async with httpx2.AsyncClient(timeout=30) as http:
        stream = await http.get(keyless.url, headers=key)
    assert stream.status_code == 405
    assert stream.headers["allow"] == "POST, DELETE"


async def test_each_caller_has_a_workspace_of_their_own(sandbox: SandboxServer, tmp_path: Path) -> None:
    with http_server(
        tmp_path,
        sandbox=False,
        BACKLOG_BASE_URL=sandbox.base_url,
        BACKLOG_API_KEY=SANDBOX_API_KEY,  # callers without a key of their own share this one
        BACKLOG_READ_ONLY="false",
        BACKLOG_WORKSPACE=str(tmp_path / "ws"),
    ) as served:
        hanako = {"X-Backlog-Api-Key": member_api_key("suzuki.hanako")}
        john = {"X-Backlog-Api-Key": member_api_key("john.smith")}
        async with (
            session(served.url, hanako) as as_hanako,
            session(served.url, john) as as_john,
            session(served.url, {}) as as_server,
        ):
            screenshot = {"issueIdOrKey": "DEMO-1", "attachmentId": 1076000003}
            saved = await call(as_hanako, "backlog_download_attachment", screenshot)
            found = re.search(r"(attachments/DEMO-1/\S+\.png)", saved)
            assert found is not None, saved
            path = found.group(1)
            folders = [p.name for p in (tmp_path / "ws" / "users").iterdir()]
            assert len(folders) == 1  # hanako's; nobody else has saved anything
            hers = f"users/{folders[0]}/{path}"

            def comment(*files: str) -> dict[str, object]:
                return {"issueIdOrKey": "DEMO-7", "content": "x", "attachFiles": list(files), "dryRun": True}

            assert "(not sent)" in await call(as_hanako, "backlog_add_comment", comment(path))
            refusals = [
                await call_error(as_john, "backlog_add_comment", comment(path)),
                await call_error(as_john, "backlog_add_comment", comment(f"../{folders[0]}/{path}")),
                await call_error(as_server, "backlog_add_comment", comment(path)),
                await call_error(as_server, "backlog_add_comment", comment(hers)),
                await call_error(as_server, "backlog_add_comment", comment(f"../{hers}")),
            ]
            overwrite = {"issueIdOrKey": "DEMO-1", "outputDir": f"../users/{folders[0]}"}
            refusals.append(await call_error(as_server, "backlog_export_issue_context", overwrite))
    for refused in refusals:
        assert "is not a file in the workspace" in refused or "outside the workspace" in refused, refused
    assert (tmp_path / "ws" / "users" / folders[0] / path).is_file()
    assert not (tmp_path / "ws" / "users" / folders[0] / "DEMO-1" / "raw.md").exists()
