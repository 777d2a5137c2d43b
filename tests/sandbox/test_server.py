"""SandboxServer life cycle, the request log, determinism, and `python -m backlog_mcp.sandbox`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

import backlog_mcp
from backlog_mcp.sandbox import PARENT_ISSUE, SANDBOX_API_KEY, DemoSpace, RequestRecord, SandboxServer


def test_request_log_omits_the_api_key(sandbox: SandboxServer, api: httpx2.Client) -> None:
    api.get("/issues", params=[("statusId[]", 1), ("statusId[]", 2), ("count", 5)])
    api.get("/issues/NOPE-1")
    assert sandbox.requests == [
        RequestRecord(
            "GET", "/api/v2/issues", (("statusId[]", "1"), ("statusId[]", "2"), ("count", "5")), 200
        ),
        RequestRecord("GET", "/api/v2/issues/NOPE-1", (), 404),
    ]
    assert SANDBOX_API_KEY not in repr(sandbox.requests)


def test_request_log_records_failures_and_can_be_cleared(
    sandbox: SandboxServer, anonymous: httpx2.Client
) -> None:
    anonymous.get("/api/v2/space", params={"apiKey": "wrong", "q": "日本語"})
    assert sandbox.requests == [RequestRecord("GET", "/api/v2/space", (("q", "日本語"),), 401)]
    sandbox.reset_requests()
    assert sandbox.requests == []


def test_start_is_fast_and_stop_is_idempotent() -> None:
    started = time.perf_counter()
    server = SandboxServer()
    server.start()
    try:
        assert time.perf_counter() - started < 0.5
        assert server.base_url.startswith("http://127.0.0.1:")
        response = httpx2.get(f"{server.base_url}/api/v2/space", params={"apiKey": server.api_key})
        assert response.json()["spaceKey"] == "demo"
    finally:
        server.stop()
    server.stop()
    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_small_answers_are_not_held_back_by_delayed_acks(api: httpx2.Client) -> None:
    # Headers and body go out as two writes; without TCP_NODELAY each answer costs ~40 ms.
    started = time.perf_counter()
    for _ in range(20):
        assert api.get("/space").status_code == 200
    assert time.perf_counter() - started < 0.4


def test_stopped_server_refuses_connections() -> None:
    with SandboxServer() as server:
        url = f"{server.base_url}/api/v2/space"
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(url, params={"apiKey": SANDBOX_API_KEY})


def test_async_context_manager() -> None:
    async def run() -> int:
        async with SandboxServer() as server, httpx2.AsyncClient() as client:
            response = await client.get(
                f"{server.base_url}/api/v2/users/myself", params={"apiKey": server.api_key}
            )
            return response.status_code

    assert asyncio.run(run()) == 200


def test_demo_space_is_deterministic() -> None:
    def dump(space: DemoSpace) -> str:
        return json.dumps([(issue.json, issue.comments) for issue in space.issues], ensure_ascii=False)

    assert dump(DemoSpace()) == dump(DemoSpace())


def test_users_cover_every_role_and_the_odd_cases(api: httpx2.Client) -> None:
    users = api.get("/users").json()
    assert len(users) >= 8
    assert {user["roleType"] for user in users} == set(range(1, 7))
    assert any(user["lang"] is None for user in users)
    assert any(user["nulabAccount"] is None and user["lastLoginTime"] is None for user in users)
    assert set(users[0]) == {
        "id",
        "userId",
        "name",
        "roleType",
        "lang",
        "nulabAccount",
        "mailAddress",
        "lastLoginTime",
    }
    assert api.get(f"/users/{users[3]['id']}").json() == users[3]


def test_fixed_lists(api: httpx2.Client) -> None:
    assert api.get("/priorities").json() == [
        {"id": 2, "name": "高"},
        {"id": 3, "name": "中"},
        {"id": 4, "name": "低"},
    ]
    assert [r["id"] for r in api.get("/resolutions").json()] == [0, 1, 2, 3, 4]
    assert [s["name"] for s in api.get("/statuses").json()] == ["未対応", "処理中", "処理済み", "完了"]
    space = api.get("/space").json()
    assert (space["lang"], space["timezone"], space["textFormattingRule"]) == ("ja", "Asia/Tokyo", "markdown")


def test_projects_and_archived_filter(api: httpx2.Client) -> None:
    keys = [p["projectKey"] for p in api.get("/projects").json()]
    archived = [p["projectKey"] for p in api.get("/projects", params={"archived": "true"}).json()]
    active = [p["projectKey"] for p in api.get("/projects", params={"archived": "false"}).json()]
    assert keys == ["DEMO", "VNAPP", "OPS", "LEGACY"]
    assert archived == ["LEGACY"]
    assert active == ["DEMO", "VNAPP", "OPS"]


def test_project_by_id_or_key_and_its_settings(api: httpx2.Client) -> None:
    demo = api.get("/projects/DEMO").json()
    assert api.get(f"/projects/{demo['id']}").json() == demo
    statuses = api.get("/projects/DEMO/statuses").json()
    assert {(s["id"], s["name"]) for s in statuses} >= {(101, "レビュー待ち"), (102, "保留"), (1, "未対応")}
    assert [s["displayOrder"] for s in statuses] == sorted(s["displayOrder"] for s in statuses)
    assert {f["typeId"] for f in api.get("/projects/DEMO/customFields").json()} == set(range(1, 9))
    assert [t["name"] for t in api.get("/projects/DEMO/issueTypes").json()] == [
        "バグ",
        "タスク",
        "要望",
        "その他",
    ]
    versions = api.get("/projects/DEMO/versions").json()
    assert any(v["archived"] for v in versions)
    assert any(v["releaseDueDate"] is None for v in versions)
    assert api.get("/projects/DEMO/categories").json()
    assert len(api.get("/projects/VNAPP/users").json()) >= 3
    assert api.get("/projects/OPS/statuses").json()[0]["name"] == "Open"


@pytest.mark.skipif(sys.platform == "win32", reason="stops the child with SIGINT")
def test_module_entry_point_serves_and_talks_only_on_stderr() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(backlog_mcp.__file__).parents[1])}
    with subprocess.Popen(
        [sys.executable, "-m", "backlog_mcp.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    ) as child:
        assert child.stderr is not None
        try:
            banner = [child.stderr.readline() for _ in range(6)]
            base_url = banner[0].rsplit(" ", 1)[-1].strip()
            assert base_url.startswith("http://127.0.0.1:")
            response = httpx2.get(
                f"{base_url}/api/v2/issues/{PARENT_ISSUE}", params={"apiKey": SANDBOX_API_KEY}
            )
            assert response.status_code == 200
        finally:
            child.send_signal(signal.SIGINT)
            stdout, stderr = child.communicate(timeout=10)
    assert stdout == ""
    assert f"  BACKLOG_API_KEY={SANDBOX_API_KEY}\n" in banner
    assert "Traceback" not in stderr
    assert child.returncode == 0
