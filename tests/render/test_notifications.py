"""Notification rows from Backlog's own example bodies, and from shapes the sandbox never sends."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

from backlog_mcp.backlog.notifications import Notification
from backlog_mcp.render.notifications import render_notifications
from backlog_mcp.render.text import RenderContext

CTX = RenderContext(zone=ZoneInfo("Asia/Ho_Chi_Minh"), base_url="https://demo.backlog.jp")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "backlog"


def _fixture(name: str) -> list[Notification]:
    body = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return TypeAdapter(list[Notification]).validate_python(body)


def _render(notifications: list[Notification], **arguments: object) -> str:
    return render_notifications(
        notifications, unread=3, more=False, order="desc", arguments=arguments, ctx=CTX
    )


def test_backlogs_example_notification_names_the_issue_and_comment_in_the_configured_zone() -> None:
    text = _render(_fixture("GET_notifications.docs.json"))
    row = text.splitlines()[3]
    assert (
        row == '|299|2013-10-31T13:58+07:00|read|issue commented|eguchi|TEST2-17 comment 7007: aaa — "hoge"|'
    )


def test_an_older_pull_request_payload_without_its_repository_is_still_named() -> None:
    text = _render(_fixture("GET_notifications.backlog4j.json"))
    assert "|PR TEST/repository ?/85 comment 471: pull request summary — " in text
    assert "|project HALLOWEEN: Happy Halloween|" in text
    assert "|issue added|" in text


def test_a_reason_backlog_adds_later_is_shown_by_its_number() -> None:
    n = Notification.model_validate({"id": 1, "reason": 16, "project": {"id": 1, "projectKey": "A"}})
    assert "|reason 16|" in _render([n])


def test_a_pull_request_without_a_number_is_named_by_its_id_and_not_offered_to_open() -> None:
    n = Notification.model_validate(
        {"id": 1, "reason": 12, "project": {"id": 1, "projectKey": "A"}, "pullRequest": {"id": 9}}
    )
    text = _render([n])
    assert "|PR id 9 in A/repository ?|" in text
    assert "Open with" not in text
