"""Document tools: a project's document tree, its documents page by page, one document in full.

Thin: parse → client → render. A document's path comes from its project's tree, kept for a short
while (`DocumentEndpoints.cached_tree`), so reading several documents of one project costs two
requests each after the first.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, Field

from backlog_mcp.aio import gather
from backlog_mcp.backlog.documents import DocumentComment, DocumentEndpoints, DocumentTree, TreeNode
from backlog_mcp.backlog.params import Params
from backlog_mcp.errors import BacklogError, BacklogNotFoundError
from backlog_mcp.quote import echo
from backlog_mcp.render.documents import document_url, render_document, render_document_list, render_tree
from backlog_mcp.render.text import call_text, one_line
from backlog_mcp.tools.args import MAX_PAGE, Count, ProjectRef, nfkc, one_project, within
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import Accounts, app_state
from backlog_mcp.tools.writes import WRITE_ADDS, Change, DryRunArg, WritePlan, WriteResult, perform

__all__ = ["TOOLSET", "document_id"]

_HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def document_id(value: str) -> str:
    """A document ID as Backlog gives them (32 hexadecimal digits, lower case), or ValueError."""
    text = nfkc(value).lower()
    if not _HEX_ID.match(text):
        raise ValueError(
            "must be a document ID: 32 hexadecimal characters, as backlog_get_documents or "
            f"backlog_get_document_tree show them (got {echo(value)})"
        )
    return text


DocumentId = Annotated[str, AfterValidator(document_id), Field(description="32-hex document ID")]
_MAX_EMOJI_CHARS = 16


def _title(value: str) -> str:
    title = value.strip()
    if not title or len(title.splitlines()) > 1:  # Unicode's line breaks too (U+2028, U+0085, …)
        raise ValueError(f"must be the document's title: one line, not empty (got {echo(value)})")
    return title


def _emoji(value: str | None) -> str | None:
    emoji = (value or "").strip() or None
    if emoji is not None and (len(emoji) > _MAX_EMOJI_CHARS or any(ch.isspace() for ch in emoji)):
        raise ValueError(f"must be one emoji, like 📘 (got {echo(value)})")
    return emoji


TitleArg = Annotated[str, AfterValidator(_title)]
EmojiArg = Annotated[str | None, AfterValidator(_emoji)]
ParentArg = Annotated[
    str | None,
    AfterValidator(lambda v: None if v is None else document_id(v)),
]
_offset = within(0, "0 or more, as an offset into the list")


async def backlog_get_document_tree(ctx: Context[Accounts, Any], projectIdOrKey: ProjectRef) -> str:
    """A project's documents as an outline, with their IDs."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    return render_tree(await DocumentEndpoints(state.api).get_tree(project), project=project)


async def backlog_get_documents(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectRef,
    keyword: Annotated[str | None, Field(description="In title and text")] = None,
    count: Count = 20,
    offset: Annotated[int, AfterValidator(_offset)] = 0,
) -> str:
    """A project's documents, newest update first: ID, title, tags."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    project_id = await state.resolver.project_id(project)
    words = (keyword or "").strip() or None
    # One more than asked, where Backlog's page allows it: whether a next page exists is then
    # known, not guessed, so the next-page call never leads to an empty page.
    probe = min(count + 1, MAX_PAGE)
    api = DocumentEndpoints(state.api)
    listing = api.get_documents([project_id], keyword=words, offset=offset, count=probe)
    total: int | None = None
    if words is None:  # Backlog has no count of documents; without a keyword the tree is one
        page, tree = await gather(listing, api.cached_tree(project_id))
        total = tree.active_tree.size()
    else:
        page = await listing
    more = len(page) > count if probe > count else len(page) == count
    arguments = {"projectIdOrKey": project, "keyword": words, "count": count}
    return render_document_list(
        page[:count], project=project, offset=offset, more=more, total=total, arguments=arguments,
        ctx=state.render,
    )  # fmt: skip


async def backlog_get_document(ctx: Context[Accounts, Any], documentId: DocumentId) -> str:
    """One document: path, tags, attachments, body as Markdown, latest comments."""
    state = app_state(ctx)
    api = DocumentEndpoints(state.api)

    async def comments() -> list[DocumentComment] | None:
        # A missing document fails both requests: its own error is the one to report.
        try:
            return await api.get_comments(documentId)
        except BacklogNotFoundError:
            return None

    document, found = await gather(api.get_document(documentId), comments())
    tree: DocumentTree | None = None
    if document.project_id is not None:
        try:
            tree = await api.cached_tree(document.project_id)
        except BacklogError:  # the path is a convenience: the document itself was read
            tree = None
    return render_document(document, found, tree=tree, ctx=state.render)


def _find(nodes: list[TreeNode], wanted: str) -> TreeNode | None:
    for node in nodes:
        if node.id.lower() == wanted:
            return node
        found = _find(node.children, wanted)
        if found is not None:
            return found
    return None


async def _parent(api: DocumentEndpoints, project_id: int, project: str, parent: str) -> TreeNode:
    """The parent page in the project's tree (a kept tree first; a page it lacks may be new)."""
    found = _find((await api.cached_tree(project_id)).active_tree.children, parent)
    if found is None:
        found = _find((await api.get_tree(project_id)).active_tree.children, parent)
    if found is None:
        tree = call_text("backlog_get_document_tree", {"projectIdOrKey": project})
        raise ToolError(
            f"parentId {parent} is not a document in project {project}'s tree (a page in the trash "
            f"takes no children): {tree} lists its documents with their IDs."
        )
    return found


async def backlog_add_document(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectRef,
    title: TitleArg,
    content: Annotated[str, Field(description="Markdown")],
    parentId: ParentArg = None,
    emoji: EmojiArg = None,
    dryRun: DryRunArg = False,
) -> str:
    """Add a document (under parentId if given)."""
    state = app_state(ctx)
    project = await state.resolver.project(one_project(projectIdOrKey))
    key = project.project_key
    api = DocumentEndpoints(state.api)
    parent = await _parent(api, project.id, key, parentId) if parentId else None
    changes = [Change("title", title)]
    if emoji:
        changes.append(Change("emoji", emoji))
    if parent is not None:
        changes.append(Change("parent", f"{one_line(parent.name)} (ID {parent.id})"))
    changes.append(Change("content", content))
    form: Params = {
        "projectId": project.id,
        "title": title,
        "content": content,
        "emoji": emoji,
        "parentId": parentId,
    }
    check = (
        f"look at {call_text('backlog_get_document_tree', {'projectIdOrKey': key})} before sending it again"
    )
    plan = WritePlan(
        tool="backlog_add_document",
        action=f"Add document to {key} ({one_line(project.name)})",
        target=key,
        changes=tuple(changes),
        sent=form,
    )

    async def send() -> WriteResult:
        added = await api.add_document(form, project=key, check=check)
        return WriteResult(
            heading=f"Added document {added.id} to {key}",
            link=document_url(key, added.id, state.render),
            changes=(Change("title", added.title), *changes[1:-1]),
            created_id=added.id,
        )

    return await perform(state, plan, dry_run=dryRun, send=send)


TOOLSET = Toolset(
    "documents",
    (
        ToolDef(backlog_get_document_tree, "Get document tree"),
        ToolDef(backlog_get_documents, "List documents"),
        ToolDef(backlog_get_document, "Get document"),
        ToolDef(backlog_add_document, "Add document", annotations=WRITE_ADDS, writes=True),
    ),
    default=False,
)
