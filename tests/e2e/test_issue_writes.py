"""backlog_add_issue and backlog_update_issue through a real MCP client, each test against a
sandbox of its own (writes change its data)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from backlog_mcp.render.text import call_text
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.pinned import HOSTILE_COMMENT_ISSUE, HOSTILE_SUMMARY_ISSUE
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, call_error, until, workspace_settings, writes_sent

pytestmark = pytest.mark.anyio

_BUG = 1073790100
_FRONTEND, _BACKEND = 1073800100, 1073800101
_OTHER_USER = 1073741903  # a DEMO member
_NOT_A_MEMBER = 1073741915
_CUSTOMER, _NOTES, _POINTS, _RELEASE, _IMPACT, _BROWSERS, _CHECKS, _ENV = range(1073820001, 1073820009)


@pytest.fixture
async def writer(write_sandbox: SandboxServer, workspace: Path) -> AsyncIterator[Client]:
    """Writes switched on (BACKLOG_READ_ONLY=false), over the test's own sandbox."""
    workspace.mkdir(parents=True, exist_ok=True)
    settings = workspace_settings(write_sandbox, workspace, read_only=False)
    async with Client(build_server(settings)) as connected:
        yield connected


def add_args(**extra: Any) -> dict[str, Any]:
    return {"projectIdOrKey": "DEMO", "summary": "ログイン画面が崩れる", "issueTypeId": _BUG, **extra}


async def test_adding_an_issue_sends_one_write_and_reports_the_key_link_and_fields(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    text = await call(
        writer, "backlog_add_issue", add_args(description="手順:\n1. 開く", dueDate="2026-03-10")
    )
    assert writes_sent(write_sandbox) == ["POST /api/v2/issues"]
    lines = text.splitlines()
    assert lines[0] == f"Added DEMO-53: {write_sandbox.base_url}/view/DEMO-53"
    assert "- summary: ログイン画面が崩れる" in lines
    assert "- issueType: バグ (ID 1073790100)" in lines
    assert "- status: 未対応 (ID 1)" in lines
    assert "- priority: 中 (ID 3)" in lines  # the default: the space's normal priority
    assert "- dueDate: 2026-03-10" in lines
    assert "- description: 手順: 1. 開く" in lines  # by its start: the caller wrote it


async def test_a_dry_run_of_an_add_sends_no_write_and_shows_what_would_be_sent(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    text = await call(
        writer,
        "backlog_add_issue",
        add_args(
            categoryId=[_FRONTEND, _BACKEND],
            assigneeId=_OTHER_USER,
            priorityId=2,
            description="手順:\n1. 開く",
            dryRun=True,
        ),
    )
    assert "- description:\n```\n手順:\n1. 開く\n```" in text  # whole, as it would be sent
    assert writes_sent(write_sandbox) == []
    lines = text.splitlines()
    assert lines[0] == "Add issue to DEMO (not sent)"
    assert "- priority: 高 (ID 2)" in lines
    assert "- category: フロントエンド (ID 1073800100), バックエンド (ID 1073800101)" in lines
    assert any(line.startswith("- assignee: ") and f"(ID {_OTHER_USER})" in line for line in lines)
    assert lines[-1] == "Nothing was sent: call again without dryRun to do it."
    assert "DEMO-53" not in text
    assert "見つかりません" not in await call(writer, "backlog_get_issue_list", {"projectIdOrKey": "DEMO"})


async def test_the_default_priority_is_named_as_the_default_in_a_dry_run(writer: Client) -> None:
    text = await call(writer, "backlog_add_issue", add_args(dryRun=True))
    assert "- priority: 中 (ID 3) (the default)" in text.splitlines()


async def test_a_multi_select_custom_field_is_set_with_every_item(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    custom = [
        {"id": _BROWSERS, "itemIds": [1, 3]},
        {"id": _IMPACT, "itemIds": [2]},
        {"id": _POINTS, "value": 8},
        {"id": _CUSTOMER, "value": "株式会社テスト"},
        {"id": _RELEASE, "value": "2026-04-01"},
    ]
    text = await call(writer, "backlog_add_issue", add_args(customFields=custom))
    lines = text.splitlines()
    assert f"- 対象ブラウザ (custom field {_BROWSERS}): Chrome, Safari" in lines
    assert f"- 影響範囲 (custom field {_IMPACT}): 中" in lines
    assert f"- 見積ポイント (custom field {_POINTS}): 8" in lines
    assert f"- リリース予定日 (custom field {_RELEASE}): 2026-04-01" in lines
    issue = write_sandbox.space.issue("DEMO-53")
    assert issue is not None
    browsers = next(c["value"] for c in issue.json["customFields"] if c["id"] == _BROWSERS)
    assert [item["name"] for item in browsers] == ["Chrome", "Safari"]


async def test_updating_a_multi_select_custom_field_replaces_its_items_and_shows_from_to(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    await call(writer, "backlog_add_issue", add_args(customFields=[{"id": _BROWSERS, "itemIds": [1]}]))
    text = await call(
        writer,
        "backlog_update_issue",
        {"issueIdOrKey": "DEMO-53", "customFields": [{"id": _BROWSERS, "itemIds": [2, 4]}]},
    )
    assert f"- 対象ブラウザ (custom field {_BROWSERS}): Chrome → Firefox, Edge" in text.splitlines()
    assert writes_sent(write_sandbox) == ["POST /api/v2/issues", "PATCH /api/v2/issues/DEMO-53"]


async def test_an_update_dry_run_shows_each_field_from_current_to_new_by_name(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    await call(writer, "backlog_add_issue", add_args(dueDate="2026-03-10"))
    text = await call(
        writer,
        "backlog_update_issue",
        {
            "issueIdOrKey": "DEMO-53",
            "statusId": 2,
            "assigneeId": _OTHER_USER,
            "dueDate": "2026-03-20",
            "comment": "着手します",
            "dryRun": True,
        },
    )
    assert writes_sent(write_sandbox) == ["POST /api/v2/issues"]
    lines = text.splitlines()
    assert lines[0] == "Update DEMO-53 (not sent)"
    assert "- status: 未対応 (ID 1) → 処理中 (ID 2)" in lines
    assert "- dueDate: 2026-03-10 → 2026-03-20" in lines
    assert any(line.startswith("- assignee: (none) → ") and f"(ID {_OTHER_USER})" in line for line in lines)
    assert "- comment: 着手します" in lines
    issue = write_sandbox.space.issue("DEMO-53")
    assert issue is not None
    assert issue.json["status"]["id"] == 1


async def test_a_real_update_reports_what_backlog_changed(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    text = await call(
        writer,
        "backlog_update_issue",
        {"issueIdOrKey": "DEMO-1", "statusId": 4, "resolutionId": 0, "comment": "完了"},
    )
    assert writes_sent(write_sandbox) == ["PATCH /api/v2/issues/DEMO-1"]
    lines = text.splitlines()
    assert lines[0] == f"Updated DEMO-1: {write_sandbox.base_url}/view/DEMO-1"
    assert any(line.startswith("- status: ") and line.endswith(" → 完了 (ID 4)") for line in lines)
    assert any(line.startswith("- resolution: ") and line.endswith("→ 対応済み (ID 0)") for line in lines)
    issue = write_sandbox.space.issue("DEMO-1")
    assert issue is not None
    posted = issue.comments[-1]["id"]
    assert f"- comment: ID {posted}, {write_sandbox.base_url}/view/DEMO-1#comment-{posted}: 完了" in lines


async def test_an_unknown_status_for_the_issues_project_is_refused_before_sending(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    error = await call_error(writer, "backlog_update_issue", {"issueIdOrKey": "VNAPP-1", "statusId": 101})
    assert error == (
        "Error executing tool backlog_update_issue: statusId 101 is not a status in VNAPP; "
        'the valid IDs: backlog_get_statuses {"projectIdOrKey":"VNAPP"}.'
    )
    assert writes_sent(write_sandbox) == []


_DEMO = {"projectIdOrKey": "DEMO"}


_WRONG_IDS: list[tuple[dict[str, Any], str, str]] = [
    ({"issueTypeId": 99}, "issueTypeId 99 is not an issue type in DEMO", "backlog_get_issue_types"),
    ({"categoryId": [99]}, "categoryId 99 is not a category in DEMO", "backlog_get_categories"),
    ({"milestoneId": [99]}, "milestoneId 99 is not a milestone in DEMO", "backlog_get_milestones"),
    ({"versionId": [99]}, "versionId 99 is not a version in DEMO", "backlog_get_milestones"),
    (
        {"assigneeId": _NOT_A_MEMBER},
        f"assigneeId {_NOT_A_MEMBER} is not a member in DEMO",
        "backlog_get_users",
    ),
    ({"notifiedUserId": [99]}, "notifiedUserId 99 is not a member in DEMO", "backlog_get_users"),
    ({"priorityId": 9}, "priorityId 9 is not a priority", "backlog_get_priorities"),
]


async def test_a_wrong_id_is_refused_naming_the_tool_that_lists_the_valid_ones(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    for arguments, refusal, lister in _WRONG_IDS:  # one sandbox for all: none of them may write
        listed = call_text(lister, {} if lister == "backlog_get_priorities" else _DEMO)
        expected = f"Error executing tool backlog_add_issue: {refusal}; the valid IDs: {listed}."
        assert await call_error(writer, "backlog_add_issue", add_args(**arguments)) == expected
        assert await call_error(writer, "backlog_add_issue", add_args(**arguments, dryRun=True)) == expected
    assert writes_sent(write_sandbox) == []


_WRONG_CUSTOM: list[tuple[list[dict[str, Any]], str]] = [
    ([{"id": 99, "value": "x"}], "99 is not a custom field of DEMO; the fields"),
    (
        [{"id": _BROWSERS, "itemIds": [9]}],
        f"9 is not an item of 対象ブラウザ (id {_BROWSERS}); the items",
    ),
    (
        [{"id": _BROWSERS, "value": "Chrome"}],
        f"対象ブラウザ (id {_BROWSERS}) is a list: give itemIds from",
    ),
    ([{"id": _IMPACT, "itemIds": [1, 2]}], f"影響範囲 (id {_IMPACT}) takes one item, not 2."),
    ([{"id": _POINTS, "value": "many"}], f"見積ポイント (id {_POINTS}) takes a number (got 'many')."),
    ([{"id": _POINTS, "value": 101}], f"見積ポイント (id {_POINTS}) takes 100 or less (got '101')."),
]


async def test_a_wrong_custom_field_is_refused_naming_backlog_get_custom_fields(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    for custom, refusal in _WRONG_CUSTOM:
        error = await call_error(writer, "backlog_add_issue", add_args(customFields=custom))
        assert error.startswith(f"Error executing tool backlog_add_issue: customFields: {refusal}")
        if "the " in refusal or "from" in refusal:
            assert error.endswith(f"{call_text('backlog_get_custom_fields', _DEMO)}.")
    assert writes_sent(write_sandbox) == []


async def test_a_required_custom_field_is_asked_for_before_sending(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    project = write_sandbox.space.project("DEMO")
    assert project is not None
    next(f for f in project.custom_fields if f["id"] == _CUSTOMER)["required"] = True
    error = await call_error(writer, "backlog_add_issue", add_args(dryRun=True))
    assert error == (
        f"Error executing tool backlog_add_issue: customFields: 顧客名 (id {_CUSTOMER}) is required for this "
        f"issue type; give its value (see {call_text('backlog_get_custom_fields', _DEMO)})."
    )
    assert await call(writer, "backlog_add_issue", add_args(customFields=[{"id": _CUSTOMER, "value": "A社"}]))


async def test_a_wrong_resolution_on_update_names_backlog_get_resolutions(writer: Client) -> None:
    error = await call_error(writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-1", "resolutionId": 9})
    assert error == (
        "Error executing tool backlog_update_issue: "
        "resolutionId 9 is not a resolution; the valid IDs: backlog_get_resolutions {}."
    )


async def test_a_parent_is_given_by_key_and_sent_as_its_id(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    text = await call(writer, "backlog_add_issue", add_args(parentIssueIdOrKey="demo-1"))
    assert "- parentIssue: DEMO-1" in text.splitlines()
    added, parent = write_sandbox.space.issue("DEMO-53"), write_sandbox.space.issue("DEMO-1")
    assert added is not None
    assert parent is not None
    assert added.json["parentIssueId"] == parent.id


async def test_a_parent_in_another_project_is_refused(writer: Client, write_sandbox: SandboxServer) -> None:
    error = await call_error(writer, "backlog_add_issue", add_args(parentIssueIdOrKey="LEGACY-1"))
    assert error == (
        "Error executing tool backlog_add_issue: "
        "parentIssueIdOrKey LEGACY-1 is in another project; a parent must be an issue of DEMO."
    )
    assert writes_sent(write_sandbox) == []


async def test_files_from_the_workspace_are_uploaded_and_attached(
    writer: Client, write_sandbox: SandboxServer, workspace: Path
) -> None:
    (workspace / "logs").mkdir()
    (workspace / "logs" / "error.txt").write_bytes(b"Traceback\n")
    dry = await call(writer, "backlog_add_issue", add_args(attachFiles=["logs/error.txt"], dryRun=True))
    assert "- attachFiles: error.txt (10 B)" in dry.splitlines()
    assert writes_sent(write_sandbox) == []
    text = await call(writer, "backlog_add_issue", add_args(attachFiles=["logs/error.txt"]))
    assert writes_sent(write_sandbox) == ["POST /api/v2/space/attachment", "POST /api/v2/issues"]
    assert any(line.startswith("- attachments: error.txt (ID ") for line in text.splitlines())
    issue = write_sandbox.space.issue("DEMO-53")
    assert issue is not None
    assert [a["name"] for a in issue.json["attachments"]] == ["error.txt"]


async def test_a_file_outside_the_workspace_is_refused_before_anything_is_sent(
    writer: Client, write_sandbox: SandboxServer, workspace: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("x")
    for path in ("../secret.txt", str(tmp_path / "secret.txt")):
        error = await call_error(
            writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-1", "attachFiles": [path]}
        )
        assert "outside the workspace" in error
    assert writes_sent(write_sandbox) == []


async def test_clearing_a_list_and_unassigning_are_shown_and_done(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    await call(writer, "backlog_add_issue", add_args(categoryId=[_FRONTEND], assigneeId=_OTHER_USER))
    text = await call(
        writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-53", "categoryId": [], "assigneeId": 0}
    )
    lines = text.splitlines()
    assert "- category: フロントエンド (ID 1073800100) → (none)" in lines
    assert any(line.startswith("- assignee: ") and line.endswith("→ (none)") for line in lines)
    issue = write_sandbox.space.issue("DEMO-53")
    assert issue is not None
    assert (issue.json["category"], issue.json["assignee"]) == ([], None)


async def test_an_update_of_an_issue_that_does_not_exist_is_not_found(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    error = await call_error(writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-999", "summary": "x"})
    assert "DEMO-999" in error
    assert "not found" in error
    assert writes_sent(write_sandbox) == []


async def test_read_only_by_default_hides_and_refuses_both_writes(
    sandbox: SandboxServer, workspace: Path
) -> None:
    settings = workspace_settings(sandbox, workspace)
    async with Client(build_server(settings)) as reader:
        names = {tool.name for tool in (await reader.list_tools()).tools}
        assert "backlog_get_issue" in names
        assert not {"backlog_add_issue", "backlog_update_issue"} & names
        for tool, arguments in (
            ("backlog_add_issue", add_args()),
            ("backlog_update_issue", {"issueIdOrKey": "DEMO-1", "summary": "x"}),
        ):
            error = await call_error(reader, tool, arguments)
            assert "BACKLOG_READ_ONLY" in error
    assert [r for r in sandbox.requests if r.method != "GET"] == []


async def test_someone_elses_text_in_the_from_values_cannot_pass_for_our_lines(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    text = await call(
        writer,
        "backlog_update_issue",
        {"issueIdOrKey": HOSTILE_SUMMARY_ISSUE, "summary": "直した件名", "dryRun": True},
    )
    text += await call(
        writer,
        "backlog_update_issue",
        {
            "issueIdOrKey": HOSTILE_COMMENT_ISSUE,
            "customFields": [{"id": _NOTES, "value": "短く"}],
            "dryRun": True,
        },
    )
    assert "\u200b" not in text
    assert "\u202e" not in text
    for line in text.splitlines():
        assert line.startswith(("- ", "Update ", "Nothing was sent")), line
    summary = next(line for line in text.splitlines() if line.startswith("- summary: "))
    assert "# Fake heading" in summary  # shown, on our line, where it cannot be a heading
    assert summary.endswith("→ 直した件名")
    notes = next(line for line in text.splitlines() if line.startswith("- 補足情報"))
    assert "## Description" in notes
    assert notes.endswith("→ 短く")


async def test_an_add_whose_answer_never_comes_is_not_sent_again_and_says_how_to_check(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    write_sandbox.faults.write_answer_delay_seconds = 1.0
    settings = workspace_settings(write_sandbox, workspace, read_only=False, timeout_seconds=0.3)
    async with Client(build_server(settings)) as client:
        add = await call_error(client, "backlog_add_issue", add_args())
        update = await call_error(client, "backlog_update_issue", {"issueIdOrKey": "DEMO-1", "summary": "x"})
    assert "may or may not have been done" in add
    search = call_text(
        "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "keyword": "ログイン画面が崩れる"}
    )
    assert add.endswith(f"look for it with {search} before adding it again.")
    assert update.endswith(
        f"look at {call_text('backlog_get_issue', {'issueIdOrKey': 'DEMO-1'})} before sending it again."
    )
    # The sandbox logs a request once it has answered it: wait for both late answers.
    await until(lambda: len(writes_sent(write_sandbox)) >= 2)
    assert writes_sent(write_sandbox) == ["POST /api/v2/issues", "PATCH /api/v2/issues/DEMO-1"]


async def test_an_update_shows_the_current_description_by_its_start_and_length(writer: Client) -> None:
    await call(writer, "backlog_add_issue", add_args(description="古い説明 " * 40))
    text = await call(
        writer,
        "backlog_update_issue",
        {"issueIdOrKey": "DEMO-53", "description": "新しい説明", "dryRun": True},
    )
    [line] = [line for line in text.splitlines() if line.startswith("- description: ")]
    assert line.startswith("- description: 古い説明 古い説明 ")
    assert line.endswith("… (199 characters) → 新しい説明")


async def test_the_allow_list_refuses_writes_to_other_projects_before_sending(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    settings = workspace_settings(write_sandbox, workspace, read_only=False, projects="DEMO")
    async with Client(build_server(settings)) as client:
        added = await call_error(client, "backlog_add_issue", {**add_args(), "projectIdOrKey": "VNAPP"})
        updated = await call_error(
            client, "backlog_update_issue", {"issueIdOrKey": "VNAPP-1", "summary": "x"}
        )
        parent = await call_error(client, "backlog_add_issue", add_args(parentIssueIdOrKey="VNAPP-1"))
    for error in (added, updated, parent):
        assert "BACKLOG_PROJECTS" in error
    assert writes_sent(write_sandbox) == []


async def test_a_real_add_appends_one_audit_line_with_the_new_issues_id(
    write_sandbox: SandboxServer, workspace: Path, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    settings = workspace_settings(write_sandbox, workspace, read_only=False, audit_log=audit)
    async with Client(build_server(settings)) as client:
        await call(client, "backlog_add_issue", add_args(dryRun=True))
        await call(client, "backlog_add_issue", add_args(categoryId=[_FRONTEND]))
    [line] = audit.read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    added = write_sandbox.space.issue("DEMO-53")
    assert added is not None
    assert (entry["tool"], entry["target"], entry["outcome"], entry["id"]) == (
        "backlog_add_issue",
        "DEMO",
        "done",
        added.id,
    )
    assert entry["fields"]["summary"] == "ログイン画面が崩れる"
    assert entry["fields"]["categoryId"] == [_FRONTEND]


async def test_an_update_that_names_no_field_is_refused_without_sending(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    error = await call_error(writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-1"})
    assert error == (
        "Error executing tool backlog_update_issue: "
        "Nothing to change: give DEMO-1 at least one field to set, a comment, or attachFiles."
    )
    assert writes_sent(write_sandbox) == []


async def test_an_update_lists_only_what_would_change_and_sends_nothing_when_nothing_would(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    current = await call(writer, "backlog_get_issue", {"issueIdOrKey": "DEMO-3"})
    summary = current.splitlines()[0].removeprefix("# DEMO-3 ")
    same = {"issueIdOrKey": "DEMO-3", "summary": summary, "statusId": 1, "versionId": []}
    dry = await call(writer, "backlog_update_issue", {**same, "dryRun": True})
    assert dry == "Nothing to change: DEMO-3 already has these values; nothing was sent."
    assert await call(writer, "backlog_update_issue", same) == dry
    assert writes_sent(write_sandbox) == []
    plan = await call(writer, "backlog_update_issue", {**same, "statusId": 2, "dryRun": True})
    assert plan.splitlines()[1:-1] == ["- status: 未対応 (ID 1) → 処理中 (ID 2)"]  # nothing else listed


async def test_hours_are_shown_in_a_dry_run_as_backlog_will_keep_them(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    plan = await call(
        writer, "backlog_add_issue", add_args(estimatedHours=1.234, actualHours=0.005, dryRun=True)
    )
    assert "- estimatedHours: 1.23" in plan.splitlines()
    assert "- actualHours: 0.01" in plan.splitlines()
    done = await call(writer, "backlog_add_issue", add_args(estimatedHours=1.234, actualHours=0.005))
    assert "- estimatedHours: 1.23" in done.splitlines()
    assert "- actualHours: 0.01" in done.splitlines()


async def test_a_summary_of_several_lines_is_refused_before_anything_is_sent(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    error = await call_error(writer, "backlog_add_issue", add_args(summary="一行目\n# 見出し"))
    assert "summary must be one line" in error
    assert writes_sent(write_sandbox) == []


async def test_a_parent_that_does_not_exist_is_named_with_its_argument_and_where_to_find_issues(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    error = await call_error(writer, "backlog_add_issue", add_args(parentIssueIdOrKey="DEMO-99999"))
    assert "parentIssueIdOrKey: Issue DEMO-99999 not found" in error
    assert error.endswith("backlog_get_issue_list finds issues.")
    assert writes_sent(write_sandbox) == []


async def test_a_custom_field_id_in_full_width_digits_is_read_like_every_other_id(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    browsers = {"id": "１０７３８２０００６", "itemIds": ["１", "３"]}
    plan = await call(writer, "backlog_add_issue", add_args(customFields=[browsers], dryRun=True))
    assert f"- 対象ブラウザ (custom field {_BROWSERS}): Chrome, Safari" in plan.splitlines()


async def test_an_empty_date_clears_it_and_clearing_it_again_sends_nothing(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    plan = await call(
        writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-3", "dueDate": "", "dryRun": True}
    )
    assert plan.splitlines()[1] == "- dueDate: 2025-05-17 → (none)"
    done = await call(writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-3", "dueDate": ""})
    assert done.splitlines()[1] == "- dueDate: 2025-05-17 → (none)"
    again = await call(writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-3", "dueDate": ""})
    assert again.startswith("Nothing to change")
    assert writes_sent(write_sandbox) == ["PATCH /api/v2/issues/DEMO-3"]


async def test_backlog_nests_one_level_so_a_child_cannot_be_a_parent_nor_a_parent_a_child(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    as_parent = await call_error(writer, "backlog_add_issue", add_args(parentIssueIdOrKey="DEMO-2"))
    assert "DEMO-2 is itself a child issue" in as_parent
    as_child = await call_error(
        writer, "backlog_update_issue", {"issueIdOrKey": "DEMO-1", "parentIssueIdOrKey": "DEMO-5"}
    )
    assert "DEMO-1 has 2 child issues, so it cannot become a child itself" in as_child
    assert writes_sent(write_sandbox) == []


async def test_a_parent_given_as_a_numeric_id_is_read_as_the_issue_it_names(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    parent = next(i for i in write_sandbox.space.issues if i.json["issueKey"] == "DEMO-5")
    plan = await call(
        writer,
        "backlog_update_issue",
        {"issueIdOrKey": "DEMO-6", "parentIssueIdOrKey": parent.id, "dryRun": True},
    )
    assert "- parentIssue: (none) → DEMO-5" in plan.splitlines()


@pytest.mark.parametrize("separator", ["\n", "\r", "\u2028", "\u0085"])
async def test_a_summary_broken_by_any_line_break_is_refused(writer: Client, separator: str) -> None:
    error = await call_error(
        writer, "backlog_add_issue", add_args(summary=f"一行目{separator}二行目", dryRun=True)
    )
    assert "summary must be one line" in error


async def test_a_number_for_a_numeric_field_is_sent_as_backlog_keeps_it_and_its_own_value_changes_nothing(
    writer: Client, write_sandbox: SandboxServer
) -> None:
    for given in ("13.0", "１３"):
        same = {"issueIdOrKey": "DEMO-1", "customFields": [{"id": _POINTS, "value": given}]}
        assert (await call(writer, "backlog_update_issue", same)).startswith("Nothing to change")
    plan = await call(
        writer,
        "backlog_update_issue",
        {"issueIdOrKey": "DEMO-1", "customFields": [{"id": _POINTS, "value": "２１.50"}], "dryRun": True},
    )
    assert f"- 見積ポイント (custom field {_POINTS}): 13 → 21.5" in plan.splitlines()
    assert writes_sent(write_sandbox) == []
