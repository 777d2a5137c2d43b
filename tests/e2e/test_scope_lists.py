"""BACKLOG_PROJECTS on the lists that span projects: notifications, watchings and activities show
only allowed projects' items, count the rest without showing them, and still page to the end."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.activities import build_activities
from backlog_mcp.sandbox.notification_data import build
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, workspace_settings

pytestmark = pytest.mark.anyio

ALLOWED = ("DEMO", "OPS")  # VNAPP (and LEGACY) have notifications, watchings and activities
OUTSIDE = ("VNAPP", "LEGACY")
NEXT = re.compile(r"^Next page: (backlog_get_\w+) (\{.*\})$", re.MULTILINE)
LEFT_OUT = re.compile(
    r"^(\d+) (?:notifications?|watchings?|activit(?:y|ies)) of other projects \(or of none\) left out "
    r"of this page by BACKLOG_PROJECTS \(DEMO, OPS\)\.$",
    re.MULTILINE,
)
NOTIFICATION_ROW = re.compile(
    r"^\|(\d+)\|[^|]+\|(?:read|unread|seen, not opened|unread, opened)\|", re.MULTILINE
)
WATCHING_ROW = re.compile(r"^\|(\d+)\|([A-Z][A-Z0-9_]*)-\d+\|", re.MULTILINE)
# When · who (a name with our separator in it comes in quotes) · project · what
ACTIVITY_LINE = re.compile(r'^- [^·\n]+ · (?:"[^"\n]*"|[^·\n]+) · ([^·\n]+) · ', re.MULTILINE)


@pytest.fixture
async def scoped(sandbox: SandboxServer, workspace: Path) -> AsyncIterator[Client]:
    """Reads only: the session's sandbox, allow-listed to DEMO and OPS."""
    settings = workspace_settings(sandbox, workspace, projects=",".join(ALLOWED))
    async with Client(build_server(settings)) as connected:
        yield connected


@dataclass
class Walk:
    pages: list[str] = field(default_factory=list)
    left_out: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


async def walk(client: Client, tool: str, arguments: dict[str, Any]) -> Walk:
    """Every page, following each page's next-page call to the end."""
    found = Walk()
    while True:
        text = await call(client, tool, arguments)
        found.pages.append(text)
        found.left_out += sum(int(n) for n in LEFT_OUT.findall(text))
        following = NEXT.search(text)
        if following is None:
            return found
        assert following.group(1) == tool
        arguments = json.loads(following.group(2))
        assert len(found.pages) < 50


def project_key(sandbox: SandboxServer, project_id: int) -> str:
    project = sandbox.space.project(str(project_id))
    assert project is not None
    return project.key


async def test_notifications_under_the_allow_list_page_to_the_end_and_count_what_they_leave_out(
    scoped: Client, sandbox: SandboxServer
) -> None:
    every = sandbox.space.area(build).notifications
    allowed = [n["id"] for n in reversed(every) if n["project"]["projectKey"] in ALLOWED]
    others = len(every) - len(allowed)
    assert allowed
    assert others > 0
    found = await walk(scoped, "backlog_get_notifications", {"count": 7})
    assert [int(i) for i in NOTIFICATION_ROW.findall(found.text)] == allowed
    assert found.left_out == others
    for key in OUTSIDE:
        assert key not in found.text
    assert "End of notifications in this direction." in found.pages[-1]
    assert "unread in all projects." in found.pages[0]


async def test_watchings_under_the_allow_list_page_by_backlogs_offsets_and_count_what_they_leave_out(
    scoped: Client, sandbox: SandboxServer
) -> None:
    me = int(sandbox.space.myself["id"])
    watchings = sandbox.space.area(build).watchings[me]
    allowed = {w["id"] for w in watchings if project_key(sandbox, w["issue"]["projectId"]) in ALLOWED}
    assert 0 < len(allowed) < len(watchings)
    found = await walk(scoped, "backlog_get_watchings", {"count": 6})
    rows = WATCHING_ROW.findall(found.text)
    assert sorted(int(i) for i, _ in rows) == sorted(allowed)
    assert {key for _, key in rows} <= set(ALLOWED)
    assert found.left_out == len(watchings) - len(allowed)
    assert f"of {len(watchings)} (all projects)" in found.pages[0]
    assert "End of list." in found.pages[-1]
    for key in OUTSIDE:
        assert key not in found.text


@pytest.mark.parametrize("mine", [False, True])
async def test_activities_of_the_space_and_of_a_user_show_only_allowed_projects_to_the_end(
    scoped: Client, sandbox: SandboxServer, mine: bool
) -> None:
    me = int(sandbox.space.myself["id"])
    every = [a for a in sandbox.space.area(build_activities) if not mine or a["createdUser"]["id"] == me]
    allowed = [a for a in every if a["project"]["projectKey"] in ALLOWED]
    assert 0 < len(allowed) < len(every)
    found = await walk(scoped, "backlog_get_activities", {"count": 15, **({"userId": me} if mine else {})})
    projects = ACTIVITY_LINE.findall(found.text)
    assert len(projects) == len(allowed)
    assert set(projects) <= set(ALLOWED)
    assert found.left_out == len(every) - len(allowed)
    assert "End of activities in this direction." in found.pages[-1]


async def test_a_page_whose_items_are_all_left_out_still_gives_the_next_page(
    scoped: Client, sandbox: SandboxServer
) -> None:
    every = sandbox.space.area(build).notifications
    outside = next(n for n in reversed(every) if n["project"]["projectKey"] not in ALLOWED)
    text = await call(scoped, "backlog_get_notifications", {"count": 1, "maxId": outside["id"] + 1})
    assert text.startswith("0 notifications shown")
    assert LEFT_OUT.search(text) is not None
    following = NEXT.search(text)
    assert following is not None
    assert json.loads(following.group(2)) == {"count": 1, "maxId": outside["id"]}


async def test_items_of_no_project_are_left_out_under_the_allow_list(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    notification = write_sandbox.space.area(build).notifications[-1]
    activity = write_sandbox.space.area(build_activities)[-1]
    assert notification["project"]["projectKey"] in ALLOWED
    assert activity["project"]["projectKey"] in ALLOWED
    notification["project"] = None  # space-level: no project to place them in
    activity["project"] = None
    settings = workspace_settings(write_sandbox, workspace, projects=",".join(ALLOWED))
    async with Client(build_server(settings)) as client:
        notifications = await call(client, "backlog_get_notifications", {"count": 1})
        activities = await call(client, "backlog_get_activities", {"count": 1})
    assert f"|{notification['id']}|" not in notifications
    assert LEFT_OUT.search(notifications) is not None
    assert activities.startswith("0 activities in the space")
    assert LEFT_OUT.search(activities) is not None


async def test_without_the_allow_list_nothing_is_left_out(client: Client) -> None:
    for tool in ("backlog_get_notifications", "backlog_get_watchings", "backlog_get_activities"):
        text = await call(client, tool, {"count": 50})
        assert "left out" not in text
        assert "VNAPP" in text
