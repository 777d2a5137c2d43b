"""Adding pull request comments against a FRESH sandbox per test: writes never touch a shared one."""

from __future__ import annotations

import httpx2
import pytest

from backlog_mcp.sandbox import SandboxServer
from tests.sandbox.conftest import error_of

_ADMIN, _OTHER = 1073741901, 1073741903
_PR = "/projects/DEMO/git/repositories/web-app/pullRequests/1"
# The docs' example answer of add-pull-request-comment.
_COMMENT_KEYS = ["id", "content", "changeLog", "createdUser", "created", "updated", "stars", "notifications"]


@pytest.fixture
def sandbox(write_sandbox: SandboxServer) -> SandboxServer:
    """Overrides the module-wide sandbox of conftest: every test here writes, so each gets its own
    (tests/conftest.py: one reset to its initial state)."""
    return write_sandbox


def test_adding_a_comment_answers_200_with_the_comment_and_whom_it_notified(api: httpx2.Client) -> None:
    response = api.post(
        f"{_PR}/comments", data={"content": "確認しました。\nLGTM", "notifiedUserId[]": [_OTHER, _ADMIN]}
    )
    assert response.status_code == 200  # not 201: the docs' status line for this endpoint
    comment = response.json()
    assert list(comment) == _COMMENT_KEYS
    assert comment["content"] == "確認しました。\nLGTM"
    assert comment["changeLog"] == []
    assert comment["createdUser"]["id"] == _ADMIN
    assert comment["created"] == comment["updated"] == "2026-02-27T09:01:00Z"
    assert [n["user"]["id"] for n in comment["notifications"]] == [_OTHER, _ADMIN]
    assert {n["reason"] for n in comment["notifications"]} == {11}
    assert response.headers["x-ratelimit-limit"] == "150"  # the Update bucket


def test_an_added_comment_is_newest_in_the_list_counted_and_updates_the_pull_request(
    api: httpx2.Client,
) -> None:
    count = api.get(f"{_PR}/comments/count").json()["count"]
    newest = api.get(f"{_PR}/comments", params={"order": "desc", "count": 1}).json()[0]
    added = api.post(f"{_PR}/comments", data={"content": "追記"}).json()
    assert added["id"] > newest["id"]
    assert api.get(f"{_PR}/comments/count").json()["count"] == count + 1
    assert api.get(f"{_PR}/comments", params={"order": "desc", "count": 1}).json()[0] == added
    assert api.get(f"{_PR}/comments", params={"order": "asc", "minId": newest["id"]}).json() == [added]
    pr = api.get(_PR).json()
    assert (pr["updated"], pr["updatedUser"]["id"]) == (added["created"], _ADMIN)
    other = "/projects/OPS/git/repositories/infra/pullRequests/1/comments"
    assert api.post(other, data={"content": "次"}).json()["id"] == added["id"] + 1  # unique space-wide


def test_an_uploaded_file_attached_with_a_comment_is_logged_listed_and_downloadable(
    api: httpx2.Client,
) -> None:
    upload = api.post("/space/attachment", files={"file": ("差分.txt", b"diff\n")}).json()
    comment = api.post(
        f"{_PR}/comments", data={"content": "添付します", "attachmentId[]": upload["id"]}
    ).json()
    assert comment["changeLog"][0]["field"] == "attachment"
    assert comment["changeLog"][0]["attachmentInfo"] == {"id": upload["id"], "name": "差分.txt"}
    listed = api.get(f"{_PR}/attachments").json()
    assert listed[-1]["id"] == upload["id"]
    assert api.get(f"{_PR}/attachments/{upload['id']}").content == b"diff\n"
    again = api.post(f"{_PR}/comments", data={"content": "x", "attachmentId[]": upload["id"]})
    assert again.status_code == 400  # an upload is attached once


def test_content_is_required_and_notified_users_must_exist(api: httpx2.Client) -> None:
    count = api.get(f"{_PR}/comments/count").json()["count"]
    for form in ({}, {"content": "  "}):
        response = api.post(f"{_PR}/comments", data=form)
        assert response.status_code == 400
        assert error_of(response) == {
            "message": "Invalid content. content is required.", "code": 7, "moreInfo": ""
        }  # fmt: skip
    unknown = api.post(f"{_PR}/comments", data={"content": "x", "notifiedUserId[]": 42})
    assert unknown.status_code == 400
    assert error_of(unknown)["message"] == "Invalid notifiedUserId[]. No user 42."
    assert api.get(f"{_PR}/comments/count").json()["count"] == count  # nothing half-written


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/projects/NOPE/git/repositories/web-app/pullRequests/1/comments", "No project."),
        ("/projects/DEMO/git/repositories/nope/pullRequests/1/comments", "No repository."),
        ("/projects/VNAPP/git/repositories/web-app/pullRequests/1/comments", "No repository."),
        ("/projects/DEMO/git/repositories/web-app/pullRequests/99/comments", "No pull request."),
        ("/projects/DEMO/git/repositories/3001/pullRequests/99/comments", "No pull request."),
    ],
)
def test_a_comment_on_a_missing_pull_request_is_404_naming_what_is_missing(
    api: httpx2.Client, path: str, message: str
) -> None:
    response = api.post(path, data={"content": "x"})
    assert response.status_code == 404
    assert error_of(response) == {"message": message, "code": 6, "moreInfo": ""}
