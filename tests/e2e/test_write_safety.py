"""What holds for every write tool: off by default whatever else is switched on, annotations true
to the effect, no delete tools, one audit line per write, and a write never sent twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.server import build_server
from tests.e2e.conftest import WRITE_TOOL_NAMES, call, call_error, workspace_settings, writes_sent

pytestmark = pytest.mark.anyio

# The issue's table, and its annotations: (destructive, idempotent) per tool.
HINTS = {
    "backlog_add_issue": (False, False),
    "backlog_update_issue": (True, False),
    "backlog_add_comment": (False, False),
    "backlog_update_comment": (True, True),
    "backlog_watch_issue": (False, True),
    "backlog_add_wiki_page": (False, False),
    "backlog_update_wiki_page": (True, True),
    "backlog_add_document": (False, False),
    "backlog_add_pull_request_comment": (False, False),
    "backlog_mark_notifications_read": (False, True),
}


def test_the_write_tools_are_exactly_those_of_the_issue() -> None:
    assert HINTS.keys() == WRITE_TOOL_NAMES


async def test_every_write_is_annotated_true_to_its_effect(sandbox: SandboxServer, workspace: Path) -> None:
    settings = workspace_settings(sandbox, workspace, read_only=False)
    async with Client(build_server(settings)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    for name, (destructive, idempotent) in HINTS.items():
        hints = tools[name].annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.open_world_hint) == (False, True), name
        assert (hints.destructive_hint, hints.idempotent_hint) == (destructive, idempotent), name
        assert "dryRun" in tools[name].input_schema["properties"], name
    assert not [n for n in tools if any(word in n for word in ("delete", "remove", "archive"))]


async def test_read_only_hides_and_refuses_every_write_even_when_enabled_by_name(
    sandbox: SandboxServer, workspace: Path
) -> None:
    settings = workspace_settings(sandbox, workspace, enabled_tools=",".join(sorted(HINTS)))
    async with Client(build_server(settings)) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        assert not listed & HINTS.keys()
        for name in HINTS:
            error = await call_error(client, name, {"dryRun": True})
            assert "BACKLOG_READ_ONLY" in error, name
            assert "writes to Backlog" in error
    assert "POST" not in " ".join(f"{r.method}" for r in sandbox.requests)


async def test_each_real_write_appends_one_audit_line_and_a_dry_run_none(
    write_sandbox: SandboxServer, workspace: Path, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    settings = workspace_settings(write_sandbox, workspace, read_only=False, audit_log=audit)
    comment = {"issueIdOrKey": "DEMO-1", "content": "監査されるコメント"}
    async with Client(build_server(settings)) as client:
        await call(client, "backlog_add_comment", {**comment, "dryRun": True})
        assert not audit.exists()
        await call(client, "backlog_add_comment", comment)
        await call_error(
            client, "backlog_update_comment", {"issueIdOrKey": "DEMO-1", "commentId": 1, "content": "x"}
        )
    lines = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert [line["tool"] for line in lines] == ["backlog_add_comment"]
    entry = lines[0]
    assert entry["target"].endswith("DEMO-1")
    assert entry["fields"]["content"] == "監査されるコメント"
    assert entry["outcome"] == "done"
    assert isinstance(entry["id"], int)
    assert entry["time"].endswith("Z")
    assert write_sandbox.api_key not in audit.read_text(encoding="utf-8")


async def test_a_refused_write_is_audited_as_failed(
    write_sandbox: SandboxServer, workspace: Path, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    settings = workspace_settings(write_sandbox, workspace, read_only=False, audit_log=audit)
    write_sandbox.faults.fail_status = 403
    write_sandbox.faults.fail_next_writes = 1
    async with Client(build_server(settings)) as client:
        error = await call_error(client, "backlog_add_comment", {"issueIdOrKey": "DEMO-1", "content": "x"})
    (entry,) = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert entry["outcome"].startswith("failed: ")
    assert entry["id"] is None
    assert "HTTP 403" in error


async def test_a_write_that_timed_out_is_not_sent_again_and_says_what_to_look_at(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    settings = workspace_settings(write_sandbox, workspace, read_only=False, timeout_seconds=0.5)
    async with Client(build_server(settings)) as client:
        await call(client, "backlog_get_comments", {"issueIdOrKey": "DEMO-1", "count": 1})
        write_sandbox.faults.write_answer_delay_seconds = 3
        error = await call_error(
            client, "backlog_add_comment", {"issueIdOrKey": "DEMO-1", "content": "一度だけ"}
        )
        write_sandbox.faults.write_answer_delay_seconds = 0
        latest = await call(
            client, "backlog_get_comments", {"issueIdOrKey": "DEMO-1", "count": 5, "order": "desc"}
        )
    assert "may or may not have been done" in error
    assert "backlog_get_comments" in error
    assert latest.count("一度だけ") == 1  # done once by the sandbox, and not sent again


async def test_the_audit_line_of_an_issue_names_its_files_and_an_updates_comment_id(
    write_sandbox: SandboxServer, workspace: Path, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    workspace.mkdir(parents=True)
    (workspace / "手順.txt").write_text("手順", encoding="utf-8")
    settings = workspace_settings(write_sandbox, workspace, read_only=False, audit_log=audit)
    async with Client(build_server(settings)) as client:
        types = await call(client, "backlog_get_issue_types", {"projectIdOrKey": "DEMO"})
        type_id = int(types.splitlines()[3].split("|")[1])
        added = {
            "projectIdOrKey": "DEMO",
            "summary": "監査",
            "issueTypeId": type_id,
            "attachFiles": ["手順.txt"],
        }
        await call(client, "backlog_add_issue", added)
        updated = await call(
            client, "backlog_update_issue", {"issueIdOrKey": "DEMO-1", "comment": "確認しました"}
        )
    add, update = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert add["fields"]["attachFiles"] == ["手順.txt"]
    assert isinstance(add["id"], int)
    assert f"ID {update['id']}, " in updated  # the comment the update created, not the issue


@pytest.mark.parametrize(
    ("tool", "arguments", "lister"),
    [
        ("backlog_update_wiki_page", {"wikiId": 5, "content": "x"}, "backlog_get_wiki_pages"),
        (
            "backlog_add_wiki_page",
            {"projectIdOrKey": "NOPE", "name": "x", "content": "y"},
            "backlog_get_projects",
        ),
        (
            "backlog_add_pull_request_comment",
            {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "number": 999, "content": "x"},
            "backlog_get_pull_requests",
        ),
        (
            "backlog_add_pull_request_comment",
            {"projectIdOrKey": "DEMO", "repoIdOrName": "nope", "number": 1, "content": "x"},
            "backlog_get_git_repositories",
        ),
        ("backlog_add_comment", {"issueIdOrKey": "DEMO-99999", "content": "x"}, "backlog_get_issue_list"),
    ],
)
async def test_a_write_naming_what_does_not_exist_names_the_tool_that_lists_it(
    write_sandbox: SandboxServer, workspace: Path, tool: str, arguments: dict[str, object], lister: str
) -> None:
    settings = workspace_settings(write_sandbox, workspace, read_only=False)
    async with Client(build_server(settings)) as client:
        error = await call_error(client, tool, arguments)
    assert "not found" in error
    assert lister in error
    assert writes_sent(write_sandbox) == []


async def test_attach_files_refuses_every_way_out_of_the_workspace_and_what_is_not_a_file(
    write_sandbox: SandboxServer, workspace: Path, tmp_path: Path
) -> None:
    workspace.mkdir(parents=True)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    (workspace / "link").symlink_to(outside)
    (workspace / "folder").mkdir()
    (workspace / "big.bin").write_bytes(b"x" * 64)
    (workspace / "ベトナム語 tệp.txt").write_text("xin chào", encoding="utf-8")
    settings = workspace_settings(write_sandbox, workspace, read_only=False, max_attachment_bytes=32)
    comment = {"issueIdOrKey": "DEMO-1", "content": "添付"}
    refused = {
        "link": "outside the workspace",
        str(outside): "outside the workspace",
        "../secret.txt": "outside the workspace",
        "folder": "is not a file",
        "missing.txt": "is not a file",
        "big.bin": "over the 32 B cap (BACKLOG_MAX_ATTACHMENT_BYTES)",
    }
    async with Client(build_server(settings)) as client:
        for path, reason in refused.items():
            error = await call_error(client, "backlog_add_comment", {**comment, "attachFiles": [path]})
            assert reason in error, path
        done = await call(client, "backlog_add_comment", {**comment, "attachFiles": ["ベトナム語 tệp.txt"]})
    assert "ベトナム語 tệp.txt" in done
    assert writes_sent(write_sandbox) == [
        "POST /api/v2/space/attachment",
        "POST /api/v2/issues/DEMO-1/comments",
    ]
