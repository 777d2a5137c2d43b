"""backlog_get_issue_list and backlog_count_issues through a real MCP client, against the sandbox."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from tests.e2e.conftest import call

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
