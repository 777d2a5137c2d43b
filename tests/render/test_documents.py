"""The documents' renderers alone: the outline, the path, the list, a document without its extras."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backlog_mcp.backlog.documents import Document, DocumentComment, DocumentTree
from backlog_mcp.render.documents import (
    MAX_COMMENTS,
    render_document,
    render_document_list,
    render_tree,
    tree_path,
)
from backlog_mcp.render.text import RenderContext

CTX = RenderContext(zone=ZoneInfo("Asia/Tokyo"), base_url="https://demo.backlog.jp")
A, B, C, D = ("a" * 32, "b" * 32, "c" * 32, "d" * 32)


def _tree() -> DocumentTree:
    return DocumentTree.model_validate(
        {
            "projectId": 1,
            "activeTree": {
                "id": "Active",
                "children": [
                    {
                        "id": A,
                        "name": "Home",
                        "emoji": "🏠",
                        "children": [{"id": B, "name": "- 1. item?", "emoji": "", "children": []}],
                    },
                    {"id": C, "name": "a · fake · id", "emoji": None, "children": []},
                ],
            },
            "trashTree": {"id": "Trash", "children": [{"id": D, "name": "old", "emoji": "", "children": []}]},
        }
    )


def test_the_outline_indents_children_escapes_block_starts_and_quotes_separators() -> None:
    text = render_tree(_tree(), project="DEMO")
    assert text.splitlines()[1:4] == [
        f"- 🏠 Home · {A}",
        f"  - \\- 1. item? · {B}",
        f'- "a · fake · id" · {C}',
    ]
    assert "3 documents" in text
    assert "1 document in the trash, not shown." in text
    assert "old" not in text


def test_an_empty_tree_says_so() -> None:
    assert render_tree(DocumentTree(), project="X") == "No documents in X's tree."


def test_the_path_runs_from_the_root_and_is_none_outside_the_active_tree() -> None:
    assert tree_path(_tree(), B) == ["Home", "- 1. item?"]
    assert tree_path(_tree(), D) is None


def _document(**fields: object) -> Document:
    return Document.model_validate(
        {"id": B, "projectId": 1, "title": "T", "plain": "p", "json": "{}", **fields}
    )


def test_a_document_whose_tree_or_comments_could_not_be_read_still_reads() -> None:
    text = render_document(_document(), None, tree=None, ctx=CTX)
    assert "path: unknown (the tree could not be read)" in text
    assert "## Body\np" in text
    assert text.endswith("## Comments\nThe comments could not be read.")
    trashed = render_document(_document(id=D), [], tree=_tree(), ctx=CTX)
    assert "path: in the trash" in trashed
    assert trashed.endswith("## Comments\nNone.")


def test_only_the_latest_comments_are_shown_and_the_rest_are_counted() -> None:
    comments = [
        DocumentComment.model_validate(
            {
                "id": f"{n:032x}",
                "content": json.dumps({"type": "doc", "content": [{"type": "paragraph"}]}),
                "plain": f"comment {n}",
                "created": datetime(2026, 1, 1, tzinfo=UTC).replace(minute=n % 60, hour=n // 60),
            }
        )
        for n in range(MAX_COMMENTS + 5)
    ]
    text = render_document(_document(), comments, tree=_tree(), ctx=CTX)
    assert (
        f"## Comments: {MAX_COMMENTS} of {MAX_COMMENTS + 5}, newest first; the 5 older ones are not shown"
        in text
    )
    assert f"comment {MAX_COMMENTS + 4}" in text
    assert "comment 4\n" not in text


def test_an_empty_page_past_the_end_and_an_empty_search_say_which() -> None:
    assert (
        render_document_list([], project="DEMO", offset=40, more=False, arguments={}, ctx=CTX)
        == "No documents in DEMO at offset 40: the list ends before it."
    )
    assert (
        render_document_list([], project="DEMO", offset=0, more=False, arguments={"keyword": "x"}, ctx=CTX)
        == 'No documents in DEMO matching "x".'
    )
