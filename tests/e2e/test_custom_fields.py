"""backlog_get_custom_fields and backlog_get_resolutions through a real MCP client."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client

from backlog_mcp.sandbox import MAIN_PROJECT, SandboxServer
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio

TYPES = {1: "Text", 2: "TextArea", 3: "Numeric", 4: "Date", 5: "SingleList", 6: "MultipleList",
         7: "CheckBox", 8: "Radio"}  # fmt: skip


async def test_custom_fields_show_ids_types_in_words_and_item_ids(
    client: Client, sandbox: SandboxServer
) -> None:
    text = await call(client, "backlog_get_custom_fields", {"projectIdOrKey": "demo"})
    project = sandbox.space.project(MAIN_PROJECT)
    assert project is not None
    fields = project.custom_fields
    assert text.startswith(f"{len(fields)} custom fields in {MAIN_PROJECT}, all shown:")
    rows = {int(m[1]): m[2].split("|") for m in re.finditer(r"^\|(\d+)\|(.*)\|$", text, re.MULTILINE)}
    assert set(rows) == {f["id"] for f in fields}
    for field in fields:
        name, kind, required, types, *items = rows[field["id"]]
        assert name == field["name"]
        assert kind == TYPES[field["typeId"]]
        assert required == ("yes" if field["required"] else "no")
        if field["applicableIssueTypes"]:
            assert types == "バグ, タスク"
        else:
            assert types == "all"
        expected = ", ".join(f"{item['id']} {item['name']}" for item in field.get("items", []))
        assert items == [expected or "—"]


async def test_custom_fields_example_filter_is_a_call_that_works(client: Client) -> None:
    text = await call(client, "backlog_get_custom_fields", {"projectIdOrKey": MAIN_PROJECT})
    example = re.search(r"^Filter: backlog_get_issue_list (\{.*?\}) \(", text, re.MULTILINE)
    assert example, text
    arguments = json.loads(example.group(1))
    assert arguments["customFields"] == [{"id": 1073820005, "itemIds": [1]}]
    listed = await call(client, "backlog_get_issue_list", arguments)
    assert re.search(r"of \d+:", listed), listed
    assert all("影響範囲: 小" in row for row in re.findall(r"^\|[A-Z]+-\d+\|.*$", listed, re.MULTILINE))


async def test_a_project_without_custom_fields_says_so(client: Client) -> None:
    assert (
        await call(client, "backlog_get_custom_fields", {"projectIdOrKey": "OPS"})
        == "No custom fields in OPS."
    )


async def test_custom_fields_of_a_missing_project_name_it(client: Client) -> None:
    text = await call_error(client, "backlog_get_custom_fields", {"projectIdOrKey": "NOPE"})
    assert "Project NOPE not found" in text


async def test_resolutions_list_every_id_and_name_from_zero(client: Client, sandbox: SandboxServer) -> None:
    text = await call(client, "backlog_get_resolutions")
    rows = re.findall(r"^\|(\d+)\|([^|]+)\|$", text, re.MULTILINE)
    assert [(int(i), n) for i, n in rows] == [(r["id"], r["name"]) for r in sandbox.space.resolutions]
    assert text.startswith(f"{len(rows)} resolutions, all shown")


async def test_resolutions_are_read_once_then_cached(client: Client, sandbox: SandboxServer) -> None:
    sandbox.reset_requests()
    first = await call(client, "backlog_get_resolutions")
    second = await call(client, "backlog_get_resolutions")
    assert first == second
    assert [r.path for r in sandbox.requests] == ["/api/v2/resolutions"]


async def test_custom_fields_of_two_projects_at_once_are_refused_not_cut_to_the_first(client: Client) -> None:
    text = await call_error(client, "backlog_get_custom_fields", {"projectIdOrKey": "DEMO,OPS"})
    assert "projectIdOrKey takes one project here; got 2" in text
