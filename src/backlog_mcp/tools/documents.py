"""Document tools: a project's document tree, its documents page by page, one document in full.

Thin: parse → client → render. A document's path comes from its project's tree, kept for a short
while (`DocumentEndpoints.cached_tree`), so reading several documents of one project costs two
requests each after the first.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import AfterValidator, Field

from backlog_mcp.aio import gather
from backlog_mcp.backlog.documents import DocumentComment, DocumentEndpoints, DocumentTree
from backlog_mcp.errors import BacklogError, BacklogNotFoundError
from backlog_mcp.quote import echo
from backlog_mcp.render.documents import render_document, render_document_list, render_tree
from backlog_mcp.tools.args import MAX_PAGE, Count, ProjectRef, nfkc, one_project, within
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import AppState, app_state

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
_offset = within(0, "0 or more, as an offset into the list")


async def backlog_get_document_tree(ctx: Context[AppState, Any], projectIdOrKey: ProjectRef) -> str:
    """A project's documents as an outline, with their IDs."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    return render_tree(await DocumentEndpoints(state.api).get_tree(project), project=project)


async def backlog_get_documents(
    ctx: Context[AppState, Any],
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


async def backlog_get_document(ctx: Context[AppState, Any], documentId: DocumentId) -> str:
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


TOOLSET = Toolset(
    "documents",
    (
        ToolDef(backlog_get_document_tree, "Get document tree"),
        ToolDef(backlog_get_documents, "List documents"),
        ToolDef(backlog_get_document, "Get document"),
    ),
    default=False,
)
