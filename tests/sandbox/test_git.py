"""Git routes: repositories, pull requests (filters, paging, counts), comments, attachments, errors."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox.git_data import HOSTILE_PULL_REQUEST, MANY_COMMENTS_PULL_REQUEST
from backlog_mcp.sandbox.landmarks import GIT_REPOSITORIES, PULL_REQUEST_NUMBERS

# The fields of the reference fixtures (GET …/git/repositories, …/pullRequests, …/comments).
REPO_FIELDS = {
    "id", "projectId", "name", "description", "hookUrl", "httpUrl", "sshUrl", "displayOrder", "pushedAt",
    "createdUser", "created", "updatedUser", "updated",
}  # fmt: skip
PR_FIELDS = {
    "id", "projectId", "repositoryId", "number", "summary", "description", "base", "branch", "status",
    "assignee", "issue", "baseCommit", "branchCommit", "mergeCommit", "closeAt", "mergeAt", "createdUser",
    "created", "updatedUser", "updated", "attachments", "stars",
}  # fmt: skip
COMMENT_FIELDS = {"id", "content", "changeLog", "createdUser", "created", "updated", "stars", "notifications"}
WEB_APP = "/projects/DEMO/git/repositories/web-app"
MANY = "/projects/{}/git/repositories/{}/pullRequests/{}".format(*MANY_COMMENTS_PULL_REQUEST)


def ok(api: httpx2.Client, path: str, **params: Any) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def error(api: httpx2.Client, path: str, status: int, **params: Any) -> str:
    response = api.get(path, params=params)
    assert response.status_code == status, response.text
    return str(response.json()["errors"][0]["message"])


def test_every_landmark_repository_and_pull_request_exists(api: httpx2.Client) -> None:
    for (project, name), repo_id in GIT_REPOSITORIES.items():
        by_name = ok(api, f"/projects/{project}/git/repositories/{name}")
        assert by_name == ok(api, f"/projects/{project}/git/repositories/{repo_id}")
        assert by_name["id"] == repo_id
        numbers = [
            pr["number"] for pr in ok(api, f"/projects/{project}/git/repositories/{name}/pullRequests")
        ]
        assert sorted(numbers) == list(range(1, PULL_REQUEST_NUMBERS[(project, name)] + 1))


def test_repositories_are_shaped_like_backlogs(api: httpx2.Client) -> None:
    repos = ok(api, "/projects/DEMO/git/repositories")
    assert [r["name"] for r in repos] == ["web-app", "api-server"]
    assert all(set(r) == REPO_FIELDS for r in repos)
    assert repos[0]["httpUrl"] == "https://demo.backlog.com/git/DEMO/web-app.git"
    assert repos[0]["sshUrl"].endswith(":/DEMO/web-app.git")


def test_a_project_without_git_lists_no_repository_and_has_none(api: httpx2.Client) -> None:
    assert ok(api, "/projects/VNAPP/git/repositories") == []
    assert error(api, "/projects/VNAPP/git/repositories/web-app", 404) == "No repository."
    assert error(api, "/projects/VNAPP/git/repositories/web-app/pullRequests", 404) == "No repository."


def test_missing_things_are_named_as_backlog_names_them(api: httpx2.Client) -> None:
    assert error(api, "/projects/NOPE/git/repositories", 404) == "No project."
    assert error(api, "/projects/DEMO/git/repositories/nope", 404) == "No repository."
    assert error(api, f"{WEB_APP}/pullRequests/99", 404) == "No pull request."
    assert error(api, f"{WEB_APP}/pullRequests/99/comments", 404) == "No pull request."
    assert error(api, f"{WEB_APP}/pullRequests/1/attachments/1", 404) == "No attachment."


def test_the_list_is_newest_first_and_names_the_issue_by_id_only(api: httpx2.Client) -> None:
    prs = ok(api, f"{WEB_APP}/pullRequests")
    assert [pr["number"] for pr in prs] == [6, 5, 4, 3, 2, 1]
    assert all(set(pr) == PR_FIELDS for pr in prs)
    assert all(pr["issue"] is None or set(pr["issue"]) == {"id"} for pr in prs)


def test_a_single_pull_request_embeds_its_issue_whole(api: httpx2.Client) -> None:
    pr = ok(api, f"{WEB_APP}/pullRequests/2")
    assert pr["issue"]["issueKey"] == "DEMO-5"
    assert pr["issue"]["id"] == ok(api, "/issues/DEMO-5")["id"]


def test_every_status_carries_its_dates(api: httpx2.Client) -> None:
    prs = ok(api, f"{WEB_APP}/pullRequests")
    by_status = {pr["status"]["name"]: pr for pr in prs}
    assert set(by_status) == {"Open", "Closed", "Merged"}
    merged, closed, opened = by_status["Merged"], by_status["Closed"], by_status["Open"]
    dates = ("mergeAt", "mergeCommit", "closeAt")
    assert [bool(merged[name]) for name in dates] == [True, True, False]
    assert [bool(closed[name]) for name in dates] == [False, False, True]
    assert [bool(opened[name]) for name in dates] == [False, False, False]


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("statusId[]", "status"),
        ("assigneeId[]", "assignee"),
        ("issueId[]", "issue"),
        ("createdUserId[]", "createdUser"),
    ],
)
def test_each_filter_and_the_count_agree(api: httpx2.Client, name: str, field: str) -> None:
    prs = ok(api, f"{WEB_APP}/pullRequests")
    value = next(pr[field]["id"] for pr in prs if pr[field])
    expected = [pr["number"] for pr in prs if pr[field] and pr[field]["id"] == value]
    assert [pr["number"] for pr in ok(api, f"{WEB_APP}/pullRequests", **{name: value})] == expected
    assert ok(api, f"{WEB_APP}/pullRequests/count", **{name: value}) == {"count": len(expected)}
    assert len(expected) < len(prs)


def test_offset_and_count_page_the_list(api: httpx2.Client) -> None:
    first = ok(api, f"{WEB_APP}/pullRequests", count=4)
    rest = ok(api, f"{WEB_APP}/pullRequests", count=4, offset=4)
    assert [pr["number"] for pr in first + rest] == [6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize("count", [0, 101])
def test_a_count_out_of_range_is_refused_as_backlog_refuses_it(api: httpx2.Client, count: int) -> None:
    message = error(api, f"{WEB_APP}/pullRequests", 400, count=count)
    assert message == "Invalid count. count must be between 1 and 100."


def test_comments_page_by_id_both_ways_and_are_counted(api: httpx2.Client) -> None:
    total = ok(api, f"{MANY}/comments/count")["count"]
    assert total >= 30
    seen: list[int] = []
    while True:
        batch = ok(api, f"{MANY}/comments", order="asc", count=10, **({"minId": seen[-1]} if seen else {}))
        seen += [c["id"] for c in batch]
        if len(batch) < 10:
            break
    assert len(seen) == len(set(seen)) == total
    assert seen == sorted(seen)
    newest = ok(api, f"{MANY}/comments")
    assert [c["id"] for c in newest] == sorted(seen, reverse=True)[:20]
    assert all(set(c) == COMMENT_FIELDS for c in newest)
    window = ok(api, f"{MANY}/comments", minId=seen[0], maxId=seen[4], order="asc")
    assert [c["id"] for c in window] == seen[1:4]


def test_comments_carry_change_logs_of_the_issue_link_the_attachment_and_the_status(
    api: httpx2.Client,
) -> None:
    comments = ok(api, f"{WEB_APP}/pullRequests/1/comments", order="asc")
    fields = [entry["field"] for c in comments for entry in c["changeLog"]]
    assert fields == ["dependentIssue", "attachment", "status"]
    assert comments[-1]["changeLog"][0] == {"field": "status", "newValue": "Merged", "originalValue": "Open"}


def test_attachment_change_logs_name_real_downloadable_attachments_of_the_pull_request(
    api: httpx2.Client,
) -> None:
    logged = 0
    for (key, name), numbers in PULL_REQUEST_NUMBERS.items():
        for number in range(1, numbers + 1):
            pr = f"/projects/{key}/git/repositories/{name}/pullRequests/{number}"
            listed = {a["id"]: a for a in ok(api, f"{pr}/attachments")}
            comments = ok(api, f"{pr}/comments", count=100)
            entries = [e for c in comments for e in c["changeLog"] if e["field"] == "attachment"]
            # Backlog's shape (reference §7 ChangeLog), naming a file this pull request lists.
            for entry in entries:
                assert set(entry) == {"field", "newValue", "originalValue", "attachmentInfo",
                                      "attributeInfo", "notificationInfo"}  # fmt: skip
                attachment = listed[entry["attachmentInfo"]["id"]]
                assert entry["newValue"] == entry["attachmentInfo"]["name"] == attachment["name"]
                assert entry["originalValue"] is None
                response = api.get(f"{pr}/attachments/{attachment['id']}")
                assert response.status_code == 200
                assert len(response.content) == attachment["size"]
            assert {e["attachmentInfo"]["id"] for e in entries} == set(listed)
            logged += len(entries)
    assert logged >= 4


def test_attachments_are_listed_and_downloaded(api: httpx2.Client) -> None:
    listed = ok(api, f"{WEB_APP}/pullRequests/2/attachments")
    assert listed == ok(api, f"{WEB_APP}/pullRequests/2")["attachments"]
    assert {a["name"] for a in listed} == {"dark-mode.png", "テスト結果.txt"}
    for attachment in listed:
        response = api.get(f"{WEB_APP}/pullRequests/2/attachments/{attachment['id']}")
        assert response.status_code == 200
        assert len(response.content) == attachment["size"]
        assert "filename*=UTF-8''" in response.headers["content-disposition"]


def test_the_hostile_pull_request_imitates_our_markup_and_hides_characters(api: httpx2.Client) -> None:
    project, repo, number = HOSTILE_PULL_REQUEST
    pr = ok(api, f"/projects/{project}/git/repositories/{repo}/pullRequests/{number}")
    for text in (pr["summary"], pr["description"], pr["attachments"][0]["name"]):
        assert "\u202e" in text
    assert "\n# Fake heading\n" in pr["description"]
    assert "```" in pr["summary"]
    assert "\u200b" in pr["summary"]
    comments = ok(api, f"/projects/{project}/git/repositories/{repo}/pullRequests/{number}/comments")
    assert any(c["content"] == pr["description"] for c in comments)
