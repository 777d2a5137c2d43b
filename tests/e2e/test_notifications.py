"""backlog_get_notifications and backlog_get_watchings, end to end against the sandbox."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import pytest
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.notification_data import (
    HOSTILE_PULL_REQUEST,
    NOTIFICATION_REASONS,
    NotificationData,
    build,
)
from backlog_mcp.sandbox.pinned import HOSTILE_COMMENT_ISSUE
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio

ROW = re.compile(r"^\|(\d+)\|[^|]+\|(?:read|unread|seen, not opened|unread, opened)\|", re.MULTILINE)
READ = re.compile(r"^\|\d+\|[^|]+\|(read|unread|seen, not opened|unread, opened)\|", re.MULTILINE)
NEXT = re.compile(r"^Next page: (backlog_get_\w+) (\{.*\})$", re.MULTILINE)
OTHER_USER = 1073741903  # suzuki.hanako, who watches a few issues too
REASON_WORDS = {
    1: "assigned to issue", 2: "issue commented", 3: "issue added", 4: "issue updated", 5: "file added",
    6: "project user added", 9: "other", 10: "assigned to PR", 11: "PR commented", 12: "PR added",
    13: "PR updated", 14: "document commented", 15: "reply to document comment", 17: "mentioned in document",
}  # fmt: skip


def _data(sandbox: SandboxServer) -> NotificationData:
    return sandbox.space.area(build)


def _raw(sandbox: SandboxServer, path: str, **params: Any) -> Any:
    with httpx2.Client(base_url=f"{sandbox.base_url}/api/v2", params={"apiKey": sandbox.api_key}) as api:
        return api.get(path, params=params).json()


async def _walk(client: Client, tool: str, arguments: dict[str, Any]) -> tuple[list[int], list[str]]:
    """Every row's ID over all pages, following each page's next-page call; and each page's text."""
    ids: list[int] = []
    pages: list[str] = []
    while True:
        text = await call(client, tool, arguments)
        pages.append(text)
        ids += (
            [int(i) for i in ROW.findall(text)]
            if tool == "backlog_get_notifications"
            else _watching_ids(text)
        )
        following = NEXT.search(text)
        if following is None:
            return ids, pages
        assert following.group(1) == tool
        arguments = json.loads(following.group(2))


def _watching_ids(text: str) -> list[int]:
    return [int(i) for i in re.findall(r"^\|(\d+)\|[A-Z][A-Z0-9_]*-\d+\|", text, re.MULTILINE)]


# --- notifications ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["desc", "asc"])
async def test_notification_paging_by_id_reaches_every_notification_once_in_order(
    client: Client, sandbox: SandboxServer, order: str
) -> None:
    ids, pages = await _walk(client, "backlog_get_notifications", {"count": 9, "order": order})
    every = [n["id"] for n in _data(sandbox).notifications]
    assert len(every) >= 40
    assert ids == sorted(every, reverse=order == "desc")
    assert len(pages) == -(-len(every) // 9)
    assert "End of notifications in this direction." in pages[-1]


async def test_the_next_page_call_continues_below_the_smallest_id_shown(client: Client) -> None:
    text = await call(client, "backlog_get_notifications", {"count": 5})
    shown = [int(i) for i in ROW.findall(text)]
    following = NEXT.search(text)
    assert following is not None
    assert json.loads(following.group(2)) == {"count": 5, "maxId": min(shown)}


async def test_notifications_say_the_unread_count_backlog_keeps(
    client: Client, sandbox: SandboxServer
) -> None:
    unread = sum(1 for n in _data(sandbox).notifications if not n["alreadyRead"])
    assert unread == _raw(sandbox, "/notifications/count", alreadyRead="false")["count"]
    assert 0 < unread < len(_data(sandbox).notifications)
    text = await call(client, "backlog_get_notifications")
    assert f"; {unread} unread in all" in text.splitlines()[0]
    assert len(ROW.findall(text)) == 20
    assert {"read", "unread"} == set(READ.findall(text))


async def test_a_first_notifications_call_costs_two_requests_the_list_and_the_unread_count(
    client: Client, sandbox: SandboxServer
) -> None:
    sandbox.reset_requests()
    await call(client, "backlog_get_notifications")
    assert sorted(r.path for r in sandbox.requests) == [
        "/api/v2/notifications",
        "/api/v2/notifications/count",
    ]
    count = next(r for r in sandbox.requests if r.path.endswith("/count"))
    assert ("alreadyRead", "false") in count.query


async def test_every_reason_is_in_words_with_what_it_is_about_and_how_to_open_it(
    client: Client, sandbox: SandboxServer
) -> None:
    text = await call(client, "backlog_get_notifications", {"count": 100})
    data = _data(sandbox).notifications
    assert {n["reason"] for n in data} == set(NOTIFICATION_REASONS)
    lines = {int(m.group(1)): m.group(0) for m in re.finditer(r"^\|(\d+)\|.*$", text, re.MULTILINE)}
    assert len(lines) == len(data)
    for n in data:
        line = lines[n["id"]]
        assert f"|{REASON_WORDS[n['reason']]}|" in line
        if n["issue"]:
            about = n["issue"]["issueKey"] + (f" comment {n['comment']['id']}" if n["comment"] else "")
        elif n["pullRequest"]:
            about = f"PR {n['project']['projectKey']}/{n['repository']['name']}/{n['pullRequest']['number']}"
        elif n["document"]:
            about = f"document {n['document']['id']}"
        else:
            about = f"project {n['project']['projectKey']}"
        assert f"|{about}" in line, line
    assert "Open with " in text
    assert "backlog_get_pull_request {projectIdOrKey, repoIdOrName, number} (PROJECT/repo/number)" in text
    assert "End of notifications in this direction." in text


async def test_notifications_show_when_in_the_configured_zone_and_who_sent_them(
    client: Client, sandbox: SandboxServer
) -> None:
    newest = _data(sandbox).notifications[-1]
    text = await call(client, "backlog_get_notifications", {"count": 1})
    row = text.splitlines()[3]
    assert row.startswith(f"|{newest['id']}|2026-")
    assert "+09:00|" in row
    assert f"|{newest['sender']['name']}|" in row


async def test_sender_filter_shows_only_that_users_notifications(
    client: Client, sandbox: SandboxServer
) -> None:
    sender = OTHER_USER
    theirs = [n["id"] for n in _data(sandbox).notifications if n["sender"]["id"] == sender]
    assert 0 < len(theirs) < 20
    text = await call(client, "backlog_get_notifications", {"senderId": sender})
    assert [int(i) for i in ROW.findall(text)] == sorted(theirs, reverse=True)
    assert f"from user {sender} shown" in text
    assert "End of notifications in this direction." in text


async def test_an_id_range_with_nothing_in_it_says_so(client: Client) -> None:
    text = await call(client, "backlog_get_notifications", {"maxId": 1})
    assert text.startswith("No notifications in this ID range. ")
    assert "unread in all" in text


async def test_a_hostile_pull_request_summary_stays_inside_its_row(client: Client) -> None:
    key, repo, number = HOSTILE_PULL_REQUEST
    text = await call(client, "backlog_get_notifications", {"count": 100})
    # Its summary holds a heading, a fence, a pipe and invisible marks.
    assert not re.search(r"^\s*(#|```)", text, re.MULTILINE)
    assert "\u200b" not in text
    assert "\u202e" not in text
    line = next(line for line in text.splitlines() if f"PR {key}/{repo}/{number} comment" in line)
    assert "# Fake heading" in line
    assert "zerowidth evil \\| pipe" in line  # the marks are removed, the pipe escaped: no extra cell
    assert line.count("|") - line.count("\\|") == 7  # six cells, seven separators


async def test_someone_elses_comment_dressed_as_our_markup_stays_one_row(client: Client) -> None:
    text = await call(client, "backlog_get_notifications", {"count": 100})
    line = next(line for line in text.splitlines() if f"|{HOSTILE_COMMENT_ISSUE} comment " in line)
    assert line.count("|") - line.count("\\|") == 7
    assert "Comments are cut at 60 characters (…)" in text
    assert not re.search(r"^(###|Changes:|Notified:)", text, re.MULTILINE)


async def test_notification_arguments_out_of_range_are_one_clear_sentence(client: Client) -> None:
    assert "count must be 1 to 100" in await call_error(client, "backlog_get_notifications", {"count": 101})
    text = await call_error(client, "backlog_get_notifications", {"senderId": 0})
    assert "senderId must be an ID from backlog_get_users" in text


async def test_notification_answers_never_carry_the_api_key(client: Client, sandbox: SandboxServer) -> None:
    texts = [
        await call(client, "backlog_get_notifications", {"count": 100}),
        await call(client, "backlog_get_watchings", {"count": 100}),
        await call_error(client, "backlog_get_watchings", {"userId": 999}),
    ]
    assert all(sandbox.api_key not in text for text in texts)


# --- watchings -------------------------------------------------------------------------------


async def test_watchings_page_by_offset_to_the_end_with_the_total(
    client: Client, sandbox: SandboxServer
) -> None:
    mine = _data(sandbox).watchings[int(sandbox.space.myself["id"])]
    assert len(mine) >= 25
    ids, pages = await _walk(client, "backlog_get_watchings", {"count": 10})
    assert sorted(ids) == sorted(w["id"] for w in mine)
    assert len(ids) == len(set(ids))
    assert f"1–10 of {len(mine)}," in pages[0]
    assert f"of {len(mine)}," in pages[-1]
    assert pages[-1].endswith("End of list.")
    assert json.loads(NEXT.findall(pages[0])[0][1]) == {"count": 10, "offset": 10}


async def test_watchings_default_to_you_named_with_a_cached_lookup(
    client: Client, sandbox: SandboxServer
) -> None:
    me = sandbox.space.myself
    text = await call(client, "backlog_get_watchings")
    assert text.startswith(f"Issues watched by you ({me['name']}, user {me['id']}): 1–20 of ")
    sandbox.reset_requests()
    await call(client, "backlog_get_watchings", {"offset": 20})
    assert sorted(r.path for r in sandbox.requests) == [
        f"/api/v2/users/{me['id']}/watchings",
        f"/api/v2/users/{me['id']}/watchings/count",
    ]


async def test_watchings_show_key_summary_status_read_and_note(
    client: Client, sandbox: SandboxServer
) -> None:
    mine = _data(sandbox).watchings[int(sandbox.space.myself["id"])]
    text = await call(client, "backlog_get_watchings", {"count": 100})
    for w in mine:
        issue = w["issue"]
        read = "read" if w["resourceAlreadyRead"] else "unread"
        row = next(line for line in text.splitlines() if line.startswith(f"|{w['id']}|"))
        assert row.startswith(f"|{w['id']}|{issue['issueKey']}|")
        assert f"|{issue['status']['name']}|{read}|" in row
        if w["note"] and "\n" not in w["note"]:
            assert row.endswith(f"|{w['note']}|")


async def test_unread_only_watchings_match_backlogs_filtered_total(
    client: Client, sandbox: SandboxServer
) -> None:
    me = int(sandbox.space.myself["id"])
    unread = [w["id"] for w in _data(sandbox).watchings[me] if not w["resourceAlreadyRead"]]
    count = _raw(sandbox, f"/users/{me}/watchings/count", resourceAlreadyRead="false")["count"]
    assert count == len(unread) > 0
    ids, pages = await _walk(client, "backlog_get_watchings", {"unreadOnly": True, "count": 5})
    assert sorted(ids) == sorted(unread)
    assert pages[0].startswith("Unread issues watched by you")
    assert f"of {len(unread)}," in pages[0]
    assert '"unreadOnly":true' in pages[0]


@pytest.mark.parametrize("sort", ["created", "updated", "issueUpdated"])
async def test_watchings_sort_as_asked(client: Client, sandbox: SandboxServer, sort: str) -> None:
    me = int(sandbox.space.myself["id"])
    text = await call(client, "backlog_get_watchings", {"sort": sort, "order": "asc", "count": 100})
    mine = _data(sandbox).watchings[me]

    def key(w: dict[str, Any]) -> tuple[str, int]:
        return (w["issue"]["updated"] if sort == "issueUpdated" else w[sort], w["id"])

    assert _watching_ids(text) == [w["id"] for w in sorted(mine, key=key)]
    assert "oldest first" in text.splitlines()[0]


async def test_another_users_watchings(client: Client, sandbox: SandboxServer) -> None:
    theirs = _data(sandbox).watchings[OTHER_USER]
    text = await call(client, "backlog_get_watchings", {"userId": OTHER_USER})
    assert text.startswith(f"Issues watched by user {OTHER_USER}: 1–{len(theirs)} of {len(theirs)},")
    assert sorted(_watching_ids(text)) == sorted(w["id"] for w in theirs)
    assert text.endswith("End of list.")


async def test_a_user_watching_nothing_says_so(client: Client) -> None:
    text = await call(client, "backlog_get_watchings", {"userId": 1073741904})
    assert text == "No issues watched by user 1073741904 (0 in total)."


async def test_an_offset_past_the_end_names_the_total(client: Client) -> None:
    text = await call(client, "backlog_get_watchings", {"userId": OTHER_USER, "offset": 50})
    assert text == f"No issues watched by user {OTHER_USER} at offset 50: 5 in all. Use an offset below 5."


async def test_an_unknown_user_is_named_with_where_to_find_ids(client: Client) -> None:
    text = await call_error(client, "backlog_get_watchings", {"userId": 999})
    assert "User 999 not found: give a numeric user ID from backlog_get_users" in text


async def test_a_hostile_watching_note_stays_in_its_cell(client: Client) -> None:
    text = await call(client, "backlog_get_watchings", {"count": 100})
    assert "\u200b" not in text
    assert "\u202e" not in text
    assert not re.search(r"^\s*(#|```)", text, re.MULTILINE)
    line = next(line for line in text.splitlines() if "# Fake heading" in line)
    assert line.count("|") - line.count("\\|") == 8  # seven cells


async def test_outputs_are_at_most_a_quarter_of_the_json_they_show(
    client: Client, sandbox: SandboxServer
) -> None:
    me = int(sandbox.space.myself["id"])
    pairs = [
        (
            await call(client, "backlog_get_notifications", {"count": 100}),
            _raw(sandbox, "/notifications", count=100),
        ),
        (
            await call(client, "backlog_get_watchings", {"count": 100}),
            _raw(sandbox, f"/users/{me}/watchings", count=100),
        ),
    ]
    for text, payload in pairs:
        pretty = json.dumps(payload, ensure_ascii=False, indent=2)
        assert len(text) * 4 <= len(pretty), (len(text), len(pretty))
