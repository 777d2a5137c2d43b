"""Issue writes against a FRESH sandbox per test: a write must never touch a shared sandbox."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox import SandboxServer
from tests.sandbox.conftest import error_of

_DEMO_PROJECT_ID = 10001
_BUG, _TASK = 1073790100, 1073790101
_FRONTEND, _BACKEND = 1073800100, 1073800101
_ADMIN, _OTHER_USER = 1073741901, 1073741903
_ORIGIN = "https://demo.backlog.com"


@pytest.fixture
def sandbox(write_sandbox: SandboxServer) -> SandboxServer:
    """Overrides the module-wide sandbox of conftest: every test here writes, so each gets its own
    (tests/conftest.py: one reset to its initial state)."""
    return write_sandbox


def new_issue(api: httpx2.Client, **extra: Any) -> httpx2.Response:
    form = {
        "projectId": _DEMO_PROJECT_ID,
        "summary": "ログイン画面が崩れる",
        "issueTypeId": _BUG,
        "priorityId": 3,
    }
    return api.post("/issues", data={**form, **extra})


def test_adding_an_issue_answers_201_with_its_location_the_next_key_and_status_open(
    api: httpx2.Client,
) -> None:
    response = new_issue(api, description="手順:\n1. 開く")
    assert response.status_code == 201
    issue = response.json()
    assert issue["issueKey"] == "DEMO-53"
    assert issue["keyId"] == 53
    assert response.headers["location"] == f"{_ORIGIN}/view/DEMO-53"
    assert issue["status"]["id"] == 1
    assert issue["issueType"]["name"] == "バグ"
    assert issue["priority"] == {"id": 3, "name": "中"}
    assert issue["description"] == "手順:\n1. 開く"
    assert issue["createdUser"]["id"] == _ADMIN
    assert issue["created"] == issue["updated"] == "2026-02-27T09:01:00Z"
    assert response.headers["x-ratelimit-limit"] == "150"  # the Update bucket
    assert new_issue(api).json()["issueKey"] == "DEMO-54"


def test_reads_see_an_added_issue_in_the_list_the_count_and_by_key(api: httpx2.Client) -> None:
    before = api.get("/issues/count", params={"projectId[]": _DEMO_PROJECT_ID}).json()["count"]
    added = new_issue(api).json()
    after = api.get("/issues/count", params={"projectId[]": _DEMO_PROJECT_ID}).json()["count"]
    assert after == before + 1
    listed = api.get("/issues", params={"projectId[]": _DEMO_PROJECT_ID, "sort": "created"}).json()
    assert listed[0]["id"] == added["id"]
    assert api.get("/issues/DEMO-53").json()["summary"] == "ログイン画面が崩れる"
    assert api.get(f"/issues/{added['id']}").json()["issueKey"] == "DEMO-53"


def test_adding_an_issue_sets_the_optional_fields_custom_fields_and_parent(api: httpx2.Client) -> None:
    response = new_issue(
        api,
        **{
            "parentIssueId": api.get("/issues/DEMO-1").json()["id"],
            "startDate": "2026-03-01",
            "dueDate": "2026-03-10",
            "estimatedHours": "2.5",
            "assigneeId": _OTHER_USER,
            "categoryId[]": [_FRONTEND, _BACKEND],
            "customField_1073820001": "株式会社テスト",
            "customField_1073820003": "8",
            "customField_1073820005": "2",
            "customField_1073820006[0]": "1",
            "customField_1073820006[1]": "3",
        },
    )
    assert response.status_code == 201, response.text
    issue = response.json()
    assert issue["dueDate"] == "2026-03-09T15:00:00Z"  # JST midnight, as a JST space returns it
    assert issue["startDate"] == "2026-02-28T15:00:00Z"
    assert issue["estimatedHours"] == 2.5
    assert issue["assignee"]["id"] == _OTHER_USER
    assert [c["name"] for c in issue["category"]] == ["フロントエンド", "バックエンド"]
    values = {c["name"]: c["value"] for c in issue["customFields"]}
    assert values["顧客名"] == "株式会社テスト"
    assert values["見積ポイント"] == 8.0
    assert values["影響範囲"]["name"] == "中"
    assert [item["name"] for item in values["対象ブラウザ"]] == ["Chrome", "Safari"]
    parent = api.get("/issues/DEMO-1", params={"expand[]": "childIssueSummary"}).json()
    assert issue["parentIssueId"] == parent["id"]
    children = api.get("/issues", params={"parentIssueId[]": parent["id"]}).json()
    assert issue["id"] in [child["id"] for child in children]


@pytest.mark.parametrize("missing", ["projectId", "summary", "issueTypeId", "priorityId"])
def test_adding_an_issue_without_a_required_field_is_refused_naming_it(
    api: httpx2.Client, missing: str
) -> None:
    form = {"projectId": _DEMO_PROJECT_ID, "summary": "x", "issueTypeId": _BUG, "priorityId": 3}
    del form[missing]
    response = api.post("/issues", data=form)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == 7
    assert error["message"] == f"Invalid {missing}. {missing} is required."
    assert api.get("/issues/DEMO-53").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("priorityId", "high", "priorityId must be an integer."),
        ("dueDate", "10/03/2026", "dueDate must be a date in yyyy-MM-dd format."),
        ("estimatedHours", "two", "estimatedHours must be a number."),
        ("issueTypeId", "999", "No issueType 999 in the project."),
        ("categoryId[]", "999", "No category 999 in the project."),
        ("assigneeId", "999", "No user 999 in the project."),
        ("assigneeId", "1073741915", "No user 1073741915 in the project."),  # in the space, not DEMO
        ("notifiedUserId[]", "999", "No user 999."),
        ("priorityId", "9", "No priority 9 in the space."),
        ("milestoneId[]", "1073810200", "No milestone 1073810200 in the project."),  # VNAPP's
        ("customField_1073820005", "9", "No item 9 in 影響範囲."),
        ("customField_1073820003", "101", "見積ポイント must be 100 or less."),
        ("customField_1073820001_otherValue", "x", "顧客名 takes no other value."),
        ("customField_999", "x", "No custom field 999 in the project."),
        ("statusId", "2", "Unknown parameter."),  # an issue is added in the first status
        ("categoryId", "1073800100", "Unknown parameter."),  # Backlog's name is categoryId[]
    ],
)
def test_adding_an_issue_with_a_bad_value_is_refused_naming_the_parameter(
    api: httpx2.Client, field: str, value: str, reason: str
) -> None:
    response = new_issue(api, **{field: value})
    assert response.status_code == 400
    assert error_of(response) == {"message": f"Invalid {field}. {reason}", "code": 7, "moreInfo": ""}


def test_updating_an_issue_logs_each_change_in_a_comment_with_backlogs_field_names(
    api: httpx2.Client,
) -> None:
    key = new_issue(api, dueDate="2026-03-10").json()["issueKey"]
    response = api.patch(
        f"/issues/{key}",
        data={"statusId": "2", "assigneeId": _OTHER_USER, "dueDate": "2026-03-20", "comment": "着手します"},
    )
    assert response.status_code == 200
    issue = response.json()
    assert issue["status"]["name"] == "処理中"
    assert issue["updated"] == "2026-02-27T09:02:00Z"
    comments = api.get(f"/issues/{key}/comments").json()
    assert len(comments) == 1
    assert comments[0]["content"] == "着手します"
    log = {entry["field"]: (entry["originalValue"], entry["newValue"]) for entry in comments[0]["changeLog"]}
    assert log == {
        "status": ("未対応", "処理中"),
        "assigner": (None, api.get(f"/users/{_OTHER_USER}").json()["name"]),
        "limitDate": ("2026-03-10", "2026-03-20"),
    }
    assert api.get(f"/issues/{key}/comments/count").json() == {"count": 1}


def test_updating_an_issue_to_a_status_the_project_lacks_is_refused(api: httpx2.Client) -> None:
    response = api.patch("/issues/DEMO-1", data={"statusId": "999"})
    assert response.status_code == 400
    assert error_of(response) == {
        "message": "Invalid statusId. No status 999 in the project.",
        "code": 7,
        "moreInfo": "",
    }


def test_adding_a_comment_answers_201_with_its_anchor_and_reads_see_it(api: httpx2.Client) -> None:
    count = api.get("/issues/DEMO-1/comments/count").json()["count"]
    response = api.post(
        "/issues/DEMO-1/comments", data={"content": "確認しました。", "notifiedUserId[]": [_OTHER_USER]}
    )
    assert response.status_code == 201
    comment = response.json()
    assert response.headers["location"] == f"{_ORIGIN}/view/DEMO-1#comment-{comment['id']}"
    assert comment["content"] == "確認しました。"
    assert comment["createdUser"]["id"] == _ADMIN
    assert [n["user"]["id"] for n in comment["notifications"]] == [_OTHER_USER]
    assert api.get("/issues/DEMO-1/comments/count").json()["count"] == count + 1
    assert api.get(f"/issues/DEMO-1/comments/{comment['id']}").json() == comment
    assert api.get("/issues/DEMO-1/comments", params={"order": "desc"}).json()[0]["id"] == comment["id"]


def test_a_comment_without_content_is_refused(api: httpx2.Client) -> None:
    response = api.post("/issues/DEMO-1/comments", data={"content": "  "})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Invalid content. content is required."


def test_editing_ones_own_comment_changes_its_content(api: httpx2.Client) -> None:
    comment = api.post("/issues/DEMO-1/comments", data={"content": "typo"}).json()
    response = api.patch(f"/issues/DEMO-1/comments/{comment['id']}", data={"content": "fixed"})
    assert response.status_code == 200
    assert response.json()["content"] == "fixed"
    assert api.get(f"/issues/DEMO-1/comments/{comment['id']}").json()["content"] == "fixed"


def test_editing_another_users_comment_is_forbidden(api: httpx2.Client) -> None:
    response = api.patch("/issues/LEGACY-1/comments/1075000000", data={"content": "mine now"})
    assert response.status_code == 403
    assert error_of(response) == {
        "message": "You do not have permission to edit this comment.",
        "code": 5,
        "moreInfo": "",
    }
    assert api.get("/issues/LEGACY-1/comments/1075000000").json()["content"] != "mine now"


def test_an_uploaded_file_attaches_to_a_new_issue_and_a_comment_and_downloads(api: httpx2.Client) -> None:
    upload = api.post("/space/attachment", files={"file": ("画面.png", b"\x89PNG-bytes", "image/png")})
    assert upload.status_code == 200
    meta = upload.json()
    assert meta == {"id": meta["id"], "name": "画面.png", "size": 10}
    issue = new_issue(api, **{"attachmentId[]": [meta["id"]]}).json()
    assert [(a["id"], a["name"]) for a in issue["attachments"]] == [(meta["id"], "画面.png")]
    download = api.get(f"/issues/{issue['issueKey']}/attachments/{meta['id']}")
    assert download.status_code == 200
    assert download.content == b"\x89PNG-bytes"

    second = api.post("/space/attachment", files={"file": ("log.txt", b"line\n")}).json()
    comment = api.post(
        f"/issues/{issue['issueKey']}/comments", data={"content": "ログ", "attachmentId[]": [second["id"]]}
    ).json()
    assert comment["changeLog"][0]["field"] == "attachment"
    assert comment["changeLog"][0]["attachmentInfo"] == {"id": second["id"], "name": "log.txt"}
    listed = api.get(f"/issues/{issue['issueKey']}/attachments").json()
    assert [a["name"] for a in listed] == ["画面.png", "log.txt"]
    assert api.get(f"/issues/{issue['issueKey']}/attachments/{second['id']}").content == b"line\n"


def test_an_attachment_id_never_uploaded_or_already_used_is_refused(api: httpx2.Client) -> None:
    meta = api.post("/space/attachment", files={"file": ("a.txt", b"a")}).json()
    assert new_issue(api, **{"attachmentId[]": [meta["id"]]}).status_code == 201
    again = api.post("/issues/DEMO-1/comments", data={"content": "x", "attachmentId[]": [meta["id"]]})
    assert again.status_code == 400
    assert error_of(again)["message"] == f"Invalid attachmentId. No uploaded attachment {meta['id']}."


def test_an_upload_without_a_file_is_refused(api: httpx2.Client) -> None:
    response = api.post("/space/attachment", data={"name": "x"})
    assert response.status_code == 400
    assert error_of(response)["code"] == 7


def test_the_request_log_records_writes_with_their_method(api: httpx2.Client, sandbox: SandboxServer) -> None:
    key = new_issue(api).json()["issueKey"]
    api.patch(f"/issues/{key}", data={"summary": "changed"})
    writes = [(r.method, r.path, r.status) for r in sandbox.requests if r.method != "GET"]
    assert writes == [("POST", "/api/v2/issues", 201), ("PATCH", f"/api/v2/issues/{key}", 200)]


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/issues/DEMO-1"), ("PUT", "/issues/DEMO-1"), ("POST", "/projects"), ("PATCH", "/issues")],
)
def test_other_writes_are_still_refused_with_405(api: httpx2.Client, method: str, path: str) -> None:
    response = api.request(method, path, data={"summary": "x"})
    assert response.status_code == 405
    assert error_of(response)["code"] == 7
    assert api.get("/issues/DEMO-1").json()["summary"] != "x"


def test_closing_an_issue_logs_status_and_resolution_and_custom_field_changes(api: httpx2.Client) -> None:
    key = new_issue(api, customField_1073820003="3").json()["issueKey"]
    issue = api.patch(
        f"/issues/{key}", data={"statusId": "4", "resolutionId": "0", "customField_1073820003": "5"}
    )
    assert issue.status_code == 200
    assert issue.json()["resolution"] == {"id": 0, "name": "対応済み"}
    [comment] = api.get(f"/issues/{key}/comments").json()
    assert comment["content"] == ""  # a change-only comment, as Backlog's update form produces
    assert [(e["field"], e["originalValue"], e["newValue"]) for e in comment["changeLog"]] == [
        ("見積ポイント", "3", "5"),
        ("status", "未対応", "完了"),
        ("resolution", None, "対応済み"),
    ]
    assert comment["changeLog"][0]["attributeInfo"] == {"id": 1073820003, "typeId": 3}
    params: dict[str, str | int] = {
        "projectId[]": _DEMO_PROJECT_ID,
        "statusId[]": 4,
        "sort": "created",
        "order": "desc",
    }
    assert api.get("/issues", params=params).json()[0]["issueKey"] == key  # filtered on the new status


def test_an_update_that_changes_nothing_posts_no_comment(api: httpx2.Client) -> None:
    key = new_issue(api).json()["issueKey"]
    response = api.patch(f"/issues/{key}", data={"priorityId": "3"})
    assert response.status_code == 200
    assert api.get(f"/issues/{key}/comments/count").json() == {"count": 0}


def test_updating_an_issue_that_does_not_exist_is_not_found(api: httpx2.Client) -> None:
    response = api.patch("/issues/DEMO-999", data={"summary": "x"})
    assert response.status_code == 404
    assert error_of(response) == {"message": "No issue.", "code": 6, "moreInfo": ""}


_CUSTOMER, _NOTES, _POINTS, _RELEASE, _IMPACT, _BROWSERS, _CHECKS, _ENV = range(1073820001, 1073820009)


def test_a_multi_select_custom_field_takes_items_indexed_or_repeated_but_ignores_brackets(
    api: httpx2.Client,
) -> None:
    indexed = new_issue(api, **{f"customField_{_BROWSERS}[0]": "2", f"customField_{_BROWSERS}[1]": "4"})
    repeated = new_issue(api, **{f"customField_{_CHECKS}": ["1", "3"]})  # Nulab's Java client's form
    bracketed = new_issue(api, **{f"customField_{_BROWSERS}[]": ["1", "2"]})
    assert [i["name"] for i in custom_value(indexed.json(), _BROWSERS)] == ["Firefox", "Edge"]
    assert [i["name"] for i in custom_value(repeated.json(), _CHECKS)] == [
        "テスト済み",
        "ドキュメント更新済み",
    ]
    # Backlog drops the bracket-array form for custom fields without a word: nothing is set.
    assert bracketed.status_code == 201
    assert custom_value(bracketed.json(), _BROWSERS) is None


def custom_value(issue: dict[str, Any], field_id: int) -> Any:
    return next((c["value"] for c in issue["customFields"] if c["id"] == field_id), None)


def test_a_single_list_custom_field_takes_one_item(api: httpx2.Client) -> None:
    response = new_issue(api, **{f"customField_{_IMPACT}[0]": "1", f"customField_{_IMPACT}[1]": "2"})
    assert response.status_code == 400
    assert error_of(response)["message"] == f"Invalid customField_{_IMPACT}[]. 影響範囲 takes one item."


def test_a_required_custom_field_must_be_given_when_it_applies_to_the_issue_type(
    api: httpx2.Client, sandbox: SandboxServer
) -> None:
    project = sandbox.space.project("DEMO")
    assert project is not None
    notes = next(f for f in project.custom_fields if f["id"] == _NOTES)
    notes["required"] = True  # applies to バグ and タスク only
    missing = new_issue(api)
    assert missing.status_code == 400
    assert error_of(missing)["message"] == f"Invalid customField_{_NOTES}. 補足情報 is required."
    other_type = next(t["id"] for t in project.issue_types if t["id"] not in notes["applicableIssueTypes"])
    assert new_issue(api, issueTypeId=other_type).status_code == 201
    key = new_issue(api, **{f"customField_{_NOTES}": "再現率 100%"}).json()["issueKey"]
    cleared = api.patch(f"/issues/{key}", data={f"customField_{_NOTES}": ""})
    assert cleared.status_code == 400
    assert error_of(cleared)["message"] == f"Invalid customField_{_NOTES}. 補足情報 is required."


def test_a_custom_field_that_does_not_apply_to_the_issue_type_is_refused(
    api: httpx2.Client, sandbox: SandboxServer
) -> None:
    project = sandbox.space.project("DEMO")
    assert project is not None
    other_type = next(t["id"] for t in project.issue_types if t["id"] not in (_BUG, _TASK))
    response = new_issue(api, issueTypeId=other_type, **{f"customField_{_NOTES}": "x"})
    assert response.status_code == 400
    assert (
        error_of(response)["message"]
        == f"Invalid customField_{_NOTES}. 補足情報 does not apply to the issue type."
    )


def test_a_refused_update_changes_nothing(api: httpx2.Client) -> None:
    key = new_issue(api).json()["issueKey"]
    before = api.get(f"/issues/{key}").json()
    response = api.patch(
        f"/issues/{key}",
        data={"summary": "変更後", "statusId": "2", f"customField_{_POINTS}": "5", "categoryId[]": "999"},
    )
    assert response.status_code == 400
    assert api.get(f"/issues/{key}").json() == before
    assert api.get(f"/issues/{key}/comments/count").json() == {"count": 0}


def test_statuses_are_checked_against_the_issues_own_project(api: httpx2.Client) -> None:
    assert api.patch("/issues/DEMO-1", data={"statusId": "101"}).status_code == 200  # DEMO's custom status
    refused = api.patch("/issues/VNAPP-1", data={"statusId": "101"})
    assert refused.status_code == 400
    assert error_of(refused)["message"] == "Invalid statusId. No status 101 in the project."
    assert api.get("/issues/VNAPP-1").json()["status"]["id"] != 101


def test_an_update_clears_resolution_categories_dates_and_assignee_with_empty_values(
    api: httpx2.Client,
) -> None:
    key = new_issue(
        api, **{"categoryId[]": [_FRONTEND], "dueDate": "2026-03-10", "assigneeId": _OTHER_USER}
    ).json()["issueKey"]
    api.patch(f"/issues/{key}", data={"statusId": "4", "resolutionId": "0"})
    response = api.patch(
        f"/issues/{key}", data={"resolutionId": "", "categoryId[]": "", "dueDate": "", "assigneeId": ""}
    )
    issue = response.json()
    assert (issue["resolution"], issue["category"], issue["dueDate"], issue["assignee"]) == (
        None,
        [],
        None,
        None,
    )
    last = api.get(f"/issues/{key}/comments", params={"order": "desc"}).json()[0]
    assert {e["field"]: e["newValue"] for e in last["changeLog"]} == {
        "resolution": None,
        "component": None,
        "limitDate": None,
        "assigner": None,
    }


def test_versions_and_milestones_are_set_from_the_projects_versions(api: httpx2.Client) -> None:
    issue = new_issue(api, **{"versionId[]": ["1073810100"], "milestoneId[0]": "1073810101"}).json()
    assert [v["id"] for v in issue["versions"]] == [1073810100]
    assert [m["id"] for m in issue["milestone"]] == [1073810101]


def test_notified_users_of_an_update_are_on_its_comment(api: httpx2.Client) -> None:
    key = new_issue(api).json()["issueKey"]
    api.patch(f"/issues/{key}", data={"comment": "見てください", "notifiedUserId[]": [_OTHER_USER]})
    [comment] = api.get(f"/issues/{key}/comments").json()
    assert [n["user"]["id"] for n in comment["notifications"]] == [_OTHER_USER]


@pytest.mark.parametrize(
    ("issue", "parent", "reason"),
    [
        ("DEMO-2", "DEMO-2", "An issue cannot be its own parent."),
        ("VNAPP-2", "VNAPP-1", "Subtasking is not enabled in the project."),
        ("DEMO-2", "LEGACY-1", "No issue {parent} in the project."),
    ],
)
def test_a_parent_must_be_another_issue_of_a_project_with_subtasking(
    api: httpx2.Client, issue: str, parent: str, reason: str
) -> None:
    parent_id = api.get(f"/issues/{parent}").json()["id"]
    response = api.patch(f"/issues/{issue}", data={"parentIssueId": parent_id})
    assert response.status_code == 400
    assert error_of(response)["message"] == f"Invalid parentIssueId. {reason.format(parent=parent_id)}"


def test_a_child_issue_cannot_become_a_parent_and_a_parent_is_cleared_with_an_empty_value(
    api: httpx2.Client,
) -> None:
    parent = api.get("/issues/DEMO-1").json()
    child = new_issue(api, parentIssueId=parent["id"]).json()
    refused = new_issue(api, parentIssueId=child["id"])
    assert refused.status_code == 400
    assert (
        error_of(refused)["message"]
        == f"Invalid parentIssueId. {child['issueKey']} is a child issue and cannot be a parent."
    )
    cleared = api.patch(f"/issues/{child['issueKey']}", data={"parentIssueId": ""})
    assert cleared.json()["parentIssueId"] is None
    children = api.get("/issues", params={"parentIssueId[]": parent["id"]}).json()
    assert child["id"] not in [c["id"] for c in children]
    [comment] = api.get(f"/issues/{child['issueKey']}/comments").json()
    assert comment["changeLog"][0] == {
        **comment["changeLog"][0],
        "field": "parentIssue",
        "originalValue": "DEMO-1",
    }


def test_an_update_with_a_parameter_backlog_does_not_know_is_refused(api: httpx2.Client) -> None:
    response = api.patch("/issues/DEMO-1", data={"projectId": "10002"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Invalid projectId. Unknown parameter."


def test_an_issue_with_children_cannot_be_made_a_child(api: httpx2.Client) -> None:
    parent = api.get("/issues/DEMO-5").json()["id"]
    refused = api.patch("/issues/DEMO-1", data={"parentIssueId": str(parent)})
    assert refused.status_code == 400
    assert "has child issues and cannot be a child" in refused.json()["errors"][0]["message"]
    assert api.get("/issues/DEMO-1").json()["parentIssueId"] is None
