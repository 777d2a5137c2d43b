"""Backlog error bodies: 404 code 6 for missing things, 400 code 7 naming the bad parameter."""

from __future__ import annotations

import httpx2
import pytest

from backlog_mcp.sandbox import MANY_COMMENTS_ISSUE, PARENT_ISSUE


def error_of(response: httpx2.Response) -> dict[str, object]:
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["moreInfo"] == ""
    return dict(errors[0])


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/issues/DEMO-99999", "No issue."),
        ("/issues/99", "No issue."),
        ("/issues/not-a-key", "No issue."),
        ("/projects/NOPE", "No project."),
        ("/projects/demo", "No project."),
        ("/projects/NOPE/statuses", "No project."),
        (f"/issues/{PARENT_ISSUE}/attachments/1", "No attachment."),
        (f"/issues/{PARENT_ISSUE}/comments/1", "No comment."),
        ("/users/1", "No user."),
        ("/no/such/api", "No such API."),
        ("/issues/", "No such API."),
        ("/projects/DEMO/", "No such API."),
        (f"/issues/{PARENT_ISSUE}/", "No such API."),
    ],
)
def test_not_found(api: httpx2.Client, path: str, message: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert error_of(response) == {"message": message, "code": 6, "moreInfo": ""}


def test_attachment_of_another_issue_is_not_found(api: httpx2.Client) -> None:
    foreign = api.get(f"/issues/{MANY_COMMENTS_ISSUE}/attachments").json()[0]["id"]
    assert api.get(f"/issues/{MANY_COMMENTS_ISSUE}/attachments/{foreign}").status_code == 200
    response = api.get(f"/issues/{PARENT_ISSUE}/attachments/{foreign}")
    assert response.status_code == 404
    assert error_of(response)["message"] == "No attachment."


def test_comment_of_another_issue_is_not_found(api: httpx2.Client) -> None:
    foreign = api.get(f"/issues/{MANY_COMMENTS_ISSUE}/comments").json()[0]["id"]
    response = api.get(f"/issues/{PARENT_ISSUE}/comments/{foreign}")
    assert response.status_code == 404
    assert error_of(response)["message"] == "No comment."


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/issues", {"count": "0"}, "count"),
        ("/issues", {"count": "101"}, "count"),
        ("/issues", {"count": "ten"}, "count"),
        ("/issues/count", {"count": "0"}, "count"),
        ("/issues", {"offset": "-1"}, "offset"),
        ("/issues", {"order": "up"}, "order"),
        ("/issues", {"sort": "bogus"}, "sort"),
        ("/issues", {"sort": "customField_1"}, "sort"),
        ("/issues", {"createdSince": "2025/01/01"}, "createdSince"),
        ("/issues", {"dueDateUntil": "2025-13-01"}, "dueDateUntil"),
        ("/issues/count", {"updatedSince": "yesterday"}, "updatedSince"),
        ("/issues", {"parentChild": "5"}, "parentChild"),
        ("/issues", {"hasDueDate": "true"}, "hasDueDate"),
        ("/issues/count", {"hasDueDate": "true"}, "hasDueDate"),
        ("/issues", {"projectId[]": "DEMO"}, "projectId[]"),
        ("/issues", {"attachment": "yes"}, "attachment"),
        ("/projects", {"archived": "maybe"}, "archived"),
        (f"/issues/{MANY_COMMENTS_ISSUE}/comments", {"count": "101"}, "count"),
        (f"/issues/{MANY_COMMENTS_ISSUE}/comments", {"minId": "abc"}, "minId"),
        (f"/issues/{MANY_COMMENTS_ISSUE}/comments", {"order": "ascending"}, "order"),
        (f"/issues/{PARENT_ISSUE}/comments/abc", {}, "commentId"),
        (f"/issues/{PARENT_ISSUE}/attachments/abc", {}, "attachmentId"),
        ("/users/abc", {}, "userId"),
    ],
)
def test_invalid_parameters(api: httpx2.Client, path: str, params: dict[str, str], parameter: str) -> None:
    response = api.get(path, params=params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == 7
    assert str(error["message"]).startswith(f"Invalid {parameter}. ")


def test_count_message_is_backlog_like(api: httpx2.Client) -> None:
    error = error_of(api.get("/issues", params={"count": "500"}))
    assert error["message"] == "Invalid count. count must be between 1 and 100."


def test_writes_the_sandbox_does_not_accept_are_refused(api: httpx2.Client) -> None:
    response = api.delete("/issues/DEMO-1")
    assert response.status_code == 405
    assert error_of(response)["code"] == 7
    assert response.headers["x-ratelimit-limit"] == "150"  # counted as an Update request
