"""Projects, users, statuses, issue types, categories, milestones, priorities."""

from __future__ import annotations

import re

import pytest
from mcp import Client

from tests.e2e.conftest import call

pytestmark = pytest.mark.anyio


async def test_projects_all_and_archived_filters(client: Client) -> None:
    everything = await call(client, "backlog_get_projects")
    assert all(f"|{key}|" in everything for key in ("DEMO", "VNAPP", "OPS", "LEGACY"))
    archived = await call(client, "backlog_get_projects", {"archived": True})
    active = await call(client, "backlog_get_projects", {"archived": False})
    assert "|LEGACY|" in archived
    assert "|DEMO|" not in archived
    assert "|LEGACY|" not in active
    assert "|DEMO|" in active


async def test_users_show_ids_for_assignee_filters(client: Client) -> None:
    text = await call(client, "backlog_get_users", {"projectIdOrKey": "DEMO"})
    assert text.splitlines()[1] == "|ID|User ID|Name|Role|"
    assert re.search(r"^\|\d+\|", text, re.MULTILINE)


async def test_user_keyword_ignores_case_and_vietnamese_accents(client: Client) -> None:
    text = await call(client, "backlog_get_users", {"projectIdOrKey": "VNAPP", "keyword": "nguyen"})
    assert "Nguyễn" in text
    assert "matching 'nguyen'" in text
    none = await call(client, "backlog_get_users", {"projectIdOrKey": "VNAPP", "keyword": "zzzz"})
    assert none.startswith("No users in VNAPP matching 'zzzz'")


async def test_statuses_include_custom_ones(client: Client) -> None:
    text = await call(client, "backlog_get_statuses", {"projectIdOrKey": "DEMO"})
    assert "|101|レビュー待ち|" in text
    assert "|1|未対応|" in text


async def test_issue_types_and_categories(client: Client) -> None:
    types = await call(client, "backlog_get_issue_types", {"projectIdOrKey": "DEMO"})
    assert "バグ" in types
    assert "issue types in DEMO" in types
    categories = await call(client, "backlog_get_categories", {"projectIdOrKey": "DEMO"})
    assert "categories in DEMO" in categories


async def test_milestones_hide_archived_unless_asked(client: Client) -> None:
    active = await call(client, "backlog_get_milestones", {"projectIdOrKey": "DEMO"})
    assert "archived hidden: pass archived=true" in active
    everything = await call(client, "backlog_get_milestones", {"projectIdOrKey": "DEMO", "archived": True})
    assert "|yes|" in everything


async def test_priorities(client: Client) -> None:
    text = await call(client, "backlog_get_priorities")
    assert "|2|高|" in text
    assert "|3|中|" in text
    assert "|4|低|" in text


async def test_lower_case_project_key_is_accepted(client: Client) -> None:
    assert "レビュー待ち" in await call(client, "backlog_get_statuses", {"projectIdOrKey": "demo"})


async def test_counts_of_one_are_singular_and_others_plural(client: Client) -> None:
    archived = await call(client, "backlog_get_projects", {"archived": True})
    assert archived.startswith("1 project (archived only), all shown:")
    everything = await call(client, "backlog_get_projects")
    assert re.match(r"\d+ projects, all shown:", everything)
    one_user = await call(client, "backlog_get_users", {"projectIdOrKey": "VNAPP", "keyword": "nguyen"})
    assert re.match(r"1 user in VNAPP matching 'nguyen' \(of \d+ members\):", one_user)
    one_issue = await call(client, "backlog_count_issues", {"keyword": "ロクイン"})
    assert one_issue == "1 issue matches (keyword=ロクイン)."
    one_file = await call(client, "backlog_get_attachments", {"issueIdOrKey": "VNAPP-1"})
    assert one_file.startswith("1 attachment on VNAPP-1, all shown:")
