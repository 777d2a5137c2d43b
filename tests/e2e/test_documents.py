"""The documents toolset end to end: the tree, the list page by page, one document in full."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import pytest
from markdown_it import MarkdownIt
from mcp import Client

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.document_bodies import HOSTILE_BODY_LINES, UNKNOWN_NODE_TEXT
from backlog_mcp.sandbox.documents import HOSTILE_DOCUMENT_ID
from backlog_mcp.sandbox.landmarks import DOCUMENT_IDS
from tests.e2e.conftest import call, call_error

pytestmark = pytest.mark.anyio

ROOT = DOCUMENT_IDS["DEMO/設計方針"]
API_DESIGN = DOCUMENT_IDS["DEMO/設計方針/API 設計"]
VN_ROOT = DOCUMENT_IDS["VNAPP/Hướng dẫn"]
INVISIBLE = ("\u200b", "\u202e", "\ufeff")


def _raw(sandbox: SandboxServer, path: str, params: dict[str, Any] | None = None) -> Any:
    with httpx2.Client(base_url=f"{sandbox.base_url}/api/v2", params={"apiKey": sandbox.api_key}) as api:
        response = api.get(path, params=params or {})
        response.raise_for_status()
        return response.json()


def _pretty(payload: Any) -> int:
    return len(json.dumps(payload, ensure_ascii=False, indent=2))


def _headings(text: str) -> list[str]:
    """The headings a CommonMark reader finds, fences and all taken into account."""
    tokens = MarkdownIt("commonmark").parse(text)
    return [
        f"{tok.markup} {tokens[i + 1].content}" for i, tok in enumerate(tokens) if tok.type == "heading_open"
    ]


# --- the tree -----------------------------------------------------------------------------------


async def test_document_tree_is_an_outline_with_ids_counts_and_the_trash_as_a_count(
    client: Client, sandbox: SandboxServer
) -> None:
    text = await call(client, "backlog_get_document_tree", {"projectIdOrKey": "demo"})
    raw = _raw(sandbox, "/documents/tree", {"projectIdOrKey": "DEMO"})
    assert text.startswith(
        "Document tree of DEMO: 27 documents, all shown (title · ID). 1 document in the trash"
    )
    assert f"- 📐 設計方針 · {ROOT}\n  - 🔌 API 設計 · {API_DESIGN}\n    - 認証フロー · " in text
    trashed = raw["trashTree"]["children"][0]
    assert trashed["id"] not in text
    assert trashed["name"] not in text

    def ids(nodes: list[Any]) -> list[str]:
        return [n["id"] for node in nodes for n in [node, *[{"id": i} for i in ids(node["children"])]]]

    assert all(doc_id in text for doc_id in ids(raw["activeTree"]["children"]))
    assert len(text) <= 0.4 * _pretty(raw), (len(text), _pretty(raw))


async def test_document_tree_of_an_unknown_project_says_so(client: Client) -> None:
    text = await call_error(client, "backlog_get_document_tree", {"projectIdOrKey": "NOPE"})
    assert text.endswith(
        "Project NOPE not found. Backlog said: No project. "
        "backlog_get_projects lists the projects you can see."
    )


# --- the list -----------------------------------------------------------------------------------


async def test_documents_list_pages_to_the_end_with_exact_next_calls(
    client: Client, sandbox: SandboxServer
) -> None:
    seen: list[str] = []
    arguments: dict[str, Any] = {"projectIdOrKey": "DEMO", "count": 10}
    pages = 0
    while True:
        text = await call(client, "backlog_get_documents", arguments)
        pages += 1
        assert " of 27 in the document tree, " in text  # the total, from the tree (one per process)
        seen += re.findall(r"^\|([0-9a-f]{32})\|", text, re.MULTILINE)
        found = re.search(r"^Next page: backlog_get_documents (\{.*\})$", text, re.MULTILINE)
        if found is None:
            assert text.endswith("End of list.")
            break
        arguments = json.loads(found.group(1))
    assert pages == 3
    listed = _raw(sandbox, "/documents", {"projectId[]": 10001, "offset": 0, "count": 100})
    assert seen == [d["id"] for d in listed]  # newest update first, none twice, none missed
    assert len(seen) == 27


async def test_documents_list_names_ids_titles_dates_updaters_and_tags_in_a_quarter_of_the_json(
    client: Client, sandbox: SandboxServer
) -> None:
    text = await call(client, "backlog_get_documents", {"projectIdOrKey": "DEMO"})
    raw = _raw(sandbox, "/documents", {"projectId[]": 10001, "offset": 0, "count": 20})
    assert text.startswith("Documents in DEMO 1–20 of 27 in the document tree, most recently updated first:")
    assert text.splitlines()[1] == "|ID|Title|Updated|By|Tags|"
    assert f"|{API_DESIGN}|" not in text  # on the second page
    first = raw[0]
    assert re.search(rf"^\|{first['id']}\|.*\|20\d\d-\d\d-\d\dT\d\d:\d\d\+09:00\|", text, re.MULTILINE)
    assert text.endswith('Next page: backlog_get_documents {"projectIdOrKey":"DEMO","count":20,"offset":20}')
    assert len(text) <= 0.25 * _pretty(raw), (len(text), _pretty(raw))


async def test_documents_list_filters_by_keyword_in_title_and_text(client: Client) -> None:
    text = await call(client, "backlog_get_documents", {"projectIdOrKey": "VNAPP", "keyword": "phát hành"})
    assert 'Documents in VNAPP matching "phát hành" 1–1' in text
    assert "|🚀 Quy trình phát hành|" in text
    assert text.endswith("End of list.")
    none = await call(client, "backlog_get_documents", {"projectIdOrKey": "DEMO", "keyword": "存在しない語"})
    assert none == 'No documents in DEMO matching "存在しない語".'


async def test_a_long_keyword_is_quoted_back_capped(client: Client) -> None:
    text = await call(client, "backlog_get_documents", {"projectIdOrKey": "DEMO", "keyword": "長" * 300})
    assert text.startswith('No documents in DEMO matching "長')
    assert "(300 characters)" in text
    assert len(text) < 200


async def test_documents_list_past_the_end_says_the_list_ended(client: Client) -> None:
    text = await call(client, "backlog_get_documents", {"projectIdOrKey": "DEMO", "offset": 500})
    assert text == "No documents in DEMO at offset 500: the list ends before it."


async def test_documents_list_of_an_unknown_project_says_so(client: Client) -> None:
    text = await call_error(client, "backlog_get_documents", {"projectIdOrKey": "NOPE"})
    assert "Project NOPE not found" in text


# --- one document -------------------------------------------------------------------------------


async def test_document_shows_path_tags_attachments_body_as_markdown_and_comments_with_replies(
    client: Client, sandbox: SandboxServer
) -> None:
    text = await call(client, "backlog_get_document", {"documentId": API_DESIGN.upper()})
    assert text.startswith(
        f"# 🔌 API 設計\nID: {API_DESIGN} · project ID 10001 · path: 設計方針 / API 設計\n"
    )
    assert "\nTags: 設計, API\n" in text
    assert "|5000001|api-構成図.png|3.0 KiB|" in text
    assert f'backlog_get_attachment_content {{"documentId":"{API_DESIGN}","attachmentId":5000001}}' in text
    body = text.split("\n## Body\n", 1)[1].split("\n## Comments", 1)[0]
    for piece in (
        "### API 設計",
        "**Backlog API v2**",
        "*社内 API*",
        "~~旧仕様~~",
        "`/api/v2/issues`",
        "[公式ドキュメント](https://developer.nulab.com/ja/docs/backlog/)",
        "- リソース名は複数形\n  - 例:",
        "1. スキーマを定義する\n2. サンドボックスで確認する",
        "- [x] 認証方式を決める\n- [x] レート制限を確認する\n- [ ] エラーコードを整理する",
        "|コード|意味|備考|\n|-|-|-|\n|200|成功|—|",
        "```python\nimport httpx\n",
        "> レビューでの指摘: @Nguyễn Văn An さん",
        "\n---\n",
        "作成: @田中 太郎\\\n更新日: 2026-02-10",
        "![API 構成図](https://demo.backlog.com/document/DEMO/",
        UNKNOWN_NODE_TEXT,
    ):
        assert piece in body, piece
    comments = text.split("\n## Comments", 1)[1]
    assert comments.startswith(": 3 of 3, newest first, with 2 replies\n")
    assert re.search(
        r"^### Comment [0-9a-f]{32} · Nguyễn Văn An · 2025-09-13T13:13\+09:00\n@田中 太郎 さん",
        comments,
        re.M,
    )
    assert re.search(r"^#### Reply [0-9a-f]{32} · .+\n追加しました。", comments, re.MULTILINE)
    assert "オフセットが必須なのは意外でした。**要注意**" in comments
    raw = _raw(sandbox, f"/documents/{API_DESIGN}")
    raw_comments = _raw(sandbox, f"/documents/{API_DESIGN}/comments")
    assert len(text) <= 0.5 * (_pretty(raw) + _pretty(raw_comments)), (
        len(text),
        _pretty(raw) + _pretty(raw_comments),
    )


async def test_a_vietnamese_document_reads_with_its_path_and_reply(client: Client) -> None:
    text = await call(client, "backlog_get_document", {"documentId": VN_ROOT})
    assert "path: Hướng dẫn\n" in text
    assert "Cần cập nhật phần cài đặt." in text
    assert "Đã cập nhật, cảm ơn!" in text


async def test_document_not_found_names_the_document(client: Client) -> None:
    missing = "0" * 32
    text = await call_error(client, "backlog_get_document", {"documentId": missing})
    assert text.endswith(
        f"Document {missing} not found. Backlog said: No document. "
        "backlog_get_document_tree lists a project's documents."
    )


async def test_a_document_id_that_is_not_32_hex_characters_is_refused_clearly(
    client: Client, sandbox: SandboxServer
) -> None:
    sandbox.reset_requests()
    text = await call_error(client, "backlog_get_document", {"documentId": "DEMO-1"})
    assert "documentId must be a document ID: 32 hexadecimal characters" in text
    assert "(got 'DEMO-1')" in text
    assert sandbox.requests == []


async def test_a_first_document_costs_three_requests_and_the_next_in_its_project_two(
    client: Client, sandbox: SandboxServer
) -> None:
    sandbox.reset_requests()
    await call(client, "backlog_get_document", {"documentId": ROOT})
    assert sorted(r.path for r in sandbox.requests) == sorted(
        ["/api/v2/documents/tree", f"/api/v2/documents/{ROOT}", f"/api/v2/documents/{ROOT}/comments"]
    )
    sandbox.reset_requests()
    text = await call(client, "backlog_get_document", {"documentId": API_DESIGN})
    assert "path: 設計方針 / API 設計" in text
    assert sorted(r.path for r in sandbox.requests) == [
        f"/api/v2/documents/{API_DESIGN}",
        f"/api/v2/documents/{API_DESIGN}/comments",
    ]


async def test_a_trashed_document_is_readable_and_says_it_is_in_the_trash(
    client: Client, sandbox: SandboxServer
) -> None:
    trashed = _raw(sandbox, "/documents/tree", {"projectIdOrKey": "DEMO"})["trashTree"]["children"][0]
    text = await call(client, "backlog_get_document", {"documentId": trashed["id"]})
    assert " · path: in the trash\n" in text


# --- hostile text -------------------------------------------------------------------------------


async def test_hostile_document_text_cannot_pass_for_our_markup_in_any_tool(client: Client) -> None:
    document = await call(client, "backlog_get_document", {"documentId": HOSTILE_DOCUMENT_ID})
    # Read as a CommonMark reader reads it: the only headings at our levels are ours.
    ours = [h for h in _headings(document) if len(h.split(" ", 1)[0]) <= 3]
    assert ours == [
        "# \\# Fake heading ``` 注意事項 exe.txt",
        "## Body",
        "## Comments: 1 of 1, newest first",
        ours[3],
    ]
    assert ours[3].startswith("### Comment ")
    assert "fence" not in {
        t.type for t in MarkdownIt("commonmark").parse(document.split("## Body")[1].split("````")[0])
    }
    for line in HOSTILE_BODY_LINES:
        assert line.replace("```", "\\`\\`\\`") in document or f"\\{line}" in document, line
    tree = await call(client, "backlog_get_document_tree", {"projectIdOrKey": "DEMO"})
    listing = await call(client, "backlog_get_documents", {"projectIdOrKey": "DEMO"})
    for text in (document, tree, listing):
        assert not any(ch in text for ch in INVISIBLE)
        assert "注意事項 exe.txt" in text
    assert f"- \\# Fake heading ``` 注意事項 exe.txt · {HOSTILE_DOCUMENT_ID}" in tree
    assert _headings(tree) == []
    assert "\n### Comment #1" not in document  # the attachment's forged name stays in its cell


async def test_a_keyword_search_of_documents_says_backlog_does_not_tell_how_many_match(
    client: Client,
) -> None:
    text = await call(client, "backlog_get_documents", {"projectIdOrKey": "DEMO", "keyword": "定例"})
    assert "(Backlog does not tell how many match):" in text.splitlines()[0]
