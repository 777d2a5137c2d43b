"""The sandbox's documents as Backlog serves them: the list's required offset, the tree, comments,
attachment downloads, and payloads shaped field for field like the reference fixtures."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx2

from backlog_mcp.sandbox.catalog import space_now
from backlog_mcp.sandbox.document_bodies import UNKNOWN_NODE_TEXT
from backlog_mcp.sandbox.landmarks import DOCUMENT_IDS

API_DESIGN = DOCUMENT_IDS["DEMO/設計方針/API 設計"]
# The keys of reference/fixtures/GET_documents_documentId.backlog-js.json.
DOCUMENT_KEYS = {
    "id", "projectId", "title", "plain", "json", "statusId", "emoji", "attachments", "tags", "createdUser",
    "created", "updatedUser", "updated",
}  # fmt: skip
COMMENT_KEYS = {
    "id", "documentId", "statusId", "content", "plain", "commentType", "createdUserId", "created",
    "updatedUserId", "updated", "createdUser",
}  # fmt: skip


def _types(node: dict[str, Any]) -> set[str]:
    found = {str(node.get("type"))}
    for mark in node.get("marks", []):
        found.add(f"mark:{mark['type']}")
    for child in node.get("content", []):
        found |= _types(child)
    return found


def test_every_landmark_document_exists_in_its_project(api: httpx2.Client) -> None:
    for place, document_id in DOCUMENT_IDS.items():
        body = api.get(f"/documents/{document_id}").json()
        assert body["id"] == document_id
        assert body["title"] == place.rsplit("/", 1)[1]
        project = api.get(f"/projects/{place.split('/')[0]}").json()
        assert body["projectId"] == project["id"]


def test_a_document_is_shaped_like_backlogs_with_its_body_as_a_json_string(api: httpx2.Client) -> None:
    body = api.get(f"/documents/{API_DESIGN}").json()
    assert set(body) == DOCUMENT_KEYS
    assert isinstance(body["json"], str)
    assert body["attachments"][0].keys() >= {"id", "name", "size", "createdUser", "created"}
    assert {"iconUrl"} <= body["createdUser"].keys()
    types = _types(json.loads(body["json"]))
    assert types >= {
        "doc", "paragraph", "heading", "bulletList", "orderedList", "listItem", "taskList", "taskItem",
        "table", "tableRow", "tableHeader", "tableCell", "codeBlock", "blockquote", "horizontalRule",
        "hardBreak", "image", "mention", "text", "callout", "mark:bold", "mark:italic", "mark:strike",
        "mark:code", "mark:link",
    }  # fmt: skip
    assert UNKNOWN_NODE_TEXT in body["plain"]


def test_the_list_requires_an_offset_as_backlog_does(api: httpx2.Client) -> None:
    response = api.get("/documents", params={"projectId[]": 10001})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 7
    assert api.get("/documents", params={"offset": 0, "count": 101}).status_code == 400
    assert api.get("/documents", params={"offset": 0, "sort": "title"}).status_code == 400


def test_the_list_filters_by_project_and_keyword_and_pages_in_order(api: httpx2.Client) -> None:
    everything = api.get("/documents", params={"projectId[]": 10001, "offset": 0, "count": 100}).json()
    assert len(everything) >= 25
    assert {d["projectId"] for d in everything} == {10001}
    updated = [d["updated"] for d in everything]
    assert updated == sorted(updated, reverse=True)
    page = api.get("/documents", params={"projectId[]": 10001, "offset": 20, "count": 20}).json()
    assert page == everything[20:40]
    oldest = api.get(
        "/documents", params={"projectId[]": 10001, "offset": 0, "sort": "created", "order": "asc"}
    )
    assert oldest.json()[0]["id"] == DOCUMENT_IDS["DEMO/設計方針"]
    found = api.get("/documents", params={"offset": 0, "keyword": "オフセットは必須"}).json()
    assert [d["id"] for d in found] == [API_DESIGN]  # the keyword is looked for in the text too
    both = api.get("/documents", params=[("projectId[]", 10001), ("projectId[]", 10002), ("offset", 0)])
    assert {d["projectId"] for d in both.json()} == {10001, 10002}


def test_the_tree_nests_three_levels_and_keeps_trashed_documents_apart(api: httpx2.Client) -> None:
    assert api.get("/documents/tree").status_code == 400
    assert api.get("/documents/tree", params={"projectIdOrKey": "NOPE"}).json()["errors"][0]["message"] == (
        "No project."
    )
    tree = api.get("/documents/tree", params={"projectIdOrKey": "DEMO"}).json()
    assert set(tree) == {"projectId", "activeTree", "trashTree"}
    assert tree["activeTree"]["id"] == "Active"
    assert tree["trashTree"]["id"] == "Trash"
    root = next(n for n in tree["activeTree"]["children"] if n["id"] == DOCUMENT_IDS["DEMO/設計方針"])
    assert set(root) == {"id", "name", "emoji", "children"}
    child = next(n for n in root["children"] if n["id"] == API_DESIGN)
    assert child["children"]  # grandchildren
    listed = {d["id"] for d in api.get("/documents", params={"offset": 0, "count": 100}).json()}
    assert all(n["id"] not in listed for n in tree["trashTree"]["children"])
    assert api.get(f"/documents/{tree['trashTree']['children'][0]['id']}").status_code == 200


def test_comments_carry_prosemirror_content_plain_text_and_replies(api: httpx2.Client) -> None:
    comments = api.get(f"/documents/{API_DESIGN}/comments").json()
    assert all(set(c) == COMMENT_KEYS | {"replies"} for c in comments)
    replies = [r for c in comments for r in c["replies"]]
    assert replies
    assert all(set(r) == COMMENT_KEYS and r["commentType"] == "reply" for r in replies)
    first = comments[0]
    assert json.loads(first["content"])["type"] == "doc"
    assert first["plain"] == "オフセットが必須なのは意外でした。要注意"
    assert {"icon", "uniqueId"} <= first["createdUser"].keys()


def test_unknown_documents_are_404_no_document(api: httpx2.Client) -> None:
    for path in (f"/documents/{'0' * 32}", f"/documents/{'0' * 32}/comments"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["errors"][0]["message"] == "No document."


def test_document_attachments_download_with_their_names(api: httpx2.Client) -> None:
    listed = api.get(f"/documents/{API_DESIGN}/attachments").json()
    png = next(a for a in listed if a["name"].endswith(".png"))
    response = api.get(f"/documents/{API_DESIGN}/attachments/{png['id']}")
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(response.content) == png["size"]
    assert "filename*=UTF-8''api-" in response.headers["content-disposition"]
    assert api.get(f"/documents/{API_DESIGN}/attachments/1").status_code == 404


def test_no_document_was_edited_after_the_demo_spaces_now(api: httpx2.Client) -> None:
    now = space_now()
    for project in ("DEMO", "VNAPP"):
        tree = api.get("/documents/tree", params={"projectIdOrKey": project}).json()
        nodes = [*tree["activeTree"]["children"], *tree["trashTree"]["children"]]
        while nodes:
            node = nodes.pop()
            nodes += node["children"]
            updated = api.get(f"/documents/{node['id']}").json()["updated"]
            assert datetime.fromisoformat(updated) <= now, node["name"]
