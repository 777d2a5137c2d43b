"""Notifications and watchings as the sandbox serves them: shapes, references, filters, paging, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.landmarks import DOCUMENT_IDS, GIT_REPOSITORIES, PULL_REQUEST_NUMBERS
from backlog_mcp.sandbox.notification_data import NOTIFICATION_REASONS

NOTIFICATION_FIELDS = {
    "id", "alreadyRead", "reason", "resourceAlreadyRead", "project", "issue", "comment", "repository",
    "pullRequest", "pullRequestComment", "document", "documentComment", "documentCommentReply", "sender",
    "created",
}  # fmt: skip
WATCHING_FIELDS = {
    "id",
    "resourceAlreadyRead",
    "note",
    "type",
    "issue",
    "lastContentUpdated",
    "created",
    "updated",
}
OTHER_USER = 1073741903


def _get(api: httpx2.Client, path: str, params: Any = None) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _all(api: httpx2.Client) -> list[dict[str, Any]]:
    return list(_get(api, "/notifications", {"count": 100, "order": "asc"}))


def test_notifications_cover_every_reason_read_and_unread_with_backlogs_fields(api: httpx2.Client) -> None:
    every = _all(api)
    assert len(every) >= 40
    assert {n["reason"] for n in every} == set(NOTIFICATION_REASONS)
    assert {n["alreadyRead"] for n in every} == {True, False}
    for n in every:
        assert set(n) == NOTIFICATION_FIELDS
        assert n["project"]["projectKey"]
        assert n["sender"]["id"]
        assert n["created"].endswith("Z")


def test_issue_notifications_embed_real_issues_and_their_real_comments(api: httpx2.Client) -> None:
    for n in _all(api):
        if n["issue"] is None:
            continue
        issue = _get(api, f"/issues/{n['issue']['issueKey']}")
        assert issue == n["issue"]
        assert n["project"]["id"] == issue["projectId"]
        if n["reason"] in (2, 4, 5):
            comment = _get(api, f"/issues/{issue['issueKey']}/comments/{n['comment']['id']}")
            assert comment == n["comment"]


def test_pull_request_notifications_embed_the_git_areas_pull_requests_and_comments(
    api: httpx2.Client,
) -> None:
    names = {repo_id: key_name for key_name, repo_id in GIT_REPOSITORIES.items()}
    prs = [n for n in _all(api) if n["reason"] in (10, 11, 12, 13)]
    assert prs
    for n in prs:
        repo, pr = n["repository"], n["pullRequest"]
        key, name = names[repo["id"]]
        assert (n["project"]["projectKey"], repo["name"]) == (key, name)
        assert 1 <= pr["number"] <= PULL_REQUEST_NUMBERS[(key, name)]
        path = f"/projects/{key}/git/repositories/{name}/pullRequests"
        listed = _get(api, path, {"count": 100})
        assert pr in listed
        assert repo in _get(api, f"/projects/{key}/git/repositories")
        assert (n["pullRequestComment"] is not None) is (n["reason"] == 11)
        if n["pullRequestComment"]:
            comments = _get(api, f"{path}/{pr['number']}/comments", {"count": 100})
            assert n["pullRequestComment"] in comments
            assert n["sender"] == n["pullRequestComment"]["createdUser"]


def test_document_notifications_name_landmark_documents(api: httpx2.Client) -> None:
    docs = [n for n in _all(api) if n["reason"] in (14, 15, 17)]
    assert docs
    for n in docs:
        assert n["document"]["id"] in DOCUMENT_IDS.values()
        assert (n["documentComment"] is not None) is (n["reason"] in (14, 15))
        assert (n["documentCommentReply"] is not None) is (n["reason"] == 15)
        if n["documentComment"]:
            assert json.loads(n["documentComment"]["content"])["type"] == "doc"


def test_notifications_page_by_exclusive_id_bounds(api: httpx2.Client) -> None:
    ids = [n["id"] for n in _all(api)]
    page = _get(api, "/notifications", {"maxId": ids[10], "count": 3})
    assert [n["id"] for n in page] == [ids[9], ids[8], ids[7]]
    page = _get(api, "/notifications", {"minId": ids[10], "order": "asc", "count": 2})
    assert [n["id"] for n in page] == [ids[11], ids[12]]
    assert len(_get(api, "/notifications")) == 20


def test_notifications_filter_by_sender(api: httpx2.Client) -> None:
    page = _get(api, "/notifications", {"senderId": OTHER_USER, "count": 100})
    assert page
    assert {n["sender"]["id"] for n in page} == {OTHER_USER}


@pytest.mark.parametrize("count", [0, 101, "x"])
def test_a_count_out_of_range_gets_backlogs_400(api: httpx2.Client, count: int | str) -> None:
    response = api.get("/notifications", params={"count": count})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 7
    assert "count" in response.json()["errors"][0]["message"]


def test_the_notification_count_follows_its_filters(api: httpx2.Client) -> None:
    every = _all(api)
    assert _get(api, "/notifications/count") == {"count": len(every)}
    unread = sum(1 for n in every if not n["alreadyRead"])
    assert _get(api, "/notifications/count", {"alreadyRead": "false"}) == {"count": unread}
    unseen = sum(1 for n in every if not n["resourceAlreadyRead"])
    assert _get(api, "/notifications/count", {"resourceAlreadyRead": "false"}) == {"count": unseen}


def test_watchings_of_the_sandbox_user_and_of_another(api: httpx2.Client, sandbox: SandboxServer) -> None:
    me = sandbox.space.myself["id"]
    mine = _get(api, f"/users/{me}/watchings", {"count": 100})
    assert len(mine) >= 25
    assert _get(api, f"/users/{me}/watchings/count") == {"count": len(mine)}
    for w in mine:
        assert set(w) == WATCHING_FIELDS
        assert w["type"] == "issue"
        assert _get(api, f"/issues/{w['issue']['id']}") == w["issue"]
    theirs = _get(api, f"/users/{OTHER_USER}/watchings")
    assert 0 < len(theirs) < 10
    assert not {w["id"] for w in theirs} & {w["id"] for w in mine}


def test_watchings_page_by_offset_and_filter_by_read_state_and_issue(
    api: httpx2.Client, sandbox: SandboxServer
) -> None:
    me = sandbox.space.myself["id"]
    every = _get(api, f"/users/{me}/watchings", {"count": 100})
    pages = [_get(api, f"/users/{me}/watchings", {"count": 7, "offset": o}) for o in range(0, len(every), 7)]
    assert [w["id"] for page in pages for w in page] == [w["id"] for w in every]
    unread = _get(api, f"/users/{me}/watchings", {"count": 100, "resourceAlreadyRead": "false"})
    assert unread
    assert all(not w["resourceAlreadyRead"] for w in unread)
    count = _get(api, f"/users/{me}/watchings/count", {"resourceAlreadyRead": "false"})
    assert count == {"count": len(unread)}
    assert _get(api, f"/users/{me}/watchings/count", {"alreadyRead": "false"}) == count
    one = every[3]["issue"]["id"]
    assert [w["issue"]["id"] for w in _get(api, f"/users/{me}/watchings", [("issueId[]", one)])] == [one]


def test_watchings_sort_by_issue_update_newest_first_by_default(
    api: httpx2.Client, sandbox: SandboxServer
) -> None:
    me = sandbox.space.myself["id"]
    every = _get(api, f"/users/{me}/watchings", {"count": 100})
    updated = [w["issue"]["updated"] for w in every]
    assert updated == sorted(updated, reverse=True)
    assert api.get(f"/users/{me}/watchings", params={"sort": "name"}).status_code == 400


def test_one_watching_by_id_and_unknown_ones(api: httpx2.Client, sandbox: SandboxServer) -> None:
    me = sandbox.space.myself["id"]
    first = _get(api, f"/users/{me}/watchings")[0]
    one = _get(api, f"/watchings/{first['id']}")
    assert one["id"] == first["id"]
    assert one["alreadyRead"] == first["resourceAlreadyRead"]
    for path in ("/watchings/1", "/users/999/watchings", "/users/999/watchings/count"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["errors"][0]["message"] in ("No watching.", "No user.")
    assert api.get("/users/999/watchings").json()["errors"][0]["message"] == "No user."


def test_an_issue_comment_notification_embeds_the_comment_as_the_docs_show_it(api: httpx2.Client) -> None:
    ours = next(n for n in _all(api) if n["reason"] == 2)
    # The fields of `GET /notifications`'s documented example comment.
    assert set(ours["comment"]) >= {
        "id", "projectId", "issueId", "content", "changeLog", "createdUser", "created", "updated", "stars",
        "notifications",
    }  # fmt: skip


def test_notifications_do_not_repeat_the_same_event(api: httpx2.Client) -> None:
    every = _all(api)
    about = ("issue", "comment", "pullRequest", "pullRequestComment", "document", "documentComment")

    def event(n: dict[str, Any]) -> tuple[object, ...]:
        ids = tuple((n[k] or {}).get("id") for k in (*about, "documentCommentReply"))
        return n["reason"], n["project"]["id"], n["created"], *ids

    assert len({event(n) for n in every}) == len(every)
    commented = [n for n in every if n["comment"] or n["pullRequestComment"] or n["documentComment"]]
    keys = ("comment", "pullRequestComment", "documentComment", "documentCommentReply")
    said = [
        (n["reason"], n["sender"]["id"], json.dumps([n[k] for k in keys], sort_keys=True)) for n in commented
    ]
    assert len(set(said)) == len(said) >= 20
    for reason in NOTIFICATION_REASONS:  # every reason both read and unread
        assert {n["alreadyRead"] for n in every if n["reason"] == reason} == {True, False}, reason
