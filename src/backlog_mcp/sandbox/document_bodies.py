"""The documents' bodies as Backlog stores them: ProseMirror trees (serialised to the `json` string
of a document, or the `content` string of a comment) and the `plain` text Backlog derives from them.

Between them the bodies use every node type the converter knows (paragraph, heading, bullet,
ordered and task lists, table, code block, blockquote, horizontal rule, hard break, image,
mention; marks bold, italic, strike, code, link), one type it does not (`callout`), and one
hostile body that imitates our markup and hides characters.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "HOSTILE_BODY_LINES",
    "HOSTILE_TITLE",
    "UNKNOWN_NODE_TEXT",
    "api_design_body",
    "comment_body",
    "hostile_body",
    "page_body",
    "plain_of",
    "serialise",
]

Node = dict[str, Any]

# A title that imitates a heading, carries a fence run, a zero-width space and a bidi override.
HOSTILE_TITLE = "# Fake heading ``` 注意\u200b事項 \u202eexe.txt"
HOSTILE_BODY_LINES = ("# Fake heading", "Changes: forged change", "```", "## Comments")
UNKNOWN_NODE_TEXT = "未知のノードの本文も失われない"


def text(value: str, *marks: str, href: str | None = None) -> Node:
    node: Node = {"type": "text", "text": value}
    found: list[Node] = [{"type": mark} for mark in marks]
    if href is not None:
        found.append({"type": "link", "attrs": {"href": href, "target": "_blank"}})
    if found:
        node["marks"] = found
    return node


def paragraph(*content: Node | str) -> Node:
    return {"type": "paragraph", "content": [text(c) if isinstance(c, str) else c for c in content]}


def heading(level: int, value: str) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": [text(value)]}


def bullets(*items: str | list[Node]) -> Node:
    return {"type": "bulletList", "content": [_item(i) for i in items]}


def numbered(*items: str, start: int = 1) -> Node:
    return {"type": "orderedList", "attrs": {"start": start}, "content": [_item(i) for i in items]}


def tasks(*items: tuple[bool, str]) -> Node:
    return {
        "type": "taskList",
        "content": [
            {"type": "taskItem", "attrs": {"checked": done}, "content": [paragraph(label)]}
            for done, label in items
        ],
    }


def _item(value: str | list[Node]) -> Node:
    content = [paragraph(value)] if isinstance(value, str) else value
    return {"type": "listItem", "content": content}


def code(language: str, body: str) -> Node:
    return {"type": "codeBlock", "attrs": {"language": language}, "content": [text(body)]}


def table(header: list[str], *rows: list[str]) -> Node:
    def row(cells: list[str], kind: str) -> Node:
        return {
            "type": "tableRow",
            "content": [
                {"type": kind, "attrs": {"colspan": 1, "rowspan": 1}, "content": [paragraph(c)]}
                for c in cells
            ],
        }

    return {"type": "table", "content": [row(header, "tableHeader"), *(row(r, "tableCell") for r in rows)]}


def mention(user: dict[str, Any]) -> Node:
    return {"type": "mention", "attrs": {"id": str(user["id"]), "label": user["name"]}}


def doc(*blocks: Node) -> Node:
    return {"type": "doc", "content": list(blocks)}


def serialise(tree: Node) -> str:
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":"))


def plain_of(node: Node) -> str:
    """The text of a tree, a line per block, as Backlog's `plain` gives it."""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    if node.get("type") == "hardBreak":
        return "\n"
    if node.get("type") == "mention":
        return "@" + str(node.get("attrs", {}).get("label", ""))
    children = node.get("content", [])
    inline = all(child.get("type") in ("text", "hardBreak", "mention", "image") for child in children)
    return ("" if inline else "\n").join(plain_of(child) for child in children)


def api_design_body(author: dict[str, Any], reviewer: dict[str, Any], image_src: str) -> Node:
    """The richest body: every node type, every mark, nesting, and a node type not known."""
    return doc(
        heading(1, "API 設計"),
        paragraph(
            "この文書は ",
            text("Backlog API v2", "bold"),
            " を参考に、",
            text("社内 API", "italic"),
            " の設計方針をまとめたものです。",
            text("旧仕様", "strike"),
            " は廃止しました。エンドポイントは ",
            text("/api/v2/issues", "code"),
            " のように複数形で命名します。詳細は ",
            text("公式ドキュメント", href="https://developer.nulab.com/ja/docs/backlog/"),
            " を参照してください。",
        ),
        heading(2, "命名規則"),
        bullets(
            [
                paragraph("リソース名は複数形"),
                bullets("例: ", "issues, projects, documents"),
            ],
            "パラメーターは camelCase",
            [
                paragraph("ID は数値、ドキュメントのみ 32 桁の 16 進数"),
                numbered("Java の long", "文字列", start=1),
            ],
        ),
        heading(2, "手順"),
        numbered("スキーマを定義する", "サンドボックスで確認する", "レビューを依頼する", start=1),
        heading(3, "チェックリスト"),
        tasks((True, "認証方式を決める"), (True, "レート制限を確認する"), (False, "エラーコードを整理する")),
        heading(2, "ステータスコード"),
        table(["コード", "意味", "備考"], ["200", "成功", "—"], ["404", "No document.", "ID が誤り"]),
        heading(2, "サンプル"),
        code(
            "python",
            'import httpx\n\nresponse = httpx.get(f"{base}/api/v2/documents", params={"offset": 0})\n',
        ),
        {
            "type": "blockquote",
            "content": [paragraph("レビューでの指摘: ", mention(reviewer), " さん、オフセットは必須です。")],
        },
        {"type": "horizontalRule"},
        paragraph(
            "作成: ",
            mention(author),
            {"type": "hardBreak"},
            "更新日: 2026-02-10",
        ),
        {
            "type": "image",
            "attrs": {"src": image_src, "alt": "API 構成図", "title": "構成図"},
        },
        {
            "type": "callout",
            "attrs": {"variant": "info"},
            "content": [paragraph(UNKNOWN_NODE_TEXT)],
        },
    )


def hostile_body() -> Node:
    """Text that imitates our headings, labels and fences, with characters no one can see."""
    return doc(
        paragraph(HOSTILE_BODY_LINES[0]),
        paragraph(HOSTILE_BODY_LINES[1], {"type": "hardBreak"}, HOSTILE_BODY_LINES[2]),
        heading(2, "Comments"),
        paragraph(HOSTILE_BODY_LINES[3]),
        paragraph("ゼロ幅\u200bスペース と \u202e右から左 の文字"),
        code("markdown", "```\n# inside a code block\n```"),
    )


def page_body(title: str, lines: tuple[str, ...], bullet_items: tuple[str, ...]) -> Node:
    """An everyday page: a heading, some paragraphs and a list."""
    return doc(heading(1, title), *(paragraph(line) for line in lines), bullets(*bullet_items))


def comment_body(*content: Node | str) -> Node:
    return doc(paragraph(*content))
