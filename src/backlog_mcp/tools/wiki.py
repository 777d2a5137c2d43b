"""Wiki tools: a project's pages, one page whole, and (tools/wiki_writes.py) adding and updating pages."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import AfterValidator, Field

from backlog_mcp.aio import gather
from backlog_mcp.backlog.projects import Project
from backlog_mcp.backlog.wiki import WikiEndpoints
from backlog_mcp.errors import BacklogError
from backlog_mcp.render.wiki import render_wiki_page, render_wiki_pages
from backlog_mcp.tools.args import ProjectRef, backlog_id, one_project
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import app_state
from backlog_mcp.tools.wiki_writes import backlog_add_wiki_page, backlog_update_wiki_page
from backlog_mcp.tools.writes import WRITE_ADDS, WRITE_OVERWRITES

__all__ = ["TOOLSET"]


async def backlog_get_wiki_pages(
    ctx: Context[Any, Any],
    projectIdOrKey: ProjectRef,
    keyword: Annotated[str | None, Field(description="In names and content")] = None,
) -> str:
    """A project's wiki pages: ID, name, tags, last update; the total."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    wiki = WikiEndpoints(state.api)
    needle = (keyword or "").strip() or None
    if needle:  # Backlog does not page the wiki: the matching pages are the whole answer
        pages = await wiki.get_wiki_pages(project, needle)
        total = len(pages)
    else:
        pages, total = await gather(wiki.get_wiki_pages(project), wiki.count_wiki_pages(project))
    return render_wiki_pages(pages, project=project, keyword=needle, total=total, ctx=state.render)


async def backlog_get_wiki_page(
    ctx: Context[Any, Any],
    wikiId: Annotated[int, AfterValidator(backlog_id("backlog_get_wiki_pages"))],
) -> str:
    """One wiki page: content as stored, tags, attachments, shared files."""
    state = app_state(ctx)
    page = await WikiEndpoints(state.api).get_wiki_page(wikiId)
    project: Project | None = None
    if page.project_id:
        try:  # its key and text format; looked up once per process
            project = await state.resolver.project(page.project_id)
        except BacklogError:
            project = None  # the page is still worth showing, with its project's ID
    return render_wiki_page(page, state.render, project=project)


TOOLSET = Toolset(
    "wiki",
    (
        ToolDef(backlog_get_wiki_pages, "List wiki pages"),
        ToolDef(backlog_get_wiki_page, "Get wiki page"),
        ToolDef(backlog_add_wiki_page, "Add wiki page", annotations=WRITE_ADDS, writes=True),
        ToolDef(backlog_update_wiki_page, "Update wiki page", annotations=WRITE_OVERWRITES, writes=True),
    ),
    default=False,
)
