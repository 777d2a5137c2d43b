"""Comments: minId/maxId paging (exclusive bounds), counts, and the shape of change logs."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import httpx2

from backlog_mcp.sandbox import MANY_COMMENTS_COUNT, MANY_COMMENTS_ISSUE, PARENT_ISSUE, VIETNAMESE_ISSUE
from backlog_mcp.sandbox.pinned import HOSTILE_COMMENT, HOSTILE_COMMENT_ISSUE, HOSTILE_FIELD_VALUE

COMMENTS = f"/issues/{MANY_COMMENTS_ISSUE}/comments"
COMMENT_FIELDS = {
    "id", "projectId", "issueId", "content", "changeLog", "createdUser", "created", "updated", "stars",
    "notifications",
}  # fmt: skip
CHANGE_FIELDS = {"field", "newValue", "originalValue", "attachmentInfo", "attributeInfo", "notificationInfo"}


def page(api: httpx2.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get(COMMENTS, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def all_comments(api: httpx2.Client) -> list[dict[str, Any]]:
    """Oldest first, paged the way a client should: `minId` = the last id seen."""
    comments: list[dict[str, Any]] = []
    while True:
        batch = page(api, order="asc", count=100, **({"minId": comments[-1]["id"]} if comments else {}))
        comments += batch
        if len(batch) < 100:
            return comments


def all_ids_ascending(api: httpx2.Client) -> list[int]:
    return [comment["id"] for comment in all_comments(api)]


def test_count(api: httpx2.Client) -> None:
    assert api.get(f"{COMMENTS}/count").json() == {"count": MANY_COMMENTS_COUNT}
    assert MANY_COMMENTS_COUNT == 263


def test_default_is_20_newest_first(api: httpx2.Client) -> None:
    comments = page(api)
    ids = [comment["id"] for comment in comments]
    assert len(ids) == 20
    assert ids == sorted(ids, reverse=True)
    assert set(comments[0]) == COMMENT_FIELDS


def test_paging_through_all_comments_with_min_id(api: httpx2.Client) -> None:
    ids = all_ids_ascending(api)
    assert len(ids) == MANY_COMMENTS_COUNT
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    # No gaps: every comment the issue has was seen, and the ids are not simply consecutive.
    newest = page(api, order="desc", count=1)[0]["id"]
    assert ids[-1] == newest
    assert any(b - a > 1 for a, b in itertools.pairwise(ids))


def test_paging_backwards_with_max_id(api: httpx2.Client) -> None:
    ids: list[int] = []
    while True:
        batch = page(api, order="desc", count=100, **({"maxId": ids[-1]} if ids else {}))
        ids += [comment["id"] for comment in batch]
        if len(batch) < 100:
            break
    assert ids == list(reversed(all_ids_ascending(api)))


def test_min_and_max_id_are_exclusive(api: httpx2.Client) -> None:
    ids = all_ids_ascending(api)
    low, high = ids[10], ids[15]
    between = [comment["id"] for comment in page(api, order="asc", minId=low, maxId=high)]
    assert between == ids[11:15]
    assert [c["id"] for c in page(api, order="asc", minId=low, count=1)] == [ids[11]]
    assert [c["id"] for c in page(api, order="desc", maxId=high, count=1)] == [ids[14]]


def test_min_id_with_desc_order_takes_the_newest_above(api: httpx2.Client) -> None:
    ids = all_ids_ascending(api)
    newest_first = [comment["id"] for comment in page(api, order="desc", minId=ids[0], count=5)]
    assert newest_first == list(reversed(ids[-5:]))


def test_single_comment_and_its_notifications(api: httpx2.Client) -> None:
    notified = next(c for c in page(api, count=100) if c["notifications"])
    single = api.get(f"{COMMENTS}/{notified['id']}").json()
    assert single == notified
    notifications = api.get(f"{COMMENTS}/{notified['id']}/notifications").json()
    assert notifications == notified["notifications"]
    assert set(notifications[0]) == {"id", "alreadyRead", "reason", "user", "resourceAlreadyRead"}


def test_comments_carry_project_and_issue_ids(api: httpx2.Client) -> None:
    issue = api.get(f"/issues/{MANY_COMMENTS_ISSUE}").json()
    comments = page(api, count=100)
    assert {c["issueId"] for c in comments} == {issue["id"]}
    assert {c["projectId"] for c in comments} == {issue["projectId"]}


def test_change_logs_come_in_every_shape(api: httpx2.Client) -> None:
    comments = all_comments(api)
    logs = [c["changeLog"] for c in comments]
    assert any(log is None for log in logs)
    assert any(log == [] for log in logs)
    entries = [entry for log in logs if log for entry in log]
    assert all(set(entry) == CHANGE_FIELDS for entry in entries)
    fields = {entry["field"] for entry in entries}
    assert {"status", "assigner", "limitDate", "priority", "component", "milestone", "attachment"} <= fields
    assert any(entry["attributeInfo"] for entry in entries)
    assert any(c["content"] == "" and c["changeLog"] for c in comments)


def test_status_changes_chain_with_display_names(api: httpx2.Client) -> None:
    comments = all_comments(api)
    statuses = {s["name"] for s in api.get("/projects/DEMO/statuses").json()}
    changes = [e for c in comments for e in c["changeLog"] or [] if e["field"] == "status"]
    assert changes
    assert all(e["newValue"] in statuses and e["originalValue"] in statuses for e in changes)
    assert all(a["newValue"] == b["originalValue"] for a, b in itertools.pairwise(changes))


def test_attachment_change_logs_match_the_issue_attachments(api: httpx2.Client) -> None:
    attachments = {a["id"]: a["name"] for a in api.get(f"/issues/{MANY_COMMENTS_ISSUE}/attachments").json()}
    added: dict[int, str] = {}
    for comment in all_comments(api):
        for entry in comment["changeLog"] or []:
            if entry["field"] == "attachment":
                added[entry["attachmentInfo"]["id"]] = entry["newValue"]
                assert entry["attachmentInfo"]["name"] == entry["newValue"]
    assert added == attachments


def test_vietnamese_comments(api: httpx2.Client) -> None:
    comments = api.get(f"/issues/{VIETNAMESE_ISSUE}/comments", params={"count": 100}).json()
    text = "".join(comment["content"] for comment in comments)
    assert any(letter in text for letter in "ăâđêôơư")


def test_issue_with_few_comments(api: httpx2.Client) -> None:
    total = api.get(f"/issues/{PARENT_ISSUE}/comments/count").json()["count"]
    comments = api.get(f"/issues/{PARENT_ISSUE}/comments", params={"count": 100}).json()
    assert 0 < total <= 15
    assert len(comments) == total


def test_the_hostile_comment_imitates_our_markup_and_was_edited_two_hours_after_posting(
    api: httpx2.Client,
) -> None:
    first = api.get(f"/issues/{HOSTILE_COMMENT_ISSUE}/comments", params={"order": "asc", "count": 1}).json()[
        0
    ]
    assert first["content"] == HOSTILE_COMMENT
    for imitation in ("\n- status: ", "\nChanges:\n", "\nNotified: ", "\n### #999 ", "\n### Comment #999 "):
        assert imitation in first["content"]
    posted, edited = (datetime.fromisoformat(first[k].replace("Z", "+00:00")) for k in ("created", "updated"))
    assert edited - posted == timedelta(hours=2)


def test_a_former_member_whose_name_imitates_a_heading_wrote_the_hostile_comment_and_is_notified_next(
    api: httpx2.Client,
) -> None:
    first, second = api.get(
        f"/issues/{HOSTILE_COMMENT_ISSUE}/comments", params={"order": "asc", "count": 2}
    ).json()
    author = first["createdUser"]
    for imitation in ("\n### #", "\nNotified: ", " · "):
        assert imitation in author["name"]
    assert author in api.get("/users").json()
    assert author["id"] not in {user["id"] for user in api.get("/projects/DEMO/users").json()}
    assert author["id"] in {n["user"]["id"] for n in second["notifications"]}
    issue = api.get(f"/issues/{HOSTILE_COMMENT_ISSUE}").json()
    text_area = next(field for field in issue["customFields"] if field["fieldTypeId"] == 2)
    assert text_area["value"] == HOSTILE_FIELD_VALUE
