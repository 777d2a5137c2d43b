"""Activities in the sandbox: Backlog's shape, every type, real references, filters and paging."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from backlog_mcp.backlog.space import ACTIVITY_TYPES
from backlog_mcp.sandbox.activities import HOSTILE_ACTIVITY_TEXT
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.landmarks import DOCUMENT_IDS, GIT_REPOSITORIES, SHARED_FILE_IDS, WIKI_PAGE_IDS
from backlog_mcp.sandbox.pinned import HOSTILE_COMMENT_ISSUE

ACTIVITY_FIELDS = {"id", "project", "type", "content", "notifications", "createdUser", "created"}
ADMIN_ID = 1073741901


def get(api: httpx2.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def get_one(api: httpx2.Client, path: str) -> dict[str, Any]:
    response = api.get(path)
    assert response.status_code == 200, response.text
    return dict(response.json())


def everything(api: httpx2.Client, path: str = "/space/activities", **params: Any) -> list[dict[str, Any]]:
    """Newest first, paged as a client should: `maxId` = the last ID seen (exclusive)."""
    found: list[dict[str, Any]] = []
    while True:
        page = get(api, path, count=100, **params, **({"maxId": found[-1]["id"]} if found else {}))
        found += page
        if len(page) < 100:
            return found


def test_activities_are_shaped_like_backlogs(api: httpx2.Client) -> None:
    activities = get(api, "/space/activities")
    assert len(activities) == 20
    ids = [a["id"] for a in activities]
    assert ids == sorted(ids, reverse=True)
    for activity in activities:
        assert set(activity) == ACTIVITY_FIELDS
        assert activity["notifications"] == []
        assert activity["created"].endswith("Z")
        assert {"id", "projectKey", "name", "textFormattingRule"} <= set(activity["project"])
        # Backlog writes snake_case inside `content` (reference §5.8).
        assert all(key == key.lower() for key in activity["content"]), activity["content"]


def test_every_type_is_there_and_paging_matters(api: httpx2.Client) -> None:
    activities = everything(api)
    assert len(activities) >= 60
    assert len({a["id"] for a in activities}) == len(activities)
    assert {a["type"] for a in activities} == set(ACTIVITY_TYPES.values())
    assert {a["project"]["projectKey"] for a in activities} >= {"DEMO", "VNAPP", "OPS"}


def test_activities_point_at_real_issues_and_landmarks(api: httpx2.Client) -> None:
    space = DemoSpace()
    for activity in everything(api):
        content, key = activity["content"], activity["project"]["projectKey"]
        if activity["type"] in (1, 2, 3, 17):
            issue = space.issue(f"{key}-{content['key_id']}")
            assert issue is not None
            assert issue.id == content["id"]
            assert issue.json["summary"] == content["summary"]
        if activity["type"] in (5, 6):
            assert content["id"] == WIKI_PAGE_IDS[f"{key}/{content['name']}"]
        if activity["type"] in (8, 9):
            assert content["id"] == SHARED_FILE_IDS[f"{key}{content['dir']}{content['name']}"]
        if activity["type"] in (12, 13, 18, 19, 20, 21):
            assert GIT_REPOSITORIES[(key, content["repository"]["name"])] == content["repository"]["id"]
        if activity["type"] in (36, 38, 40, 41, 42, 43, 44, 45, 46):
            assert content["id"] in DOCUMENT_IDS.values()
        if activity["type"] in (14, 35, 47):
            assert all(space.issue(f"{key}-{link['key_id']}") is not None for link in content["link"])


def test_activities_are_multilingual_and_one_is_hostile(api: httpx2.Client) -> None:
    text = str(everything(api))
    assert "ログイン" in text
    assert "Hướng dẫn" in text
    assert "disk usage" in text
    pushes = [a["content"] for a in everything(api) if a["type"] == 12]
    assert any(p["revisions"][0]["comment"] == HOSTILE_ACTIVITY_TEXT for p in pushes)
    hostile = get(api, f"/issues/{HOSTILE_COMMENT_ISSUE}/comments", order="asc", count=1)[0]
    commented = [a["content"]["comment"] for a in everything(api) if a["type"] == 3]
    assert any(c["id"] == hostile["id"] and c["content"] == hostile["content"] for c in commented)


def test_project_and_user_activities_are_filtered(api: httpx2.Client) -> None:
    all_of_them = everything(api)
    by_key = everything(api, "/projects/VNAPP/activities")
    by_id = everything(api, "/projects/10002/activities")
    assert by_key == by_id == [a for a in all_of_them if a["project"]["projectKey"] == "VNAPP"]
    mine = everything(api, f"/users/{ADMIN_ID}/activities")
    assert mine == [a for a in all_of_them if a["createdUser"]["id"] == ADMIN_ID]
    assert 0 < len(mine) < len(all_of_them)


def test_activity_type_filter_takes_several_ids(api: httpx2.Client) -> None:
    found = get(api, "/space/activities", **{"activityTypeId[]": [12, 21], "count": 100})
    assert {a["type"] for a in found} == {12, 21}
    assert len(found) == 5


def test_min_and_max_id_are_exclusive_and_order_asc_starts_oldest(api: httpx2.Client) -> None:
    ids = [a["id"] for a in reversed(everything(api))]
    oldest = get(api, "/space/activities", order="asc", count=3)
    assert [a["id"] for a in oldest] == ids[:3]
    after = get(api, "/space/activities", order="asc", count=3, minId=ids[2])
    assert [a["id"] for a in after] == ids[3:6]
    before = get(api, "/space/activities", count=2, maxId=ids[10])
    assert [a["id"] for a in before] == [ids[9], ids[8]]
    between = get(api, "/space/activities", minId=ids[4], maxId=ids[8], order="asc")
    assert [a["id"] for a in between] == ids[5:8]


@pytest.mark.parametrize("count", ["0", "101", "ten"])
def test_count_out_of_range_is_backlogs_400(api: httpx2.Client, count: str) -> None:
    response = api.get("/space/activities", params={"count": count})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == 7
    assert error["message"].startswith("Invalid count.")


def test_missing_project_and_user_are_backlogs_404(api: httpx2.Client) -> None:
    project = api.get("/projects/NOPE/activities")
    user = api.get("/users/999/activities")
    assert (project.status_code, project.json()["errors"][0]["message"]) == (404, "No project.")
    assert (user.status_code, user.json()["errors"][0]["message"]) == (404, "No user.")
    assert project.json()["errors"][0]["code"] == user.json()["errors"][0]["code"] == 6


# --- what an activity names is what the other areas serve ------------------------------------------


def of_types(api: httpx2.Client, *types: int) -> list[dict[str, Any]]:
    return [a for a in everything(api) if a["type"] in types]


def test_pull_request_activities_match_the_pull_requests_they_name(api: httpx2.Client) -> None:
    seen = set()
    for activity in of_types(api, 18, 19, 20, 21):
        content, key = activity["content"], activity["project"]["projectKey"]
        repo = content["repository"]
        path = f"/projects/{key}/git/repositories/{repo['name']}"
        assert {k: v for k, v in get_one(api, path).items() if k in repo} == repo
        pr = get_one(api, f"{path}/pullRequests/{content['number']}")
        assert (content["id"], content["summary"], content["description"]) == (
            pr["id"], pr["summary"], pr["description"]
        )  # fmt: skip
        linked = pr["issue"]
        assert content["issue"] == (
            {"id": linked["id"], "key_id": linked["keyId"], "summary": linked["summary"]} if linked else None
        )
        if activity["type"] == 21:
            assert pr["status"]["name"] == "Merged"
        if activity["type"] == 20:
            comments = get(api, f"{path}/pullRequests/{content['number']}/comments", count=100)
            assert {"id": content["comment"]["id"], "content": content["comment"]["content"]} in [
                {"id": c["id"], "content": c["content"]} for c in comments
            ]
        seen.add(activity["type"])
    assert seen == {18, 19, 20, 21}


def test_document_comment_notifications_and_activities_are_real_comments(api: httpx2.Client) -> None:
    checked = 0
    for n in get(api, "/notifications", count=100):
        if n["reason"] not in (14, 15):
            continue
        comments = get(api, f"/documents/{n['document']['id']}/comments")
        comment = next(c for c in comments if c["id"] == n["documentComment"]["id"])
        assert n["documentComment"] == {k: v for k, v in comment.items() if k != "replies"}
        if n["reason"] == 15:
            assert n["documentCommentReply"] in comment["replies"]
        assert n["sender"]["id"] == (n["documentCommentReply"] or n["documentComment"])["createdUserId"]
        checked += 1
    assert checked >= 7  # each comment and reply by someone else once (no repeats)
    for activity in of_types(api, 40, 41, 42, 43, 44, 45, 46):
        content = activity["content"]
        document = get_one(api, f"/documents/{content['id']}")
        assert content["title"] == document["title"]
        comments = get(api, f"/documents/{content['id']}/comments")
        replies = [r for c in comments for r in c["replies"]]
        if activity["type"] in (40, 41, 43, 44):
            real = comments if activity["type"] in (40, 41) else replies
            said = next(c for c in real if c["plain"] == content["comment"]["content"])
            if activity["type"] in (40, 43):  # written by whom the activity names
                assert said["createdUserId"] == activity["createdUser"]["id"]
        if activity["type"] in (42, 45):
            assert content["comment"]["content"] == ""
        if activity["type"] == 46:
            listed = get(api, f"/documents/{content['id']}/attachments")
            assert content["attachments"] == [{k: a[k] for k in ("id", "name", "size")} for a in listed]
        checked += 1
    assert checked >= 15


def test_file_activities_match_the_shared_files(api: httpx2.Client) -> None:
    found = of_types(api, 8, 9, 10)
    for activity in found:
        content, key = activity["content"], activity["project"]["projectKey"]
        download = api.get(f"/projects/{key}/files/{content['id']}")
        if activity["type"] == 10:  # deleted: no longer there
            assert download.status_code == 404
            continue
        listed = get(api, f"/projects/{key}/files/metadata{content['dir']}")
        entry = next(e for e in listed if e["id"] == content["id"])
        assert (entry["dir"], entry["name"], entry["size"]) == (
            content["dir"],
            content["name"],
            content["size"],
        )
        assert download.status_code == 200
        assert len(download.content) == content["size"]
    assert {a["type"] for a in found} == {8, 9, 10}


def test_wiki_activities_name_real_pages(api: httpx2.Client) -> None:
    found = of_types(api, 5, 6, 7)
    for activity in found:
        content = activity["content"]
        response = api.get(f"/wikis/{content['id']}")
        if activity["type"] == 7:  # deleted: no longer there
            assert response.status_code == 404
            continue
        page = response.json()
        assert page["projectId"] == activity["project"]["id"]
        assert (content["name"], content["content"]) == (page["name"], page["content"])
    assert {a["type"] for a in found} == {5, 6, 7}


# --- who and when: an activity is dated and credited as the record it names ------------------------


def made(record: dict[str, Any], *, updated: bool) -> tuple[int, str]:
    """Who created (or last updated) a record, and when."""
    if updated and record.get("updatedUser"):
        return record["updatedUser"]["id"], record["updated"]
    return record["createdUser"]["id"], record["created"]


def test_activities_are_dated_and_credited_as_the_objects_they_name(api: httpx2.Client) -> None:
    checked: set[int] = set()
    for activity in everything(api):
        content, key, kind = activity["content"], activity["project"]["projectKey"], activity["type"]
        said = (activity["createdUser"]["id"], activity["created"])
        if kind == 1:
            assert said == made(get_one(api, f"/issues/{content['id']}"), updated=False)
        elif kind in (5, 6):
            assert said == made(get_one(api, f"/wikis/{content['id']}"), updated=kind == 6)
        elif kind in (8, 9):
            listed = get(api, f"/projects/{key}/files/metadata{content['dir']}")
            entry = next(e for e in listed if e["id"] == content["id"])
            assert said == made(entry, updated=kind == 9)
            if kind == 9:
                assert entry["updatedUser"] is not None  # a file never updated has no update
        elif kind == 13:
            repo = get_one(api, f"/projects/{key}/git/repositories/{content['repository']['name']}")
            assert said == made(repo, updated=False)
        elif kind in (18, 19, 20, 21):
            repo_path = f"/projects/{key}/git/repositories/{content['repository']['name']}"
            path = f"{repo_path}/pullRequests/{content['number']}"
            pr = get_one(api, path)
            if kind == 20:
                comment = next(
                    c for c in get(api, f"{path}/comments", count=100) if c["id"] == content["comment"]["id"]
                )
                assert said == made(comment, updated=False)
            elif kind == 21:
                assert activity["created"] == pr["mergeAt"] is not None
                merge = [c for c in get(api, f"{path}/comments", count=100) if c["created"] == pr["mergeAt"]]
                assert activity["createdUser"]["id"] in [c["createdUser"]["id"] for c in merge]
            else:
                assert said == made(pr, updated=kind == 19)
        elif kind in (36, 38):
            assert said == made(get_one(api, f"/documents/{content['id']}"), updated=kind == 38)
        elif kind == 48:  # dated and credited as the first document it names
            first = get_one(api, f"/documents/{content['documents'][0]['id']}")
            assert said == made(first, updated=False)
        elif kind in (40, 41, 43, 44):
            comments = get(api, f"/documents/{content['id']}/comments")
            every = comments + [r for c in comments for r in c["replies"]]
            comment = next(c for c in every if c["id"] == content["comment"]["id"])
            prefix = "updated" if kind == 41 else "created"
            assert said == (comment[f"{prefix}UserId"], comment[prefix])
        else:
            continue
        checked.add(kind)
    assert checked == {1, 5, 6, 8, 9, 13, 18, 19, 20, 21, 36, 38, 40, 41, 43, 44, 48}


def test_the_audited_objects_are_credited_as_their_areas_have_them(api: httpx2.Client) -> None:
    activities = everything(api)

    def one(kind: int, object_id: object) -> dict[str, Any]:
        found = [a for a in activities if a["type"] == kind and a["content"]["id"] == object_id]
        assert len(found) == 1, (kind, object_id)
        return found[0]

    design = one(36, DOCUMENT_IDS["DEMO/設計方針"])
    assert (design["createdUser"]["name"], design["created"][:10]) == ("田中 太郎", "2025-09-01")
    assert one(36, DOCUMENT_IDS["DEMO/設計方針/API 設計"])["createdUser"]["name"] == "鈴木 花子"
    home = one(6, WIKI_PAGE_IDS["DEMO/Home"])
    assert (home["createdUser"]["name"], home["created"][:10]) == ("鈴木 花子", "2025-06-05")
    web_app_1 = get_one(api, "/projects/DEMO/git/repositories/web-app/pullRequests/1")
    assert one(21, web_app_1["id"])["created"] == web_app_1["mergeAt"]


def test_activity_ids_follow_time(api: httpx2.Client) -> None:
    oldest_first = sorted(everything(api), key=lambda a: a["id"])
    assert [a["created"] for a in oldest_first] == sorted(a["created"] for a in oldest_first)
    assert oldest_first[-1]["created"] >= "2026-02-20"  # the newest are recent
    assert sum(1 for a in oldest_first if a["created"] >= "2026-02-13") >= 40


def test_issue_comment_activities_are_real_comments(api: httpx2.Client) -> None:
    seen: list[int] = []
    for activity in of_types(api, 2, 3, 17):
        content = activity["content"]
        comments = get(api, f"/issues/{content['id']}/comments", count=100)
        comment = next(c for c in comments if c["id"] == content["comment"]["id"])
        assert content["comment"]["content"] == (comment["content"] or "")
        assert (activity["createdUser"]["id"], activity["created"]) == made(comment, updated=False)
        if activity["type"] == 2:  # an update says what its comment's change log says
            assert comment["changeLog"]
            assert [(c["field"], c["new_value"], c["old_value"]) for c in content["changes"]] == [
                (e["field"], e["newValue"], e["originalValue"]) for e in comment["changeLog"]
            ]
        if activity["type"] == 17:
            assert comment["notifications"]
        seen.append(comment["id"])
    assert len(seen) == len(set(seen)) >= 20  # each comment once
