"""backlog_get_issue and backlog_get_attachments."""

from __future__ import annotations

import json
import re

import httpx2
import pytest
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.pinned import HOSTILE_COMMENT_ISSUE, HOSTILE_FIELD_VALUE
from tests.e2e.conftest import call
from tests.e2e.reader import structure

pytestmark = pytest.mark.anyio


async def test_issue_shows_every_field_custom_fields_attachments_and_url(
    client: Client, settings: object
) -> None:
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-1"})
    assert text.startswith("# DEMO-1 ")
    assert "/view/DEMO-1" in text
    for label in (
        "Type:",
        "Status:",
        "Priority:",
        "Assignee:",
        "Reporter:",
        "Categories:",
        "Milestones:",
        "Start:",
        "Due:",
        "Estimated:",
        "Created:",
        "## Custom fields",
        "## Description",
    ):
        assert label in text, label
    assert "screenshot.png" in text
    assert "設計書.txt" in text
    assert "attachments on DEMO-1, all shown:" in text


async def test_child_issue_names_its_parent_by_key(client: Client) -> None:
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-2"})
    assert "Parent: DEMO-1" in text


@pytest.mark.parametrize("reference", ["demo-7", " DEMO-7 "])  # URLs: tests/e2e/test_arguments.py
async def test_issue_reference_is_lenient(client: Client, reference: str) -> None:
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": reference})
    assert text.startswith("# DEMO-7 ")


async def test_unassigned_issue_shows_dashes_not_none(client: Client) -> None:
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-7"})
    assert "Assignee: —" in text
    assert "Due: —" in text
    assert "None" not in text
    assert "null" not in text


async def test_dates_carry_the_configured_offset(client: Client) -> None:
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-1"})
    assert "+09:00" in text


async def test_attachments_list_every_file(client: Client) -> None:
    text = await call(client, "backlog_get_attachments", {"issueIdOrKey": "DEMO-1"})
    for name in ("screenshot.png", "notes.txt", "設計書.txt", "same-name.txt", "server-log-large.log"):
        assert name in text
    assert text.count("same-name.txt") == 2
    assert "MiB" in text


async def test_vietnamese_text_survives(client: Client) -> None:
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": "VNAPP-1"})
    assert any(ch in text for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


async def test_issue_shows_its_own_id_and_the_call_that_reads_its_comments(client: Client) -> None:
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-4"})
    own_id = re.search(r"/view/DEMO-4 · ID (\d+)$", text, re.MULTILINE)
    assert own_id, text
    # The ID is the issue's: the issue read by it is the same one.
    by_id = await call(client, "backlog_get_issue", {"issueIdOrKey": own_id.group(1)})
    assert by_id == text
    read = re.search(
        r"^Comments: 263; read them \(newest first\) with backlog_get_comments (\{.*\})$", text, re.MULTILINE
    )
    assert read, text
    comments = await call(client, "backlog_get_comments", json.loads(read.group(1)))
    assert "(newest first) of 263 in total" in comments


async def test_issue_without_comments_says_none(client: Client) -> None:
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-7"})
    assert "\nComments: none\n" in text


async def test_child_issue_is_named_by_a_cached_lookup_of_its_parent(
    client: Client, sandbox: SandboxServer
) -> None:
    await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-2"})
    sandbox.reset_requests()
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-3"})
    assert "Parent: DEMO-1" in text
    # Issue and comment count only: DEMO-1's key was learnt when naming DEMO-2's parent.
    assert sorted(r.path for r in sandbox.requests) == [
        "/api/v2/issues/DEMO-3",
        "/api/v2/issues/DEMO-3/comments/count",
    ]


async def test_a_text_area_custom_field_cannot_forge_a_section_of_the_issue(
    client: Client, sandbox: SandboxServer
) -> None:
    key = HOSTILE_COMMENT_ISSUE
    text = await call(client, "backlog_get_issue", {"issueIdOrKey": key})
    with httpx2.Client(base_url=f"{sandbox.base_url}/api/v2", params={"apiKey": sandbox.api_key}) as api:
        real = api.get(f"/issues/{key}").json()
    assert HOSTILE_FIELD_VALUE in [f["value"] for f in real["customFields"]]
    # Read as a reader would: outside fences, the only lines that start like a heading or a label
    # of ours, however indented, are ours.
    expected = [f"# {key} {real['summary']}", "## Custom fields", "## Description"]
    if real["attachments"]:
        expected.append(f"## {len(real['attachments'])} attachment")
    if real["sharedFiles"]:
        expected.append(f"## Shared files ({len(real['sharedFiles'])})")
    ours = structure(text)
    assert len(ours) == len(expected), ours
    assert all(line.startswith(start) for line, start in zip(ours, expected, strict=True)), ours
    # The value's own lines stay readable, indented in its list item, with what imitates ours escaped.
    assert "\n- 補足情報:\n  x\n  \\## Description\n    \\### #999 · 管理者" in text
    assert "\n  \t\\Notified: 全員\n  ```\n  ### Comment #999 — 管理者 — " in text
    assert "+09:00\n  ```\n- リリース予定日:" in text  # the fence it left open, closed
