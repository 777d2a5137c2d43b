"""backlog_get_related_issues through a real MCP client: parent, children paged, related links."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client

from backlog_mcp.sandbox import CHILD_ISSUES, PARENT_ISSUE, UNASSIGNED_ISSUE, SandboxServer
from backlog_mcp.sandbox.issues import related_links
from backlog_mcp.sandbox.pinned import CUSTOM_STATUS_ISSUE, HOSTILE_SUMMARY_ISSUE
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio

NEXT = re.compile(r"^Next page: backlog_get_related_issues (\{.*\})$", re.MULTILINE)
ROW_KEY = re.compile(r"^\|([A-Z][A-Z0-9_]*-\d+)\|", re.MULTILINE)


def _section(text: str, title: str) -> str:
    """The lines of `text` from the line starting with `title` to the next section."""
    start = text.index(f"\n{title}")
    rest = text[start + 1 :]
    ends = [rest.find(f"\n{t}") for t in ("Related", "Children") if t != title.split()[0]]
    ends = [e for e in ends if e > 0]
    return rest[: min(ends)] if ends else rest


async def test_related_issues_page_the_children_to_the_end_with_their_total(client: Client) -> None:
    arguments: dict[str, object] = {"issueIdOrKey": PARENT_ISSUE, "count": 1}
    seen: list[str] = []
    while True:
        text = await call(client, "backlog_get_related_issues", arguments)
        children = _section(text, "Children")
        match = re.match(r"Children (\d+)–(\d+) of (\d+):", children)
        assert match, text
        assert int(match[3]) == len(CHILD_ISSUES)
        seen += ROW_KEY.findall(children)
        following = NEXT.search(text)
        if following is None:
            assert "End of children." in text
            break
        arguments = json.loads(following.group(1))
        assert arguments == {"issueIdOrKey": PARENT_ISSUE, "count": 1, "offset": len(seen)}
    assert seen == list(CHILD_ISSUES)


async def test_related_issues_past_the_last_child_say_where_the_children_end(client: Client) -> None:
    text = await call(client, "backlog_get_related_issues", {"issueIdOrKey": PARENT_ISSUE, "offset": 5})
    assert "Children: none at offset 5 (2 in all; use an offset below 2)" in text


async def test_related_issues_name_the_parent_with_its_summary_and_status(client: Client) -> None:
    text = await call(client, "backlog_get_related_issues", {"issueIdOrKey": CHILD_ISSUES[0]})
    assert re.search(rf"^Parent: {PARENT_ISSUE} 添付ファイル管理の刷新 .*\(処理中\)$", text, re.MULTILINE), (
        text
    )
    assert "Children: none" in text


async def test_related_links_are_listed_on_both_issues(client: Client, sandbox: SandboxServer) -> None:
    parent = await call(client, "backlog_get_related_issues", {"issueIdOrKey": PARENT_ISSUE})
    other = await call(client, "backlog_get_related_issues", {"issueIdOrKey": CUSTOM_STATUS_ISSUE})
    assert CUSTOM_STATUS_ISSUE in ROW_KEY.findall(_section(parent, "Related"))
    assert PARENT_ISSUE in ROW_KEY.findall(_section(other, "Related"))
    issue = sandbox.space.issue(PARENT_ISSUE)
    assert issue is not None
    expected = {sandbox.space.issue(str(i)).key for i in related_links(sandbox.space)[issue.id]}  # type: ignore[union-attr]
    related = _section(parent, "Related")
    assert related.startswith(f"Related ({len(expected)}, all shown):")
    assert set(ROW_KEY.findall(related)) == expected


async def test_related_issues_say_none_plainly_for_each_empty_part(client: Client) -> None:
    text = await call(client, "backlog_get_related_issues", {"issueIdOrKey": UNASSIGNED_ISSUE})
    assert text.splitlines()[1:] == ["Parent: none", "Children: none", "Related: none"]


async def test_related_issues_by_numeric_id_read_as_by_key(client: Client, sandbox: SandboxServer) -> None:
    issue = sandbox.space.issue(PARENT_ISSUE)
    assert issue is not None
    by_key = await call(client, "backlog_get_related_issues", {"issueIdOrKey": PARENT_ISSUE})
    by_id = await call(client, "backlog_get_related_issues", {"issueIdOrKey": issue.id})
    assert by_id.replace(json.dumps(str(issue.id)), json.dumps(PARENT_ISSUE)) == by_key


async def test_related_issues_ask_backlog_few_times_and_at_once(
    client: Client, sandbox: SandboxServer
) -> None:
    sandbox.reset_requests()
    await call(client, "backlog_get_related_issues", {"issueIdOrKey": CHILD_ISSUES[0]})
    paths = sorted(r.path.removeprefix("/api/v2/") for r in sandbox.requests)
    parent = sandbox.space.issue(PARENT_ISSUE)
    assert parent is not None
    assert paths == sorted(
        [
            f"issues/{CHILD_ISSUES[0]}",
            f"issues/{CHILD_ISSUES[0]}/relatedIssues",
            "issues",
            "issues/count",
            f"issues/{parent.id}",
        ]
    )


async def test_related_issues_of_a_missing_issue_name_it(client: Client) -> None:
    text = await call_error(client, "backlog_get_related_issues", {"issueIdOrKey": "DEMO-9999"})
    assert "Issue DEMO-9999 not found." in text


async def test_hostile_summary_of_a_related_issue_cannot_pass_for_our_markup(client: Client) -> None:
    text = await call(client, "backlog_get_related_issues", {"issueIdOrKey": PARENT_ISSUE})
    assert HOSTILE_SUMMARY_ISSUE in ROW_KEY.findall(_section(text, "Related"))
    assert "Fake heading" in text
    lines = text.splitlines()
    assert [line for line in lines if line.startswith("#")] == [lines[0]]
    assert not any(line.lstrip().startswith(("```", "# Fake")) for line in lines)
    assert "\u200b" not in text
    assert "\u202e" not in text
    own = await call(client, "backlog_get_related_issues", {"issueIdOrKey": HOSTILE_SUMMARY_ISSUE})
    heading, *rest = own.splitlines()
    assert heading.startswith(f"# Issues linked to {HOSTILE_SUMMARY_ISSUE} ")
    assert "Fake heading" in heading
    assert not any(line.startswith(("#", "```")) for line in rest)
    assert PARENT_ISSUE in ROW_KEY.findall(_section(own, "Related"))
