"""backlog_get_issue_list and backlog_count_issues through a real MCP client, against the sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client

from backlog_mcp.sandbox import DemoSpace, SandboxServer
from backlog_mcp.sandbox.model import jst_date
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio

ROW_KEY = re.compile(r"^\|([A-Z][A-Z0-9_]*-\d+)\|", re.MULTILINE)
NEXT = re.compile(r"^Next page: backlog_get_issue_list (\{.*\})$", re.MULTILINE)


def _total(text: str) -> int:
    match = re.search(r"of (\d+):", text)
    assert match, text
    return int(match.group(1))


async def test_list_shows_range_total_and_the_exact_next_page(client: Client) -> None:
    text = await call(client, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "count": 5})
    assert text.startswith("Issues 1–5 of ")
    assert len(ROW_KEY.findall(text)) == 5
    following = NEXT.search(text)
    assert following is not None
    assert json.loads(following.group(1)) == {"projectIdOrKey": "DEMO", "count": 5, "offset": 5}


async def test_following_next_page_visits_every_issue_once(client: Client) -> None:
    arguments: dict[str, object] = {"projectIdOrKey": "DEMO", "count": 17}
    seen: list[str] = []
    total = None
    while True:
        text = await call(client, "backlog_get_issue_list", arguments)
        total = _total(text)
        seen += ROW_KEY.findall(text)
        following = NEXT.search(text)
        if following is None:
            assert "End of list." in text
            break
        arguments = json.loads(following.group(1))
    assert len(seen) == len(set(seen)) == total
    assert total >= 45
    counted = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO"})
    assert counted.startswith(f"{total} issues match")


async def test_custom_status_ids_filter_like_any_other(client: Client) -> None:
    text = await call(client, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "statusId": [101]})
    assert "DEMO-6" in ROW_KEY.findall(text)
    statuses = set(re.findall(r"^\|[A-Z]+-\d+\|[^|]*\|([^|]+)\|", text, re.MULTILINE))
    assert statuses == {"レビュー待ち"}


@pytest.mark.parametrize("status_ids", [[1, 2], "1,2", "1, 2"])
async def test_id_filters_accept_a_list_or_a_comma_separated_string(
    client: Client, status_ids: object
) -> None:
    text = await call(client, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "statusId": status_ids})
    statuses = set(re.findall(r"^\|[A-Z]+-\d+\|[^|]*\|([^|]+)\|", text, re.MULTILINE))
    assert statuses
    assert statuses <= {"未対応", "処理中"}


async def test_single_int_id_filter_is_accepted(client: Client) -> None:
    one = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO", "statusId": 1})
    listed = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO", "statusId": [1]})
    assert one.split()[0] == listed.split()[0]


async def test_several_projects_by_key_and_id(client: Client) -> None:
    projects = await call(client, "backlog_get_projects", {})
    ops_id = re.search(r"^\|OPS\|[^|]*\|(\d+)\|", projects, re.MULTILINE)
    assert ops_id, projects
    text = await call(
        client, "backlog_get_issue_list", {"projectIdOrKey": f"DEMO,{ops_id.group(1)}", "count": 100}
    )
    prefixes = {key.split("-")[0] for key in ROW_KEY.findall(text)}
    assert prefixes == {"DEMO", "OPS"}


async def test_keyword_finds_japanese_text(client: Client) -> None:
    text = await call(client, "backlog_get_issue_list", {"keyword": "ログイン", "count": 100})
    assert ROW_KEY.findall(text)
    assert "ログイン" in text


async def test_sort_and_order_are_applied(client: Client) -> None:
    text = await call(
        client, "backlog_get_issue_list",
        {"projectIdOrKey": "DEMO", "sort": "created", "order": "asc", "count": 3},
    )  # fmt: skip
    first_page_keys = ROW_KEY.findall(text)
    assert len(first_page_keys) == 3
    following = NEXT.search(text)
    assert following
    assert json.loads(following.group(1))["sort"] == "created"


async def test_sort_keys_are_read_whatever_their_case_like_every_choice(
    client: Client, sandbox: SandboxServer
) -> None:
    field_id = sandbox.space.projects[0].custom_fields[0]["id"]
    sandbox.reset_requests()
    for given in ("DueDate", f"CUSTOMFIELD_{field_id}"):
        await call(client, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "sort": given, "count": 1})
    sorts = [value for r in sandbox.requests for name, value in r.query if name == "sort"]
    assert sorts == ["dueDate", f"customField_{field_id}"]


async def test_offset_past_the_end_says_where_the_end_is(client: Client) -> None:
    text = await call(client, "backlog_get_issue_list", {"projectIdOrKey": "DEMO", "offset": 5000})
    assert "No issues at offset 5000" in text
    assert "in all" in text


async def test_unmatched_filters_say_zero(client: Client) -> None:
    text = await call(client, "backlog_get_issue_list", {"keyword": "zzz-no-such-thing-zzz"})
    assert text == "No issues match these filters (0 in total)."


async def test_date_filters_narrow_the_list(client: Client) -> None:
    everything = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO"})
    recent = await call(
        client, "backlog_count_issues", {"projectIdOrKey": "DEMO", "createdSince": "2026-06-01"}
    )
    assert int(recent.split()[0]) < int(everything.split()[0])
    assert "createdSince=2026-06-01" in recent


def _parents(text: str) -> dict[str, str]:
    """Key → Parent cell of each row of the issue table."""
    header = text.splitlines()[1].strip("|").split("|")
    rows = [line.strip("|").split("|") for line in text.splitlines() if ROW_KEY.match(line)]
    return {row[0]: row[header.index("Parent")] for row in rows}


def _id_lookups(sandbox: SandboxServer) -> list[list[str]]:
    return [
        [value for name, value in r.query if name == "id[]"]
        for r in sandbox.requests
        if r.path == "/api/v2/issues" and any(name == "id[]" for name, _ in r.query)
    ]


async def test_parents_off_the_page_are_named_by_key_in_one_cached_lookup(
    client: Client, sandbox: SandboxServer
) -> None:
    arguments = {"projectIdOrKey": "DEMO", "parentChild": 2, "count": 100}  # children only
    sandbox.reset_requests()
    text = await call(client, "backlog_get_issue_list", arguments)
    parents = _parents(text)
    assert parents["DEMO-2"] == parents["DEMO-3"] == "DEMO-1"
    assert parents["DEMO-11"] == "DEMO-10"
    assert parents["DEMO-21"] == "DEMO-20"
    lookups = _id_lookups(sandbox)
    assert len(lookups) == 1
    assert len(lookups[0]) == len(set(parents.values())) == 3
    sandbox.reset_requests()
    assert await call(client, "backlog_get_issue_list", arguments) == text
    assert _id_lookups(sandbox) == []  # keys of IDs never change: remembered


async def test_a_parent_on_the_same_page_costs_no_lookup(client: Client, sandbox: SandboxServer) -> None:
    sandbox.reset_requests()
    text = await call(client, "backlog_get_issue_list", {"keyword": "添付ファイル", "count": 100})
    parents = _parents(text)
    assert "DEMO-1" in parents
    assert parents["DEMO-2"] == parents["DEMO-3"] == "DEMO-1"
    assert _id_lookups(sandbox) == []


# --- the filters added for issue #9 -------------------------------------------------------------

TEXT_FIELD, NUMERIC_FIELD, DATE_FIELD, MULTI_LIST_FIELD = 1073820001, 1073820003, 1073820004, 1073820006
Case = tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]


def _custom(issue: dict[str, Any], field_id: int) -> Any:
    return next((f["value"] for f in issue["customFields"] if f["id"] == field_id), None)


def _day(value: str | None) -> str | None:
    return None if value is None else jst_date(value).isoformat()


def _cases(space: DemoSpace) -> dict[str, Case]:
    demo = [i.json for i in space.issues if i.key.startswith("DEMO-")]
    parent = space.issue("DEMO-1")
    assert parent is not None
    creator = parent.json["createdUser"]["id"]
    version = next(i["versions"][0]["id"] for i in demo if i["versions"])
    return {
        "createdUserId": ({"createdUserId": [creator]}, lambda i: i["createdUser"]["id"] == creator),
        "resolutionId 0": ({"resolutionId": [0]}, lambda i: (i["resolution"] or {}).get("id") == 0),
        "versionId": ({"versionId": version}, lambda i: version in {v["id"] for v in i["versions"]}),
        "parentIssueId": ({"parentIssueId": [parent.id]}, lambda i: i["parentIssueId"] == parent.id),
        "attachment true": ({"attachment": True}, lambda i: bool(i["attachments"])),
        "attachment false": ({"attachment": False}, lambda i: not i["attachments"]),
        "hasDueDate true": ({"hasDueDate": True}, lambda i: i["dueDate"] is not None),
        "hasDueDate false": ({"hasDueDate": False}, lambda i: i["dueDate"] is None),
        "startDate range": (
            {"startDateSince": "2025-09-01", "startDateUntil": "2025-12-31"},
            lambda i: "2025-09-01" <= (_day(i["startDate"]) or "") <= "2025-12-31",
        ),
        "custom text": (
            {"customFields": [{"id": TEXT_FIELD, "value": "山田"}]},
            lambda i: "山田" in (_custom(i, TEXT_FIELD) or ""),
        ),
        "custom numeric range": (
            {"customFields": [{"id": NUMERIC_FIELD, "min": "3", "max": "8"}]},
            lambda i: _custom(i, NUMERIC_FIELD) is not None and 3 <= _custom(i, NUMERIC_FIELD) <= 8,
        ),
        "custom date from": (
            {"customFields": [{"id": DATE_FIELD, "min": "2025-12-01"}]},
            lambda i: (_day(_custom(i, DATE_FIELD)) or "") >= "2025-12-01",
        ),
        "custom list items": (
            {"customFields": [{"id": MULTI_LIST_FIELD, "itemIds": [1, 4]}]},
            lambda i: bool({1, 4} & {item["id"] for item in _custom(i, MULTI_LIST_FIELD) or []}),
        ),
    }


CASE_NAMES = list(_cases(DemoSpace()))


@pytest.mark.parametrize("case", CASE_NAMES)
async def test_each_new_filter_selects_exactly_the_matching_issues(
    client: Client, sandbox: SandboxServer, case: str
) -> None:
    filters, matches = _cases(sandbox.space)[case]
    demo = [i.json for i in sandbox.space.issues if i.key.startswith("DEMO-")]
    expected = {i["issueKey"] for i in demo if matches(i)}
    assert 0 < len(expected) < len(demo)  # the case narrows the list, so it can fail
    arguments = {"projectIdOrKey": "DEMO", "count": 100, **filters}
    text = await call(client, "backlog_get_issue_list", arguments)
    assert set(ROW_KEY.findall(text)) == expected
    assert _total(text) == len(expected)
    counted = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO", **filters})
    assert counted.startswith(f"{len(expected)} issue")


async def test_has_due_date_true_works_though_backlog_refuses_it(
    client: Client, sandbox: SandboxServer
) -> None:
    sandbox.reset_requests()
    with_due = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO", "hasDueDate": True})
    sent = dict(sandbox.requests[-1].query)
    assert "hasDueDate" not in sent
    assert sent["dueDateSince"] == "1970-01-01"
    without = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO", "hasDueDate": False})
    everything = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO"})
    assert int(with_due.split()[0]) + int(without.split()[0]) == int(everything.split()[0])


NEW_FILTERS: dict[str, Any] = {
    "projectIdOrKey": "DEMO", "resolutionId": [0, 1], "hasDueDate": True, "attachment": False,
    "startDateSince": "2025-01-01", "startDateUntil": "2026-12-31",
    "customFields": [
        {"id": NUMERIC_FIELD, "min": "1", "max": "13"}, {"id": MULTI_LIST_FIELD, "itemIds": [1, 2, 3, 4]},
    ],
}  # fmt: skip


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def test_next_page_and_count_carry_the_new_filters_exactly(
    client: Client, sandbox: SandboxServer
) -> None:
    creators = sorted({i.json["createdUser"]["id"] for i in sandbox.space.issues})
    filters = {**NEW_FILTERS, "createdUserId": creators}
    arguments = {**filters, "count": 1}
    text = await call(client, "backlog_get_issue_list", arguments)
    assert _total(text) >= 2, text
    following = NEXT.search(text)
    assert following is not None
    assert json.loads(following.group(1)) == {**arguments, "offset": 1}
    counted = await call(client, "backlog_count_issues", filters)
    assert counted.startswith(f"{_total(text)} issues match (")
    for name in (
        "hasDueDate",
        "attachment",
        "startDateSince",
        "startDateUntil",
        "resolutionId",
        "customFields",
    ):
        given = filters[name]
        assert f"{name}={given if isinstance(given, str) else _compact(given)}" in counted
    others = {
        "versionId": [7],
        "parentIssueId": [1, 2],
        "customFields": [{"id": TEXT_FIELD, "value": "山田 商店"}],
    }
    echoed = await call(client, "backlog_count_issues", others)
    conditions = _compact(others["customFields"])
    assert echoed == f"0 issues match (versionId=[7], parentIssueId=[1,2], customFields={conditions})."


async def test_custom_fields_accept_numbers_for_bounds_and_json_text_for_the_list(client: Client) -> None:
    as_numbers = await call(
        client, "backlog_count_issues", {"customFields": [{"id": NUMERIC_FIELD, "min": 3, "max": 8.0}]}
    )
    as_text = await call(
        client,
        "backlog_count_issues",
        {"customFields": json.dumps([{"id": NUMERIC_FIELD, "min": "3", "max": "8"}])},
    )
    assert as_numbers.split()[0] == as_text.split()[0] != "0"


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        ({"id": NUMERIC_FIELD, "value": "x", "min": "1"}, "takes exactly one of value"),
        ({"id": NUMERIC_FIELD, "itemIds": [1], "max": "3"}, "got min/max and itemIds"),
        ({"id": NUMERIC_FIELD}, "got none"),
        ({"id": NUMERIC_FIELD, "values": "x"}, "unknown key 'values'"),
        ({"id": DATE_FIELD, "min": "2025-13-01"}, "min must be a number or a yyyy-MM-dd date"),
        ({"id": MULTI_LIST_FIELD, "itemIds": []}, "itemIds takes item IDs"),
    ],
)
async def test_a_malformed_custom_field_condition_is_refused_saying_why(
    client: Client, condition: dict[str, Any], said: str
) -> None:
    text = await call_error(client, "backlog_get_issue_list", {"customFields": [condition]})
    assert "customFields[0]" in text
    assert said in text
    assert "Traceback" not in text


async def test_an_unknown_custom_field_surfaces_backlogs_error_and_where_the_ids_are(client: Client) -> None:
    text = await call_error(
        client,
        "backlog_count_issues",
        {"projectIdOrKey": "demo", "customFields": [{"id": 999, "value": "x"}]},
    )
    assert "Backlog rejected the request" in text
    assert "customField_999" in text
    assert 'backlog_get_custom_fields {"projectIdOrKey":"DEMO"}' in text


async def test_a_custom_field_of_another_kind_surfaces_backlogs_error(client: Client) -> None:
    text = await call_error(
        client, "backlog_get_issue_list", {"customFields": [{"id": TEXT_FIELD, "itemIds": [1]}]}
    )
    assert "Only list custom fields take item IDs" in text
    assert "backlog_get_custom_fields" in text


async def test_resolution_names_are_refused_pointing_at_the_resolution_ids(client: Client) -> None:
    text = await call_error(client, "backlog_count_issues", {"resolutionId": "対応済み"})
    assert "backlog_get_resolutions" in text


@pytest.mark.parametrize("given", ["garbage", 5, [5], [{"id": True, "value": "x"}]])
async def test_custom_fields_that_are_no_list_of_conditions_are_refused_saying_the_form(
    client: Client, given: object
) -> None:
    text = await call_error(client, "backlog_count_issues", {"customFields": given})
    assert text.startswith("Error executing tool backlog_count_issues: Invalid arguments: customFields")
    assert ('"id": 1' in text) or ("id must be a custom field ID" in text)


async def test_list_item_filters_go_to_backlog_in_the_indexed_form_nulabs_client_uses(
    client: Client, sandbox: SandboxServer
) -> None:
    sandbox.reset_requests()
    arguments = {"projectIdOrKey": "DEMO", "customFields": [{"id": MULTI_LIST_FIELD, "itemIds": [1, 4]}]}
    await call(client, "backlog_count_issues", arguments)
    sent = sandbox.requests[-1].query
    assert (f"customField_{MULTI_LIST_FIELD}[0]", "1") in sent
    assert (f"customField_{MULTI_LIST_FIELD}[1]", "4") in sent
    assert not any(name == f"customField_{MULTI_LIST_FIELD}[]" for name, _ in sent)


async def test_parent_issues_are_taken_by_key_as_the_lists_show_them(client: Client) -> None:
    by_key = await call(client, "backlog_count_issues", {"parentIssueId": ["demo-1"]})
    issue = await call(client, "backlog_get_issue", {"issueIdOrKey": "DEMO-1"})
    found = re.search(r"\bID (\d+)", issue)
    assert found, issue
    by_id = await call(client, "backlog_count_issues", {"parentIssueId": [int(found[1])]})
    assert by_key.split()[0] == by_id.split()[0] == "2"
    missing = await call_error(client, "backlog_count_issues", {"parentIssueId": "DEMO-99999"})
    assert "Issue DEMO-99999 not found." in missing
    wrong = await call_error(client, "backlog_count_issues", {"parentIssueId": "bogus"})
    assert "parentIssueId takes issue IDs or keys like DEMO-1 (got 'bogus')" in wrong


async def test_a_blank_keyword_is_not_echoed_as_a_filter_it_was_not(client: Client) -> None:
    text = await call(client, "backlog_count_issues", {"projectIdOrKey": "DEMO", "keyword": "   "})
    assert "keyword" not in text
