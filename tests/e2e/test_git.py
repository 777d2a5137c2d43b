"""The git tools: repositories, pull requests (paging, totals, filters), one pull request, its comments."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.server.mcpserver.exceptions import ToolError

from backlog_mcp.backlog.git import PullRequestRef
from backlog_mcp.config import Settings
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.git_data import (
    HOSTILE_PULL_REQUEST,
    HOSTILE_SUMMARY,
    HOSTILE_TEXT,
    MANY_COMMENTS_PULL_REQUEST,
)
from backlog_mcp.sandbox.landmarks import GIT_REPOSITORIES, PULL_REQUEST_NUMBERS
from backlog_mcp.tools.git import pull_request_ref
from tests.e2e.conftest import call, call_error
from tests.e2e.reader import structure

ROW = re.compile(r"^\|#(\d+)\|", re.MULTILINE)
NEXT_PRS = re.compile(r"^Next page: backlog_get_pull_requests (\{.*\})$", re.MULTILINE)
HEAD = re.compile(r"^### #(\d+) · ", re.MULTILINE)
NEXT_COMMENTS = re.compile(r"^Next page: backlog_get_pull_request_comments (\{.*\})$", re.MULTILINE)
WEB_APP = {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app"}
CELLS = re.compile(r"(?<!\\)\|")  # a pipe our tables did not escape
HIDDEN = ("\u200b", "\u202e", "\u202c")


def _raw(sandbox: SandboxServer, path: str, **params: Any) -> Any:
    with httpx2.Client(base_url=f"{sandbox.base_url}/api/v2", params={"apiKey": sandbox.api_key}) as api:
        response = api.get(path, params=params)
        response.raise_for_status()
        return response.json()


def _pr_args(pr: tuple[str, str, int]) -> dict[str, Any]:
    return {"projectIdOrKey": pr[0], "repoIdOrName": pr[1], "number": pr[2]}


# --- repositories ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_repositories_list_names_ids_urls_and_last_push(client: Client) -> None:
    text = await call(client, "backlog_get_git_repositories", {"projectIdOrKey": "demo"})
    assert text.startswith("2 Git repositories in DEMO, all shown:")
    for (project, name), repo_id in GIT_REPOSITORIES.items():
        if project == "DEMO":
            assert re.search(rf"^\|{repo_id}\|{name}\|", text, re.MULTILINE), text
            assert f"https://demo.backlog.com/git/DEMO/{name}.git" in text
            assert f":/DEMO/{name}.git" in text
    assert "Last push" in text
    assert "+09:00" in text


@pytest.mark.anyio
async def test_a_project_without_git_has_no_repositories(client: Client) -> None:
    text = await call(client, "backlog_get_git_repositories", {"projectIdOrKey": "VNAPP"})
    assert text.startswith("No Git repositories in VNAPP")


# --- the pull-request list ------------------------------------------------------------------------


async def _walk_prs(client: Client, arguments: dict[str, Any]) -> tuple[list[int], list[str]]:
    numbers: list[int] = []
    pages: list[str] = []
    while True:
        text = await call(client, "backlog_get_pull_requests", arguments)
        pages.append(text)
        numbers += [int(n) for n in ROW.findall(text)]
        following = NEXT_PRS.search(text)
        if following is None:
            return numbers, pages
        arguments = json.loads(following.group(1))


@pytest.mark.anyio
async def test_pull_request_paging_reaches_every_pull_request_once_with_the_total(client: Client) -> None:
    numbers, pages = await _walk_prs(client, {**WEB_APP, "count": 4})
    total = PULL_REQUEST_NUMBERS[("DEMO", "web-app")]
    assert numbers == list(range(total, 0, -1))
    assert len(pages) == 2
    assert all(f"of {total} in total" in page for page in pages)
    assert pages[0].startswith("Pull requests in DEMO/web-app: 1–4 shown of 6 in total")
    assert pages[1].startswith("Pull requests in DEMO/web-app: 5–6 shown of 6 in total")


@pytest.mark.anyio
async def test_an_offset_past_the_end_says_how_many_there_are(client: Client) -> None:
    text = await call(client, "backlog_get_pull_requests", {**WEB_APP, "offset": 50})
    assert text == "No pull requests at offset 50 in DEMO/web-app: 6 in all. Use an offset below 6."


@pytest.mark.anyio
@pytest.mark.parametrize(("status_id", "word"), [(1, "Open"), (2, "Closed"), (3, "Merged")])
async def test_each_status_filter_lists_exactly_the_pull_requests_in_that_status(
    client: Client, sandbox: SandboxServer, status_id: int, word: str
) -> None:
    raw = _raw(sandbox, "/projects/DEMO/git/repositories/web-app/pullRequests", count=100)
    expected = [pr["number"] for pr in raw if pr["status"]["id"] == status_id]
    assert expected, "every status appears in web-app"
    numbers, pages = await _walk_prs(client, {**WEB_APP, "statusId": [status_id], "count": 2})
    assert numbers == expected
    assert all(f"of {len(expected)} in total" in page for page in pages)
    statuses = {CELLS.split(row)[3] for page in pages for row in page.splitlines() if ROW.match(row)}
    assert statuses == {word}


@pytest.mark.anyio
async def test_a_status_that_is_not_one_says_which_there_are(client: Client) -> None:
    error = await call_error(client, "backlog_get_pull_requests", {**WEB_APP, "statusId": [4]})
    assert "statusId takes 1 (open), 2 (closed) or 3 (merged); got 4." in error


@pytest.mark.anyio
async def test_the_issue_filter_takes_a_key_and_finds_the_linked_pull_requests(client: Client) -> None:
    text = await call(client, "backlog_get_pull_requests", {**WEB_APP, "issueIdOrKey": "demo-5"})
    assert ROW.findall(text) == ["2"]
    assert "|DEMO-5|" in text
    assert "1–1 shown of 1 in total" in text


@pytest.mark.anyio
async def test_the_author_and_assignee_filters_narrow_the_list(
    client: Client, sandbox: SandboxServer
) -> None:
    raw = _raw(sandbox, "/projects/DEMO/git/repositories/web-app/pullRequests", count=100)
    author = raw[0]["createdUser"]["id"]
    text = await call(client, "backlog_get_pull_requests", {**WEB_APP, "createdUserId": author})
    assert [int(n) for n in ROW.findall(text)] == [
        pr["number"] for pr in raw if pr["createdUser"]["id"] == author
    ]
    assignee = raw[0]["assignee"]["id"]
    text = await call(client, "backlog_get_pull_requests", {**WEB_APP, "assigneeId": [assignee]})
    assert [int(n) for n in ROW.findall(text)] == [
        pr["number"] for pr in raw if pr["assignee"] and pr["assignee"]["id"] == assignee
    ]


@pytest.mark.anyio
async def test_each_row_names_branch_base_author_assignee_and_linked_issue_key(client: Client) -> None:
    text = await call(client, "backlog_get_pull_requests", {**WEB_APP, "statusId": 3})
    row = "|#1|ログイン画面のバリデーションを修正|Merged|fix/login-validation → main|"
    row += "鈴木 花子|田中 太郎|DEMO-2|"
    assert row in text


@pytest.mark.anyio
async def test_the_list_is_at_most_a_quarter_of_the_pretty_json(
    client: Client, sandbox: SandboxServer
) -> None:
    raw = _raw(sandbox, "/projects/DEMO/git/repositories/web-app/pullRequests", count=100)
    text = await call(client, "backlog_get_pull_requests", {**WEB_APP, "count": 100})
    pretty = json.dumps(raw, indent=2, ensure_ascii=False)
    assert len(text) <= len(pretty) / 4, (len(text), len(pretty))


# --- one pull request -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_pull_request_shows_branches_status_issue_people_dates_files_and_description(
    client: Client,
) -> None:
    text = await call(client, "backlog_get_pull_request", {**WEB_APP, "number": 2})
    assert text.startswith("# DEMO/web-app#2 Thêm chế độ tối (dark mode) cho trang cài đặt\n")
    assert "/git/DEMO/web-app/pullRequests/2 · ID " in text
    assert "Status: Open · Branch: feature/dark-mode → develop" in text
    assert re.search(r"^Issue: DEMO-5 \S", text, re.MULTILINE)
    assert "Author: Nguyễn Văn An · Assignee: John Smith (id " in text
    assert re.search(r"^Created: \S+\+09:00 · Updated: \S+\+09:00$", text, re.MULTILINE)
    assert "## Description\n```\nThêm công tắc chế độ tối" in text
    assert (
        '## 2 attachments, all shown (attachment tools take pullRequest "DEMO/web-app/2" and the ID)' in text
    )
    assert re.search(r"^\|\d+\|dark-mode\.png\|[\d.]+ KiB\|$", text, re.MULTILINE)
    assert re.search(r"^\|\d+\|テスト結果\.txt\|\d+ B\|$", text, re.MULTILINE)


@pytest.mark.anyio
@pytest.mark.parametrize(("number", "word", "when"), [(1, "Merged", "Merged: "), (3, "Closed", "Closed: ")])
async def test_a_finished_pull_request_says_when_it_was_merged_or_closed(
    client: Client, number: int, word: str, when: str
) -> None:
    text = await call(client, "backlog_get_pull_request", {**WEB_APP, "number": number})
    assert f"Status: {word} · " in text
    assert re.search(rf" · {when}\d{{4}}-\d\d-\d\dT\d\d:\d\d\+09:00$", text, re.MULTILINE), text
    assert ("Merge commit: " in text) == (word == "Merged")


@pytest.mark.anyio
async def test_a_first_pull_request_call_makes_two_requests_and_leads_to_its_comments(
    client: Client, sandbox: SandboxServer
) -> None:
    sandbox.reset_requests()
    text = await call(client, "backlog_get_pull_request", _pr_args(MANY_COMMENTS_PULL_REQUEST))
    base = "/api/v2/projects/DEMO/git/repositories/web-app/pullRequests/2"
    assert sorted(r.path for r in sandbox.requests) == [base, f"{base}/comments/count"]
    read = re.search(r"^Comments: 35; read them \(newest first\) with (\S+) (\{.*\})$", text, re.MULTILINE)
    assert read, text
    comments = await call(client, read.group(1), json.loads(read.group(2)))
    assert "20 shown (newest first) of 35 in total" in comments


@pytest.mark.anyio
async def test_a_pull_request_without_comments_or_description_says_so(client: Client) -> None:
    text = await call(
        client, "backlog_get_pull_request", {"projectIdOrKey": "DEMO", "repoIdOrName": "3002", "number": 2}
    )
    assert "\nComments: none\n" in text
    assert "## Description\n(empty)" in text
    assert "Issue: —" in text


# --- pull-request comments ------------------------------------------------------------------------


async def _walk_comments(client: Client, arguments: dict[str, Any]) -> list[int]:
    ids: list[int] = []
    while True:
        text = await call(client, "backlog_get_pull_request_comments", arguments)
        assert "of 35 in total" in text
        ids += [int(i) for i in HEAD.findall(text)]
        following = NEXT_COMMENTS.search(text)
        if following is None:
            assert "End of comments" in text
            return ids
        arguments = json.loads(following.group(1))


@pytest.mark.anyio
@pytest.mark.parametrize(("order", "count"), [("desc", 20), ("asc", 7), ("desc", 5)])
async def test_comment_paging_reaches_every_comment_once_in_order(
    client: Client, order: str, count: int
) -> None:
    ids = await _walk_comments(
        client, {**_pr_args(MANY_COMMENTS_PULL_REQUEST), "count": count, "order": order}
    )
    assert len(ids) == len(set(ids)) == 35
    assert ids == sorted(ids, reverse=order == "desc")


@pytest.mark.anyio
async def test_comments_show_their_change_logs(client: Client) -> None:
    text = await call(
        client, "backlog_get_pull_request_comments", {**WEB_APP, "number": 1, "order": "asc", "count": 100}
    )
    assert text.startswith("Comments on DEMO/web-app#1: 4 shown (oldest first) of 4 in total.")
    assert "Changes:\n- dependentIssue: — → DEMO-2\n- attachment: added login-before.png (attachment " in text
    assert "Changes:\n- status: Open → Merged" in text
    assert text.endswith("End of comments in this direction.")


@pytest.mark.anyio
async def test_a_comment_logs_its_attachment_with_the_id_the_attachment_tools_read(client: Client) -> None:
    text = await call(
        client, "backlog_get_pull_request_comments", {**WEB_APP, "number": 2, "order": "asc", "count": 1}
    )
    logged = re.search(r"^- attachment: added テスト結果\.txt \(attachment (\d+)\)$", text, re.MULTILINE)
    assert logged, text
    assert re.search(r"^- attachment: added dark-mode\.png \(attachment \d+\)$", text, re.MULTILINE)
    attachment_id = int(logged[1])
    content = await call(
        client,
        "backlog_get_attachment_content",
        {"pullRequest": "DEMO/web-app/2", "attachmentId": attachment_id},
    )
    assert content.startswith(f"Attachment {attachment_id} of pull request DEMO/web-app#2: テスト結果.txt (")
    assert "Thêm chế độ tối (dark mode) cho trang cài đặt\nテスト結果.txt" in content


@pytest.mark.anyio
async def test_min_and_max_id_bound_the_comment_page(client: Client) -> None:
    arguments = {**_pr_args(MANY_COMMENTS_PULL_REQUEST), "order": "asc"}
    first = await call(client, "backlog_get_pull_request_comments", {**arguments, "count": 5})
    ids = [int(i) for i in HEAD.findall(first)]
    window = await call(
        client, "backlog_get_pull_request_comments", {**arguments, "minId": ids[0], "maxId": ids[4]}
    )
    assert [int(i) for i in HEAD.findall(window)] == ids[1:4]


@pytest.mark.anyio
async def test_a_pull_request_without_comments_says_so(client: Client) -> None:
    text = await call(
        client,
        "backlog_get_pull_request_comments",
        {"projectIdOrKey": "DEMO", "repoIdOrName": "api-server", "number": 2},
    )
    assert text == "No comments on DEMO/api-server#2."


# --- not found, hostile text, the key -------------------------------------------------------------

_NOT_FOUND = [
    (
        {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "number": 99},
        "Pull request DEMO/web-app#99 not found.",
    ),
    ({"projectIdOrKey": "DEMO", "repoIdOrName": "nope", "number": 1}, "Repository DEMO/nope not found."),
    ({"projectIdOrKey": "NOPE", "repoIdOrName": "web-app", "number": 1}, "Project NOPE not found."),
    (
        {"projectIdOrKey": "VNAPP", "repoIdOrName": "web-app", "number": 1},
        "Repository VNAPP/web-app not found.",
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize("tool", ["backlog_get_pull_request", "backlog_get_pull_request_comments"])
@pytest.mark.parametrize(("arguments", "message"), _NOT_FOUND)
async def test_a_missing_pull_request_repository_or_project_is_named(
    client: Client, tool: str, arguments: dict[str, Any], message: str
) -> None:
    error = await call_error(client, tool, arguments)
    assert message in error


@pytest.mark.anyio
@pytest.mark.parametrize(("arguments", "message"), _NOT_FOUND[1:])
async def test_the_list_names_a_missing_repository_or_project(
    client: Client, arguments: dict[str, Any], message: str
) -> None:
    listed = {k: v for k, v in arguments.items() if k != "number"}
    assert message in await call_error(client, "backlog_get_pull_requests", listed)


@pytest.mark.anyio
async def test_the_repository_list_names_a_missing_project(client: Client) -> None:
    error = await call_error(client, "backlog_get_git_repositories", {"projectIdOrKey": "NOPE"})
    assert "Project NOPE not found." in error


def _clean(text: str) -> None:
    assert not any(ch in text for ch in HIDDEN), text


@pytest.mark.anyio
async def test_a_hostile_pull_request_cannot_forge_our_markup_or_hide_characters(
    client: Client, sandbox: SandboxServer
) -> None:
    raw = _raw(sandbox, "/projects/DEMO/git/repositories/web-app/pullRequests/5")
    assert (raw["summary"], raw["description"]) == (HOSTILE_SUMMARY, HOSTILE_TEXT)
    assert all(ch in HOSTILE_SUMMARY + HOSTILE_TEXT for ch in HIDDEN)
    listed = await call(client, "backlog_get_pull_requests", WEB_APP)
    _clean(listed)
    row = next(line for line in listed.splitlines() if line.startswith("|#5|"))
    assert len(CELLS.split(row)) == 10, row  # the summary's pipe is escaped, not a column
    text = await call(client, "backlog_get_pull_request", _pr_args(HOSTILE_PULL_REQUEST))
    _clean(text)
    assert structure(text) == [
        text.splitlines()[0],
        "## Description",
        '## 1 attachment, all shown (attachment tools take pullRequest "DEMO/web-app/5" and the ID)',
    ]
    assert text.splitlines()[0].startswith("# DEMO/web-app#5 ヘッダー修正 # Fake heading")
    # The description's open fence cannot close ours early: everything of it is inside.
    assert "# Fake heading\n## Description\nChanges:" in text
    assert "a code run left open\n````\n## 1 attachment" in text
    comments = await call(client, "backlog_get_pull_request_comments", _pr_args(HOSTILE_PULL_REQUEST))
    _clean(comments)
    heads = [line for line in structure(comments) if not line.startswith("### #")]
    assert heads == ["Changes:"], heads  # the change log of ours; the comment's own are escaped
    assert "\\# Fake heading" in comments


@pytest.mark.anyio
async def test_the_api_key_never_appears_in_answers_or_errors(client: Client, settings: Settings) -> None:
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    assert key
    answers = [
        await call(client, "backlog_get_git_repositories", {"projectIdOrKey": "DEMO"}),
        await call(client, "backlog_get_pull_requests", WEB_APP),
        await call(client, "backlog_get_pull_request", _pr_args(HOSTILE_PULL_REQUEST)),
        await call(client, "backlog_get_pull_request_comments", _pr_args(MANY_COMMENTS_PULL_REQUEST)),
        await call_error(client, "backlog_get_pull_request", {**WEB_APP, "number": 99}),
        await call_error(client, "backlog_get_pull_requests", {**WEB_APP, "count": 0}),
    ]
    assert all(key not in answer for answer in answers)


# --- the attachment owner, for the attachment tools -----------------------------------------------


@pytest.mark.parametrize("value", ["DEMO/web-app/3", " demo/web-app#3 ", "ＤＥＭＯ/web-app/3"])
def test_a_pull_request_owner_reads_project_repo_and_number(value: str) -> None:
    assert pull_request_ref(value) == PullRequestRef("DEMO", "web-app", 3)


@pytest.mark.parametrize(
    "value", ["DEMO/web-app", "DEMO/web-app/0", "DEMO/web-app/x", "web-app/3", "a/b/c/3", ""]
)
def test_a_malformed_pull_request_owner_says_the_form_it_takes(value: str) -> None:
    with pytest.raises(ToolError, match=r'pullRequest takes "PROJECT/repo/number", like "DEMO/web-app/3"'):
        pull_request_ref(value)


@pytest.mark.anyio
@pytest.mark.parametrize(("given", "shown"), [("open", 3), ("Merged,closed", 3)])
async def test_pull_request_statuses_are_taken_by_name_too(client: Client, given: str, shown: int) -> None:
    by_name = await call(
        client,
        "backlog_get_pull_requests",
        {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "statusId": given},
    )
    assert f"1–{shown} shown of {shown} in total" in by_name
    wrong = await call_error(
        client,
        "backlog_get_pull_requests",
        {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app", "statusId": "opened"},
    )
    assert "statusId must be 1 open, 2 closed or 3 merged, by ID or name (got 'opened')" in wrong


@pytest.mark.anyio
async def test_the_last_page_of_pull_requests_says_the_list_ended(client: Client) -> None:
    text = await call(
        client, "backlog_get_pull_requests", {"projectIdOrKey": "DEMO", "repoIdOrName": "web-app"}
    )
    assert text.endswith("End of list.")
