"""Documents as compact Markdown: the tree as an outline, a page of the list, one document in full."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from backlog_mcp.backlog.documents import Document, DocumentComment, DocumentTree, TreeNode
from backlog_mcp.quote import clip
from backlog_mcp.render.prosemirror import to_markdown
from backlog_mcp.render.text import (
    EMPTY,
    RenderContext,
    call_text,
    human_size,
    next_call,
    one_line,
    plural,
    table,
    user_label,
)

__all__ = [
    "MAX_COMMENTS",
    "document_url",
    "render_document",
    "render_document_list",
    "render_tree",
    "tree_path",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_COMMENTS = 20  # the latest, each with all its replies
# What would start a Markdown block if a title began a line or a list item with it.
_BLOCK_START = re.compile(r"^(?:[#>+*\-=`~|\\]|\d+[.)])")
# The body's headings sit below ours (`#` title, `##` sections); a comment's below its own `###`/`####`.
BODY_HEADING_OFFSET = 2
COMMENT_HEADING_OFFSET = 4


def _title(text: str | None, emoji: str | None = None, *, in_cell: bool = False) -> str:
    """A title on one line, that cannot start a block of its own, with its emoji in front.

    In a table cell nothing starts a block, and `cell` escapes what a cell must not hold.
    """
    title = one_line(text) or "(untitled)"
    if in_cell:
        pass
    elif "·" in title:  # our separator: quoted, so it cannot pass for another field
        title = json.dumps(title, ensure_ascii=False)
    elif _BLOCK_START.match(title):
        title = "\\" + title
    mark = one_line(emoji)
    return f"{mark} {title}" if mark else title


def document_url(project_key: str, document_id: str, ctx: RenderContext) -> str:
    """The document's page in Backlog's web UI."""
    return f"{ctx.base_url}/document/{project_key}/{document_id}"


def render_tree(tree: DocumentTree, *, project: str) -> str:
    """The active tree as an indented outline with each document's ID; the trash as a count."""
    active = tree.active_tree.children
    trashed = tree.trash_tree.size()
    trash = f" {plural(trashed, 'document')} in the trash, not shown." if trashed else ""
    if not active:
        return f"No documents in {project}'s tree.{trash}"
    documents = plural(tree.active_tree.size(), "document")
    lines = [f"Document tree of {project}: {documents}, all shown (title · ID).{trash}"]

    def walk(nodes: Sequence[TreeNode], depth: int) -> None:
        for node in nodes:
            lines.append(f"{'  ' * depth}- {_title(node.name, node.emoji)} · {node.id}")
            walk(node.children, depth + 1)

    walk(active, 0)
    lines.append('Read one: backlog_get_document {"documentId":"<ID>"}')
    return "\n".join(lines)


def tree_path(tree: DocumentTree, document_id: str) -> list[str] | None:
    """The titles from the root down to the document, or None when the active tree lacks it."""

    def find(nodes: Sequence[TreeNode], trail: list[str]) -> list[str] | None:
        for node in nodes:
            here = [*trail, one_line(node.name) or "(untitled)"]
            if node.id == document_id:
                return here
            if (found := find(node.children, here)) is not None:
                return found
        return None

    return find(tree.active_tree.children, [])


def _in_trash(tree: DocumentTree, document_id: str) -> bool:
    def walk(nodes: Sequence[TreeNode]) -> bool:
        return any(node.id == document_id or walk(node.children) for node in nodes)

    return walk(tree.trash_tree.children)


def render_document_list(
    documents: Sequence[Document],
    *,
    project: str,
    offset: int,
    more: bool,
    arguments: Mapping[str, Any],
    ctx: RenderContext,
    total: int | None = None,
) -> str:
    """A table of one page, with the total when known (the tree's count: Backlog has no count of
    documents, nor of those matching a keyword); the next page is offered when there is one."""
    keyword = arguments.get("keyword")
    # Quoted capped: a pasted page of text need not come back whole (the next-page call has it all).
    matching = f" matching {json.dumps(clip(keyword), ensure_ascii=False)}" if keyword else ""
    if not documents:
        if offset:
            return f"No documents in {project}{matching} at offset {offset}: the list ends before it."
        return f"No documents in {project}{matching}."
    rows = [
        [
            d.id,
            _title(d.title, d.emoji, in_cell=True),
            ctx.when(d.updated),
            user_label(d.updated_user) if d.updated_user else None,
            ", ".join(one_line(t.name) for t in d.tags),
        ]
        for d in documents
    ]
    first, last = offset + 1, offset + len(documents)
    of = f" of {total} in the document tree" if total is not None else ""
    untold = "" if total is not None else " (Backlog does not tell how many match)"
    head = f"Documents in {project}{matching} {first}–{last}{of}, most recently updated first{untold}:"
    tail = next_call("backlog_get_documents", {**arguments, "offset": last}) if more else "End of list."
    return "\n".join([head, table(["ID", "Title", "Updated", "By", "Tags"], rows), tail])


def render_document(
    document: Document,
    comments: Sequence[DocumentComment] | None,
    *,
    tree: DocumentTree | None,
    ctx: RenderContext,
) -> str:
    """Title, place in the tree, tags, attachments, the body as Markdown, then the latest comments."""
    lines = [f"# {_title(document.title, document.emoji)}"]
    lines.append(
        f"ID: {document.id} · project ID {document.project_id or EMPTY} · path: {_path(document, tree)}"
    )
    if document.tags:
        lines.append("Tags: " + ", ".join(one_line(t.name) for t in document.tags))
    lines.append(
        f"Created {ctx.when(document.created)} by {user_label(document.created_user)} · "
        f"updated {ctx.when(document.updated)} by {user_label(document.updated_user)}"
    )
    if document.attachments:
        example = call_text(
            "backlog_get_attachment_content",
            {"documentId": document.id, "attachmentId": document.attachments[0].id},
        )
        lines.append(f"{plural(len(document.attachments), 'attachment')} (read one: {example}):")
        rows = [[a.id, a.name, human_size(a.size)] for a in document.attachments]
        lines.append(table(["ID", "Name", "Size"], rows))
    body = to_markdown(document.body_json, plain=document.plain, heading_offset=BODY_HEADING_OFFSET)
    parts = ["\n".join(lines), f"## Body\n{body or '(empty)'}", _comments(comments, ctx)]
    return "\n\n".join(parts)


def _path(document: Document, tree: DocumentTree | None) -> str:
    if tree is None:
        return "unknown (the tree could not be read)"
    found = tree_path(tree, document.id)
    if found is not None:
        return " / ".join(found)
    return "in the trash" if _in_trash(tree, document.id) else "not in the tree"


def _comments(comments: Sequence[DocumentComment] | None, ctx: RenderContext) -> str:
    if comments is None:
        return "## Comments\nThe comments could not be read."
    if not comments:
        return "## Comments\nNone."
    shown = sorted(comments, key=lambda c: c.created or _EPOCH, reverse=True)[:MAX_COMMENTS]
    replies = sum(len(c.replies) for c in shown)
    head = f"## Comments: {len(shown)} of {len(comments)}, newest first"
    head += f", with {plural(replies, 'reply', 'replies')}" if replies else ""
    if len(comments) > len(shown):
        head += (
            f"; the {len(comments) - len(shown)} older ones are not shown (only Backlog's web page has them)"
        )
    blocks = [head]
    for comment in shown:
        blocks.append(_one(comment, "###", "Comment", ctx))
        blocks.extend(_one(reply, "####", "Reply", ctx) for reply in comment.replies)
    return "\n\n".join(blocks)


def _one(comment: DocumentComment, level: str, kind: str, ctx: RenderContext) -> str:
    head = f"{level} {kind} {comment.id} · {user_label(comment.created_user)} · {ctx.when(comment.created)}"
    if comment.updated is not None and comment.created is not None and comment.updated != comment.created:
        head += f" (edited {ctx.when(comment.updated)})"
    text = to_markdown(comment.content, plain=comment.plain, heading_offset=COMMENT_HEADING_OFFSET)
    return f"{head}\n{text or '(empty)'}"
