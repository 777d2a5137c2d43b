"""Adding documents against a FRESH sandbox per test: a write must never touch a shared sandbox."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.landmarks import DOCUMENT_IDS

_DEMO, _VNAPP, _LEGACY = 10001, 10002, 10004
_ADMIN = 1073741901
_ROOT = DOCUMENT_IDS["DEMO/設計方針"]
_CHILD = DOCUMENT_IDS["DEMO/設計方針/API 設計"]
_VN_ROOT = DOCUMENT_IDS["VNAPP/Hướng dẫn"]
# The docs' example answer of POST /api/v2/documents (add-document): not the shape of a read.
_ANSWER_KEYS = [
    "id", "projectId", "title", "json", "plain", "statusId", "emoji", "createdUserId", "created",
    "updatedUserId", "updated",
]  # fmt: skip


@pytest.fixture
def sandbox(write_sandbox: SandboxServer) -> SandboxServer:
    """Overrides the module-wide sandbox of conftest: every test here writes, so each gets its own
    (tests/conftest.py: one reset to its initial state)."""
    return write_sandbox


def add(api: httpx2.Client, **form: Any) -> httpx2.Response:
    return api.post("/documents", data={"projectId": _DEMO, **form})


def error_of(response: httpx2.Response) -> str:
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["code"] == 7
    return str(errors[0]["message"])


def tree_titles(api: httpx2.Client, project: str) -> list[tuple[str, list[str]]]:
    tree = api.get("/documents/tree", params={"projectIdOrKey": project}).json()
    return [(n["name"], [c["name"] for c in n["children"]]) for n in tree["activeTree"]["children"]]


def test_adding_a_document_answers_with_the_docs_shape_its_markdown_as_prosemirror_and_user_ids(
    api: httpx2.Client,
) -> None:
    content = "# 概要\nリリース手順をまとめます。\n- 準備\n- 実行\n```sh\nmake deploy\n```"
    response = add(api, title="リリース手順", content=content, emoji="🚀")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == _ANSWER_KEYS
    assert len(body["id"]) == 32
    assert int(body["id"], 16) > int(_ROOT, 16)  # newer than every demo page
    assert body["projectId"] == _DEMO
    assert (body["title"], body["emoji"], body["statusId"]) == ("リリース手順", "🚀", 1)
    assert body["plain"] == content
    assert body["createdUserId"] == body["updatedUserId"] == _ADMIN
    assert body["created"] == body["updated"] == "2026-02-27T09:01:00Z"
    blocks = body["json"]["content"]  # an object here, where reads give a JSON string
    assert [b["type"] for b in blocks] == ["heading", "paragraph", "bulletList", "codeBlock"]
    assert blocks[0]["attrs"]["level"] == 1
    assert blocks[3]["attrs"]["language"] == "sh"
    assert blocks[3]["content"][0]["text"] == "make deploy"
    assert response.headers["x-ratelimit-limit"] == "150"  # the Update bucket


def test_an_added_document_reads_back_by_id_in_the_list_and_first_in_its_projects_tree(
    api: httpx2.Client,
) -> None:
    added = add(api, title="新しいページ", content="本文です。").json()
    read = api.get(f"/documents/{added['id']}").json()
    assert read["title"] == "新しいページ"
    assert read["plain"] == "本文です。"
    assert json.loads(read["json"])["content"][0]["content"][0]["text"] == "本文です。"
    assert read["createdUser"]["id"] == _ADMIN
    assert (read["attachments"], read["tags"], read["emoji"]) == ([], [], None)
    listed = api.get("/documents", params={"projectId[]": _DEMO, "offset": 0}).json()
    assert listed[0]["id"] == added["id"]  # the newest update
    assert tree_titles(api, "DEMO")[0] == ("新しいページ", [])
    assert (
        api.get("/documents/tree", params={"projectIdOrKey": "VNAPP"}).json()["activeTree"]["children"][0][
            "name"
        ]
        == "Hướng dẫn"
    )


def test_a_child_document_joins_its_parent_first_or_last_with_add_last(api: httpx2.Client) -> None:
    before = dict(tree_titles(api, "DEMO"))["設計方針"]
    add(api, title="先頭の子", parentId=_ROOT)
    add(api, title="末尾の子", parentId=_ROOT.upper(), addLast="true")
    after = dict(tree_titles(api, "DEMO"))["設計方針"]
    assert after == ["先頭の子", *before, "末尾の子"]


def test_a_parent_that_is_not_a_live_document_of_the_project_is_refused(api: httpx2.Client) -> None:
    for parent in (_VN_ROOT, "0" * 32, DOCUMENT_IDS["DEMO/設計方針"][:-1] + "f"):
        response = add(api, title="x", parentId=parent)
        assert response.status_code == 400
        assert error_of(response) == f"Invalid parentId. No document {parent} in the project."
    trashed = "019a1c2e5b7d7c3f9e4a6b8c0d2e5900"
    assert api.get(f"/documents/{trashed}").status_code == 200
    assert add(api, title="x", parentId=trashed).status_code == 400
    assert api.post("/documents", data={"projectId": _VNAPP, "parentId": _VN_ROOT}).status_code == 200
    assert api.post("/documents", data={"projectId": _VNAPP, "parentId": _CHILD}).status_code == 400


def test_the_project_is_required_known_and_using_documents(api: httpx2.Client) -> None:
    missing = api.post("/documents", data={"title": "x"})
    assert missing.status_code == 400
    assert error_of(missing) == "Invalid projectId. projectId is required."
    unknown = api.post("/documents", data={"projectId": 99, "title": "x"})
    assert error_of(unknown) == "Invalid projectId. No project 99."
    legacy = api.post("/documents", data={"projectId": _LEGACY, "title": "x"})
    assert error_of(legacy) == "Invalid projectId. Documents are not enabled in the project."
    wrong = add(api, title="x", addLast="yes")
    assert error_of(wrong) == "Invalid addLast. addLast must be true or false."
    assert api.get("/documents", params={"projectId[]": _DEMO, "offset": 0}).json()[0]["title"] != "x"


def test_markdown_keeps_every_line_of_text_numbered_lists_and_unclosed_fences(api: httpx2.Client) -> None:
    content = "## 手順\n1. 開く\n2. 閉じる\n\n### \n普通の行\n```\nコード\n続き"
    blocks = add(api, title="t", content=content).json()["json"]["content"]
    assert [b["type"] for b in blocks] == ["heading", "orderedList", "paragraph", "paragraph", "codeBlock"]
    assert [i["content"][0]["content"][0]["text"] for i in blocks[1]["content"]] == ["開く", "閉じる"]
    assert blocks[2]["content"][0]["text"] == "### "
    assert blocks[4]["content"][0]["text"] == "コード\n続き"
