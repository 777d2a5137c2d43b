"""backlog_mark_notifications_read end to end: a FRESH sandbox per test (it writes), the sandbox's
request log as the proof of what was sent."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.notification_data import HOSTILE_PULL_REQUEST, build
from backlog_mcp.server import build_server
from tests.e2e.conftest import call, call_error, until, workspace_settings, writes_sent

pytestmark = pytest.mark.anyio

TOOL = "backlog_mark_notifications_read"
ALLOWED = "DEMO,OPS"  # VNAPP and LEGACY are outside: VNAPP has notifications, read and unread


@asynccontextmanager
async def served(sandbox: SandboxServer, workspace: Path, **overrides: Any) -> AsyncIterator[Client]:
    settings = workspace_settings(sandbox, workspace, **{"read_only": False, **overrides})
    async with Client(build_server(settings)) as client:
        yield client


def notifications(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return sandbox.space.area(build).notifications


def first(sandbox: SandboxServer, test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return next(n for n in reversed(notifications(sandbox)) if test(n))


def unread_count(sandbox: SandboxServer) -> int:
    with httpx2.Client(base_url=f"{sandbox.base_url}/api/v2", params={"apiKey": sandbox.api_key}) as api:
        return int(api.get("/notifications/count", params={"alreadyRead": "false"}).json()["count"])


def key(n: dict[str, Any]) -> str:
    return str(n["project"]["projectKey"])


def is_unread(n: dict[str, Any]) -> bool:
    return not n["alreadyRead"] and not n["resourceAlreadyRead"]


# --- one notification ------------------------------------------------------------------------


async def test_a_dry_run_names_the_notification_its_reason_and_subject_and_sends_no_write(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    target = first(write_sandbox, lambda n: is_unread(n) and n["issue"] is not None)
    async with served(write_sandbox, workspace) as client:
        text = await call(client, TOOL, {"notificationId": target["id"], "dryRun": True})
    assert text.startswith(f"Mark notification {target['id']} read (not sent)")
    assert target["issue"]["issueKey"] in text
    assert "- read: unread → read" in text
    assert "Nothing was sent" in text
    assert writes_sent(write_sandbox) == []
    assert is_unread(target)


async def test_marking_one_notification_sends_exactly_its_write_and_says_the_unread_count_after(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    target = first(write_sandbox, is_unread)
    before = unread_count(write_sandbox)
    async with served(write_sandbox, workspace) as client:
        text = await call(client, TOOL, {"notificationId": target["id"]})
    assert writes_sent(write_sandbox) == [f"POST /api/v2/notifications/{target['id']}/markAsRead"]
    assert text.startswith(f"Marked notification {target['id']} read")
    assert f"{before - 1} unread in all now." in text
    assert target["alreadyRead"] is True
    assert target["resourceAlreadyRead"] is True


async def test_a_notification_already_read_is_not_written_again_and_the_answer_says_so(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    target = first(write_sandbox, lambda n: n["alreadyRead"] and n["resourceAlreadyRead"])
    async with served(write_sandbox, workspace) as client:
        text = await call(client, TOOL, {"notificationId": target["id"]})
    assert f"Notification {target['id']} (" in text
    assert "is already read: nothing was sent." in text
    assert writes_sent(write_sandbox) == []


async def test_a_notification_seen_but_not_opened_is_marked_and_says_from_what(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    target = first(write_sandbox, lambda n: n["alreadyRead"] and not n["resourceAlreadyRead"])
    async with served(write_sandbox, workspace) as client:
        text = await call(client, TOOL, {"notificationId": target["id"]})
    assert "- read: seen, not opened → read" in text
    assert writes_sent(write_sandbox) == [f"POST /api/v2/notifications/{target['id']}/markAsRead"]


async def test_an_unknown_notification_is_named_with_the_tool_that_lists_them(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    async with served(write_sandbox, workspace) as client:
        error = await call_error(client, TOOL, {"notificationId": 99})
        invalid = await call_error(client, TOOL, {"notificationId": 0})
    assert "Notification 99 not found among your notifications" in error
    assert "backlog_get_notifications" in error
    assert "backlog_get_notifications" in invalid
    assert "Traceback" not in error + invalid
    assert writes_sent(write_sandbox) == []


async def test_someone_elses_text_in_the_subject_stays_on_one_line_of_the_plan(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    project, repo, number = HOSTILE_PULL_REQUEST
    target = first(
        write_sandbox,
        lambda n: (
            n["pullRequest"] is not None
            and (key(n), n["repository"]["name"], n["pullRequest"]["number"]) == (project, repo, number)
        ),
    )
    async with served(write_sandbox, workspace) as client:
        text = await call(client, TOOL, {"notificationId": target["id"], "dryRun": True})
    assert f"PR {project}/{repo}/{number}" in text
    assert not re.search(r"^\s*(#|```)", text, re.MULTILINE)
    assert "\u200b" not in text
    assert "\u202e" not in text


# --- all of them -----------------------------------------------------------------------------


async def test_mark_all_dry_run_says_how_many_are_unread_and_sends_no_write(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    unread = unread_count(write_sandbox)
    async with served(write_sandbox, workspace) as client:
        text = await call(client, TOOL, {"dryRun": True})
    assert f"(all: {unread} unread)" in text.splitlines()[0]
    assert "(not sent)" in text.splitlines()[0]
    assert "each notification's own read flag is unchanged" in text
    assert writes_sent(write_sandbox) == []
    assert unread_count(write_sandbox) == unread


async def test_mark_all_resets_the_unread_count_in_one_write_and_says_what_it_does_not_do(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    unread = unread_count(write_sandbox)
    unopened = sum(1 for n in notifications(write_sandbox) if not n["resourceAlreadyRead"])
    newest = notifications(write_sandbox)[-1]
    assert is_unread(newest)
    async with served(write_sandbox, workspace) as client:
        text = await call(client, TOOL, {})
        again = await call(client, TOOL, {})
        listed = await call(client, "backlog_get_notifications", {"count": 1})
    assert f"|{newest['id']}|" in listed
    assert "|seen, not opened|" in listed  # counted no more, yet not opened: not shown as read
    assert writes_sent(write_sandbox) == ["POST /api/v2/notifications/markAsRead"]
    assert text.startswith("Reset your unread notification count")
    assert f"- unread: {unread} → 0" in text
    assert f"{unopened} notifications not opened yet." in text
    assert "each notification's own read flag is unchanged" in text
    assert again == "No unread notifications: nothing was sent."


async def test_a_read_only_server_neither_lists_nor_runs_the_mark_read_tool(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    settings = workspace_settings(write_sandbox, workspace)  # BACKLOG_READ_ONLY by default
    async with Client(build_server(settings)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        error = await call_error(client, TOOL, {})
    assert "backlog_get_notifications" in names
    assert TOOL not in names
    assert "BACKLOG_READ_ONLY" in error
    assert writes_sent(write_sandbox) == []


async def test_the_tool_is_annotated_as_a_toggle_that_writes(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    async with served(write_sandbox, workspace) as client:
        tool = next(t for t in (await client.list_tools()).tools if t.name == TOOL)
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is False
    assert tool.annotations.destructive_hint is False
    assert tool.annotations.idempotent_hint is True
    assert tool.annotations.open_world_hint is True


# --- under BACKLOG_PROJECTS ------------------------------------------------------------------


async def test_a_notification_of_a_project_outside_the_allow_list_is_refused_before_any_write(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    target = first(write_sandbox, lambda n: is_unread(n) and key(n) == "VNAPP")
    async with served(write_sandbox, workspace, projects=ALLOWED) as client:
        dry = await call_error(client, TOOL, {"notificationId": target["id"], "dryRun": True})
        real = await call_error(client, TOOL, {"notificationId": target["id"]})
    for error in (dry, real):
        assert f"Notification {target['id']} is outside the projects" in error
        assert "BACKLOG_PROJECTS: DEMO, OPS" in error
        assert "VNAPP" not in error
    assert writes_sent(write_sandbox) == []
    assert is_unread(target)


async def test_a_notification_of_an_allowed_project_is_marked_under_the_allow_list(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    target = first(write_sandbox, lambda n: is_unread(n) and key(n) == "OPS")
    async with served(write_sandbox, workspace, projects=ALLOWED) as client:
        text = await call(client, TOOL, {"notificationId": target["id"]})
    assert text.startswith(f"Marked notification {target['id']} read")
    assert writes_sent(write_sandbox) == [f"POST /api/v2/notifications/{target['id']}/markAsRead"]


async def test_a_notification_of_no_project_is_refused_under_the_allow_list(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    target = first(write_sandbox, lambda n: is_unread(n) and key(n) == "DEMO")
    target["project"] = None  # a space-level notification: its project cannot be told
    async with served(write_sandbox, workspace, projects=ALLOWED) as client:
        error = await call_error(client, TOOL, {"notificationId": target["id"]})
    assert "its project could not be determined" in error
    assert writes_sent(write_sandbox) == []


async def test_mark_all_under_the_allow_list_marks_only_allowed_projects_one_by_one(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    every = notifications(write_sandbox)
    mine = [n["id"] for n in reversed(every) if not n["alreadyRead"] and key(n) in ("DEMO", "OPS")]
    others = [n for n in every if not n["alreadyRead"] and key(n) not in ("DEMO", "OPS")]
    assert 0 < len(mine) <= 20
    assert others
    async with served(write_sandbox, workspace, projects=ALLOWED) as client:
        dry = await call(client, TOOL, {"dryRun": True})
        assert writes_sent(write_sandbox) == []
        text = await call(client, TOOL, {})
    assert f"(all: {len(mine)} unread)" in dry.splitlines()[0]
    assert f"{len(others)} unread notifications of other projects (or of none) left alone" in dry
    assert writes_sent(write_sandbox) == [f"POST /api/v2/notifications/{i}/markAsRead" for i in mine]
    assert text.startswith(f"Marked {len(mine)} notifications read in DEMO, OPS")
    assert f"{len(others)} unread in all projects now." in text
    assert all(not n["alreadyRead"] for n in others)  # never the space-wide reset


async def test_mark_all_under_the_allow_list_stops_at_twenty_and_says_how_to_go_on(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    demo = [n for n in notifications(write_sandbox) if key(n) == "DEMO"]
    for n in demo:
        n["alreadyRead"] = n["resourceAlreadyRead"] = False
    unread = [n for n in notifications(write_sandbox) if not n["alreadyRead"] and key(n) in ("DEMO", "OPS")]
    assert len(unread) > 20
    async with served(write_sandbox, workspace, projects=ALLOWED) as client:
        text = await call(client, TOOL, {})
        assert len(writes_sent(write_sandbox)) == 20
        rest = await call(client, TOOL, {})
    assert f"{len(unread) - 20} more unread in DEMO, OPS: call again to mark the next ones." in text
    assert rest.startswith(f"Marked {len(unread) - 20} notifications read in DEMO, OPS")
    assert "more unread in" not in rest
    assert len(writes_sent(write_sandbox)) == len(unread)
    assert all(n["alreadyRead"] for n in unread)


# --- the write path --------------------------------------------------------------------------


async def test_each_real_mark_appends_an_audit_line_and_a_dry_run_none(
    write_sandbox: SandboxServer, workspace: Path, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    target = first(write_sandbox, lambda n: is_unread(n) and key(n) == "DEMO")
    async with served(write_sandbox, workspace, audit_log=audit, projects=ALLOWED) as client:
        await call(client, TOOL, {"dryRun": True})
        await call(client, TOOL, {"notificationId": target["id"]})
        await call(client, TOOL, {})
    lines = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert [(e["tool"], e["target"], e["outcome"]) for e in lines] == [
        (TOOL, f"notification {target['id']}", "done"),
        (TOOL, "your notifications in DEMO, OPS", "done"),
    ]
    marked = [int(p.split("/")[4]) for p in writes_sent(write_sandbox)[1:]]
    assert lines[1]["fields"] == {"notificationId": marked}


async def test_a_mark_whose_answer_never_comes_is_not_repeated_and_says_how_to_check(
    write_sandbox: SandboxServer, workspace: Path
) -> None:
    target = first(write_sandbox, is_unread)
    write_sandbox.faults.write_answer_delay_seconds = 2.0
    async with served(write_sandbox, workspace, timeout_seconds=0.8) as client:
        error = await call_error(client, TOOL, {"notificationId": target["id"]})
    assert "may or may not" in error
    assert f'backlog_get_notifications {{"maxId":{target["id"] + 1},"count":1}}' in error
    assert target["alreadyRead"] is True  # Backlog did it: the answer was what got lost
    await until(lambda: writes_sent(write_sandbox) != [])  # logged once its late answer is out
    assert writes_sent(write_sandbox) == [f"POST /api/v2/notifications/{target['id']}/markAsRead"]


async def test_a_mark_whose_count_afterwards_fails_is_still_reported_and_audited_as_done(
    write_sandbox: SandboxServer, workspace: Path, tmp_path: Path
) -> None:
    target = first(write_sandbox, is_unread)
    audit = tmp_path / "audit.jsonl"
    write_sandbox.faults.rate_limits = {"read": 1}  # the lookup passes; the count after the write is refused
    async with served(write_sandbox, workspace, audit_log=audit, rate_limit_max_wait_seconds=0) as client:
        text = await call(client, TOOL, {"notificationId": target["id"]})
    assert text.startswith(f"Marked notification {target['id']} read")
    assert "could not be read afterwards" in text
    (entry,) = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert entry["outcome"] == "done"
    assert writes_sent(write_sandbox) == [f"POST /api/v2/notifications/{target['id']}/markAsRead"]
