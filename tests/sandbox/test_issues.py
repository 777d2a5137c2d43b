"""Issue list, count and detail: filters, sorting, paging, and the pinned demo issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox import (
    CHILD_ISSUES,
    CUSTOM_STATUS_ISSUE,
    MAIN_PROJECT,
    PARENT_ISSUE,
    UNASSIGNED_ISSUE,
    VIETNAMESE_ISSUE,
    SandboxServer,
)

JST = timezone(timedelta(hours=9))
ISSUE_FIELDS = {
    "id", "projectId", "issueKey", "keyId", "issueType", "summary", "description", "resolution", "priority",
    "status", "assignee", "category", "versions", "milestone", "startDate", "dueDate", "estimatedHours",
    "actualHours", "parentIssueId", "createdUser", "created", "updatedUser", "updated", "customFields",
    "attachments", "sharedFiles", "stars",
}  # fmt: skip
Params = dict[str, Any] | list[tuple[str, Any]]


def count(api: httpx2.Client, params: Params) -> int:
    response = api.get("/issues/count", params=params)
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


def listing(api: httpx2.Client, params: Params) -> list[dict[str, Any]]:
    response = api.get("/issues", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def everything(api: httpx2.Client, params: list[tuple[str, Any]], page: int = 100) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    while True:
        batch = listing(api, [*params, ("offset", len(issues)), ("count", page)])
        issues += batch
        if len(batch) < page:
            return issues


def jst_day(timestamp: str) -> str:
    moment = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return moment.astimezone(JST).date().isoformat()


@pytest.fixture(scope="module")
def demo_id(sandbox: SandboxServer) -> int:
    with httpx2.Client(base_url=sandbox.base_url, params={"apiKey": sandbox.api_key}) as client:
        return int(client.get(f"/api/v2/projects/{MAIN_PROJECT}").json()["id"])


def test_space_has_enough_issues(api: httpx2.Client, demo_id: int) -> None:
    assert count(api, {}) >= 85
    assert count(api, [("projectId[]", demo_id)]) >= 45


def test_default_page_is_20_most_recently_updated(api: httpx2.Client) -> None:
    issues = listing(api, {})
    assert len(issues) == 20
    updated = [issue["updated"] for issue in issues]
    assert updated == sorted(updated, reverse=True)
    assert set(issues[0]) >= ISSUE_FIELDS


def test_issue_by_key_and_by_id_are_the_same(api: httpx2.Client) -> None:
    by_key = api.get(f"/issues/{PARENT_ISSUE}").json()
    by_id = api.get(f"/issues/{by_key['id']}").json()
    assert by_key == by_id
    assert set(by_key) >= ISSUE_FIELDS
    assert by_key["issueKey"] == PARENT_ISSUE
    assert by_key["keyId"] == 1


def test_bracket_filters_or_within_a_parameter(api: httpx2.Client, demo_id: int) -> None:
    open_count = count(api, [("statusId[]", 1)])
    in_progress = count(api, [("statusId[]", 2)])
    both = count(api, [("statusId[]", 1), ("statusId[]", 2)])
    assert open_count > 0
    assert in_progress > 0
    assert both == open_count + in_progress


def test_bracket_filters_and_across_parameters(api: httpx2.Client, demo_id: int) -> None:
    params = [("projectId[]", demo_id), ("statusId[]", 1), ("statusId[]", 4)]
    issues = everything(api, params)
    assert len(issues) == count(api, params)
    assert 0 < len(issues) < count(api, [("projectId[]", demo_id)])
    assert all(issue["projectId"] == demo_id and issue["status"]["id"] in (1, 4) for issue in issues)


def test_plain_multi_value_parameter_is_ignored(api: httpx2.Client, demo_id: int) -> None:
    assert count(api, {"projectId": demo_id}) == count(api, {})
    assert count(api, [("projectId[]", demo_id)]) < count(api, {})


@pytest.mark.parametrize(
    ("parameter", "field"),
    [
        ("assigneeId[]", "assignee"),
        ("createdUserId[]", "createdUser"),
        ("priorityId[]", "priority"),
        ("issueTypeId[]", "issueType"),
        ("resolutionId[]", "resolution"),
    ],
)
def test_single_reference_filters(api: httpx2.Client, parameter: str, field: str) -> None:
    sample = next(issue for issue in everything(api, []) if issue[field] is not None)
    wanted = sample[field]["id"]
    issues = everything(api, [(parameter, wanted)])
    assert sample["id"] in {issue["id"] for issue in issues}
    assert all(issue[field] and issue[field]["id"] == wanted for issue in issues)


@pytest.mark.parametrize(
    ("parameter", "field"), [("categoryId[]", "category"), ("milestoneId[]", "milestone")]
)
def test_list_reference_filters(api: httpx2.Client, parameter: str, field: str) -> None:
    sample = next(issue for issue in everything(api, []) if issue[field])
    wanted = sample[field][0]["id"]
    issues = everything(api, [(parameter, wanted)])
    assert sample["id"] in {issue["id"] for issue in issues}
    assert all(wanted in {item["id"] for item in issue[field]} for issue in issues)


def test_id_and_parent_filters(api: httpx2.Client) -> None:
    parent = api.get(f"/issues/{PARENT_ISSUE}").json()
    children = everything(api, [("parentIssueId[]", parent["id"])])
    assert sorted(issue["issueKey"] for issue in children) == sorted(CHILD_ISSUES)
    by_ids = listing(api, [("id[]", parent["id"]), ("id[]", children[0]["id"])])
    assert {issue["id"] for issue in by_ids} == {parent["id"], children[0]["id"]}


@pytest.mark.parametrize("page_size", [1, 7, 20, 100])
def test_pages_add_up_to_the_count(api: httpx2.Client, demo_id: int, page_size: int) -> None:
    params = [("projectId[]", demo_id), ("sort", "created"), ("order", "asc")]
    issues = everything(api, params, page=page_size)
    ids = [issue["id"] for issue in issues]
    assert len(ids) == len(set(ids)) == count(api, params)
    assert ids == [issue["id"] for issue in everything(api, params, page=100)]


def test_offset_past_the_end_is_empty(api: httpx2.Client) -> None:
    assert listing(api, {"offset": 10_000}) == []


def test_sort_by_due_date_nulls_last_in_asc_first_in_desc(api: httpx2.Client) -> None:
    ascending = everything(api, [("sort", "dueDate"), ("order", "asc")])
    descending = everything(api, [("sort", "dueDate"), ("order", "desc")])
    assert ascending == list(reversed(descending))
    dates = [issue["dueDate"] for issue in ascending]
    present = [value for value in dates if value is not None]
    assert dates[: len(present)] == sorted(present)
    assert all(value is None for value in dates[len(present) :])
    assert len(present) < len(dates)


def test_sort_ties_break_by_id(api: httpx2.Client) -> None:
    issues = everything(api, [("sort", "status"), ("order", "asc")])
    keys = [(issue["status"]["displayOrder"], issue["id"]) for issue in issues]
    assert keys == sorted(keys)


def test_sort_by_priority_desc_puts_high_first(api: httpx2.Client) -> None:
    issues = everything(api, [("sort", "priority"), ("order", "desc")])
    assert issues[0]["priority"]["name"] == "高"
    assert issues[-1]["priority"]["name"] == "低"


SORT_KEYS = [
    "issueType", "category", "version", "milestone", "summary", "status", "priority", "attachment",
    "sharedFile", "created", "createdUser", "updated", "updatedUser", "assignee", "startDate", "dueDate",
    "estimatedHours", "actualHours", "childIssue",
]  # fmt: skip


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_every_documented_sort_key_is_accepted(api: httpx2.Client, sort: str) -> None:
    issues = listing(api, {"sort": sort, "order": "asc", "count": 100})
    assert len(issues) == min(100, count(api, {}))


def test_sort_by_custom_field(api: httpx2.Client, demo_id: int) -> None:
    fields = api.get(f"/projects/{MAIN_PROJECT}/customFields").json()
    numeric = next(field for field in fields if field["typeId"] == 3)
    params = [("projectId[]", demo_id), ("sort", f"customField_{numeric['id']}"), ("order", "asc")]
    values = [
        next(f["value"] for f in issue["customFields"] if f["id"] == numeric["id"])
        for issue in everything(api, params)
    ]
    present = [value for value in values if value is not None]
    assert present == sorted(present)
    assert values[: len(present)] == present


def test_keyword_matches_summary_description_and_key_case_insensitively(api: httpx2.Client) -> None:
    assert CUSTOM_STATUS_ISSUE in {
        i["issueKey"] for i in everything(api, [("keyword", "パスワードリセット")])
    }
    assert VIETNAMESE_ISSUE in {i["issueKey"] for i in everything(api, [("keyword", "PHÔNG CHỮ")])}
    assert PARENT_ISSUE in {i["issueKey"] for i in everything(api, [("keyword", "demo-1")])}
    by_description = everything(api, [("keyword", "Typeface.createFromAsset")])
    assert [issue["issueKey"] for issue in by_description] == [VIETNAMESE_ISSUE]


def test_created_range_is_inclusive_in_space_time(api: httpx2.Client) -> None:
    parent = api.get(f"/issues/{PARENT_ISSUE}").json()
    day = jst_day(parent["created"])
    issues = everything(api, [("createdSince", day), ("createdUntil", day)])
    assert PARENT_ISSUE in {issue["issueKey"] for issue in issues}
    assert all(jst_day(issue["created"]) == day for issue in issues)


@pytest.mark.parametrize(
    ("since", "until"), [("dueDateSince", "dueDateUntil"), ("updatedSince", "updatedUntil")]
)
def test_date_ranges_filter(api: httpx2.Client, since: str, until: str) -> None:
    field = "dueDate" if since.startswith("due") else "updated"
    params = [(since, "2025-09-01"), (until, "2025-10-31")]
    issues = everything(api, params)
    assert issues
    assert all("2025-09-01" <= jst_day(issue[field]) <= "2025-10-31" for issue in issues)
    assert len(issues) < count(api, {})


def test_has_due_date_false(api: httpx2.Client) -> None:
    issues = everything(api, [("hasDueDate", "false")])
    assert UNASSIGNED_ISSUE in {issue["issueKey"] for issue in issues}
    assert all(issue["dueDate"] is None for issue in issues)


@pytest.mark.parametrize(
    ("mode", "included", "excluded"),
    [
        (1, PARENT_ISSUE, CHILD_ISSUES[0]),
        (2, CHILD_ISSUES[0], PARENT_ISSUE),
        (3, UNASSIGNED_ISSUE, PARENT_ISSUE),
        (4, PARENT_ISSUE, CHILD_ISSUES[1]),
    ],
)
def test_parent_child(api: httpx2.Client, mode: int, included: str, excluded: str) -> None:
    keys = {issue["issueKey"] for issue in everything(api, [("parentChild", mode)])}
    assert included in keys
    assert excluded not in keys


def test_parent_child_partitions(api: httpx2.Client) -> None:
    total = count(api, {})
    assert count(api, {"parentChild": 1}) + count(api, {"parentChild": 2}) == total
    assert count(api, {"parentChild": 0}) == total
    assert count(api, {"parentChild": 3}) + count(api, {"parentChild": 4}) == count(api, {"parentChild": 1})


def test_attachment_flag(api: httpx2.Client) -> None:
    with_files = everything(api, [("attachment", "true")])
    without = everything(api, [("attachment", "false")])
    assert all(issue["attachments"] for issue in with_files)
    assert not any(issue["attachments"] for issue in without)
    assert len(with_files) + len(without) == count(api, {})


def test_child_issue_summary_expansion(api: httpx2.Client) -> None:
    plain = api.get(f"/issues/{PARENT_ISSUE}").json()
    expanded = api.get(f"/issues/{PARENT_ISSUE}", params={"expand[]": "childIssueSummary"}).json()
    assert "childIssueSummary" not in plain
    assert expanded["childIssueSummary"]["total"] == len(CHILD_ISSUES)


def test_parent_issue_has_every_custom_field_type(api: httpx2.Client) -> None:
    issue = api.get(f"/issues/{PARENT_ISSUE}").json()
    by_type = {field["fieldTypeId"]: field for field in issue["customFields"]}
    assert set(by_type) == set(range(1, 9))
    assert all(field["value"] not in (None, [], "") for field in by_type.values())
    assert set(by_type[5]["value"]) == {"id", "name", "displayOrder"}
    assert set(by_type[8]["value"]) == {"id", "name", "displayOrder"}
    assert isinstance(by_type[6]["value"], list)
    assert isinstance(by_type[7]["value"], list)
    assert by_type[7]["otherValue"]
    assert by_type[8]["otherValue"]
    assert isinstance(by_type[3]["value"], float)
    assert by_type[4]["value"].endswith("T15:00:00Z")


def test_children_point_at_the_parent(api: httpx2.Client) -> None:
    parent_id = api.get(f"/issues/{PARENT_ISSUE}").json()["id"]
    for key in CHILD_ISSUES:
        assert api.get(f"/issues/{key}").json()["parentIssueId"] == parent_id


def test_custom_status_issue(api: httpx2.Client) -> None:
    status = api.get(f"/issues/{CUSTOM_STATUS_ISSUE}").json()["status"]
    assert status["id"] == 101
    assert status["name"] == "レビュー待ち"


def test_unassigned_issue_is_bare(api: httpx2.Client) -> None:
    issue = api.get(f"/issues/{UNASSIGNED_ISSUE}").json()
    assert issue["assignee"] is None
    assert issue["dueDate"] is None
    assert issue["category"] == []
    assert issue["milestone"] == []
    assert issue["description"] == ""


def test_vietnamese_issue_is_sent_unescaped(api: httpx2.Client) -> None:
    response = api.get(f"/issues/{VIETNAMESE_ISSUE}")
    assert "tiếng Việt".encode() in response.content
    assert b"\\u" not in response.content
    assert b'","' in response.content  # compact separators


def test_date_only_fields_are_jst_midnight(api: httpx2.Client) -> None:
    issues = everything(api, [])
    dates = [issue[field] for issue in issues for field in ("startDate", "dueDate") if issue[field]]
    assert dates
    assert all(value.endswith("T15:00:00Z") for value in dates)


def test_resolution_only_on_resolved_or_closed(api: httpx2.Client) -> None:
    for issue in everything(api, []):
        done = issue["status"]["id"] in (3, 4)
        assert (issue["resolution"] is not None) == done, issue["issueKey"]


# --- related issues and the custom-field filters --------------------------------------------------

NUMERIC_FIELD, DATE_FIELD, SINGLE_LIST_FIELD = 1073820003, 1073820004, 1073820005


def _custom(issue: dict[str, Any], field_id: int) -> Any:
    return next((f["value"] for f in issue["customFields"] if f["id"] == field_id), None)


def test_related_issues_are_linked_both_ways_as_relates(api: httpx2.Client) -> None:
    response = api.get(f"/issues/{PARENT_ISSUE}/relatedIssues")
    assert response.status_code == 200, response.text
    related = response.json()
    assert CUSTOM_STATUS_ISSUE in {issue["issueKey"] for issue in related}
    parent_id = api.get(f"/issues/{PARENT_ISSUE}").json()["id"]
    for issue in related:
        assert issue["type"] == "RELATES"
        assert set(issue) == ISSUE_FIELDS | {"type"}
        back = api.get(f"/issues/{issue['id']}/relatedIssues").json()
        assert parent_id in {other["id"] for other in back}


def test_an_issue_without_links_has_no_related_issues(api: httpx2.Client) -> None:
    assert api.get(f"/issues/{UNASSIGNED_ISSUE}/relatedIssues").json() == []


def test_related_issues_of_a_missing_issue_are_backlogs_404(api: httpx2.Client) -> None:
    response = api.get("/issues/DEMO-99999/relatedIssues")
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "No issue."


def test_has_due_date_true_is_refused_as_backlog_does(api: httpx2.Client) -> None:
    response = api.get("/issues", params={"hasDueDate": "true"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 7
    assert "hasDueDate" in response.json()["errors"][0]["message"]


def test_custom_text_filter_matches_a_keyword_in_the_value(api: httpx2.Client) -> None:
    issues = everything(api, [("customField_1073820001", "corp")])
    assert issues
    assert all("corp" in _custom(issue, 1073820001).casefold() for issue in issues)


def test_custom_numeric_range_is_inclusive(api: httpx2.Client) -> None:
    params = [(f"customField_{NUMERIC_FIELD}_min", "3"), (f"customField_{NUMERIC_FIELD}_max", "5")]
    issues = everything(api, params)
    values = {_custom(issue, NUMERIC_FIELD) for issue in issues}
    assert values == {3.0, 5.0}


def test_custom_date_range_is_in_space_days(api: httpx2.Client) -> None:
    issues = everything(api, [(f"customField_{DATE_FIELD}_max", "2025-10-31")])
    assert issues
    assert all(jst_day(_custom(issue, DATE_FIELD)) <= "2025-10-31" for issue in issues)
    later = everything(api, [(f"customField_{DATE_FIELD}_min", "2025-11-01")])
    with_date = [i for i in everything(api, []) if _custom(i, DATE_FIELD)]
    assert len(issues) + len(later) == len(with_date)


@pytest.mark.parametrize(
    "name", [f"customField_{SINGLE_LIST_FIELD}[]", f"customField_{SINGLE_LIST_FIELD}[0]"]
)
def test_custom_list_filter_takes_bracketed_and_indexed_item_ids(api: httpx2.Client, name: str) -> None:
    issues = everything(api, [(name, "1"), (name.replace("[0]", "[1]"), "3")])
    assert {_custom(issue, SINGLE_LIST_FIELD)["id"] for issue in issues} == {1, 3}


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("customField_999", "x", "Invalid customField_999. No such custom field."),
        (f"customField_{NUMERIC_FIELD}", "x", "Only text custom fields take a keyword."),
        ("customField_1073820001_min", "1", "Only numeric and date custom fields take _min and _max."),
        (f"customField_{NUMERIC_FIELD}[]", "1", "Only list custom fields take item IDs."),
        (f"customField_{DATE_FIELD}_min", "2025/01/01", "It must be a date in yyyy-MM-dd format."),
        (f"customField_{SINGLE_LIST_FIELD}[]", "one", "must be an integer."),
    ],
)
def test_a_wrong_custom_field_filter_is_a_400(api: httpx2.Client, name: str, value: str, said: str) -> None:
    for path in ("/issues", "/issues/count"):
        response = api.get(path, params={name: value})
        assert response.status_code == 400
        assert said in response.json()["errors"][0]["message"]
