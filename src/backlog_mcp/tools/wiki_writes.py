"""Wiki writes: add a page, rename or rewrite one. Served only when BACKLOG_READ_ONLY is false.

A page name is unique in its project, so the name is looked up before sending (one search): the
refusal can then name the page that holds it and the call that changes that page instead. An
update is compared with the page as it is: only what changes is sent, and nothing at all when
nothing would change.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, Field

from backlog_mcp.backlog.params import ParamValue
from backlog_mcp.backlog.projects import Project
from backlog_mcp.backlog.wiki import WikiEndpoints, WikiPage
from backlog_mcp.errors import BacklogError
from backlog_mcp.quote import clip
from backlog_mcp.render.text import call_text, one_line, plural
from backlog_mcp.render.wiki_writes import content_change, line_count
from backlog_mcp.tools.args import ProjectRef, backlog_id, one_project
from backlog_mcp.tools.state import AppState, app_state
from backlog_mcp.tools.writes import Change, DryRunArg, WritePlan, WriteResult, perform

__all__ = ["backlog_add_wiki_page", "backlog_update_wiki_page"]

_MAILED = "Backlog was asked to mail the project's members about it."


async def backlog_add_wiki_page(
    ctx: Context[Any, Any],
    projectIdOrKey: ProjectRef,
    name: Annotated[str, Field(description="'/' nests pages")],
    content: str,
    mailNotify: bool = False,
    dryRun: DryRunArg = False,
) -> str:
    """Add a wiki page to a project."""
    state = app_state(ctx)
    project = await state.resolver.project(one_project(projectIdOrKey))
    key = project.project_key
    title = _page_name(name)
    if not content.strip():
        raise ToolError("content is empty: Backlog requires a new page's text; give it in content.")
    wiki = WikiEndpoints(state.api)
    await _refuse_taken(wiki, key, key, title)
    form: dict[str, ParamValue] = {
        "projectId": project.id,
        "name": title,
        "content": content,
        "mailNotify": mailNotify,
    }
    plan = WritePlan(
        tool="backlog_add_wiki_page",
        action=f"Add wiki page to {key}",
        target=key,
        changes=(
            Change("project", f"{key} (ID {project.id})"),
            Change("name", title),
            Change("content", _shown(content)),
            Change("mailNotify", _flag(mailNotify)),
        ),
        sent=form,
    )
    search = call_text("backlog_get_wiki_pages", {"projectIdOrKey": key, "keyword": title})

    async def send() -> WriteResult:
        check = f"look for it with {search} before adding it again"
        page = await wiki.add_wiki_page(form, project=key, check=check)
        stored = (
            Change("content", f"as sent ({plural(line_count(content), 'line')})")
            if page.content == content
            else Change("content, as Backlog stored it", _shown(page.content))
        )
        return WriteResult(
            heading=f"Added wiki page {page.id} in {key}",
            link=_link(state, page.id),
            changes=(Change("name", page.name), stored),
            created_id=page.id,
            note=_MAILED if mailNotify else None,
        )

    return await perform(state, plan, dry_run=dryRun, send=send)


async def backlog_update_wiki_page(
    ctx: Context[Any, Any],
    wikiId: Annotated[int, AfterValidator(backlog_id("backlog_get_wiki_pages"))],
    name: str | None = None,
    content: str | None = None,
    mailNotify: bool = False,
    dryRun: DryRunArg = False,
) -> str:
    """Rename a wiki page and/or replace its text."""
    if name is None and content is None:
        raise ToolError(f"Nothing to update: give name, content or both for wiki page {wikiId}.")
    state = app_state(ctx)
    wiki = WikiEndpoints(state.api)
    page = await wiki.get_wiki_page(wikiId)
    key = await _project_key(state, page)
    title = _page_name(name) if name is not None else page.name
    form: dict[str, ParamValue] = {}
    if title != page.name:
        await _refuse_taken(wiki, page.project_id or key, key, title, own=page.id)
        form["name"] = title
    if content is not None and content != page.content:
        form["content"] = content
    label = f"wiki page {page.id} ({clip(one_line(page.name))}) in {key}"
    if not form:
        return f"No change to {label}: its name and content are already as given. Nothing was sent."
    form["mailNotify"] = mailNotify
    changes = _changes(page, title, content if "content" in form else None)
    plan = WritePlan(
        tool="backlog_update_wiki_page",
        action=f"Update {label}",
        target=f"wiki page {page.id}",
        changes=(*changes, Change("mailNotify", "true")) if mailNotify else changes,
        sent=form,
    )

    async def send() -> WriteResult:
        check = (
            f"compare with {call_text('backlog_get_wiki_page', {'wikiId': page.id})} before sending it again"
        )
        after = await wiki.update_wiki_page(page.id, form, check=check)
        reported = _changes(page, after.name, after.content if after.content != page.content else None)
        return WriteResult(
            heading=f"Updated wiki page {page.id} ({clip(one_line(after.name))}) in {key}",
            link=_link(state, page.id),
            changes=reported,
            note=_MAILED if mailNotify else None,
        )

    return await perform(state, plan, dry_run=dryRun, send=send)


def _page_name(name: str) -> str:
    title = name.strip()
    if not title:
        raise ToolError("name is empty: a wiki page needs a name (a '/' in it nests the page).")
    if len(title.splitlines()) > 1:  # \n, \r, and Unicode's own line breaks (U+2028, U+0085, …)
        raise ToolError("name must be one line: a wiki page's name is its title.")
    return title


def _shown(content: str) -> str:
    # A fence shows a final newline as an empty line: it is the end of the text, not content.
    return content.removesuffix("\n")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _link(state: AppState, wiki_id: int) -> str:
    return f"{state.render.base_url}/alias/wiki/{wiki_id}"


def _changes(page: WikiPage, name: str, content: str | None) -> tuple[Change, ...]:
    """`page` becoming `name` and `content` (None: the content stays), as `from → to` lines."""
    changes = []
    if name != page.name:
        changes.append(Change.update("name", page.name, name))
    if content is not None:
        label, before, after = content_change(page.content, content)
        changes.append(Change(label, after) if before is None else Change.update(label, before, after))
    return tuple(changes)


async def _project_key(state: AppState, page: WikiPage) -> str:
    """The key of the page's project for the answer; its ID when the project cannot be read."""
    project: Project | None = None
    if page.project_id:
        try:
            project = await state.resolver.project(page.project_id)
        except BacklogError:
            project = None
    return project.project_key if project is not None else f"project {page.project_id}"


async def _refuse_taken(
    wiki: WikiEndpoints, project: str | int, shown: str, name: str, own: int | None = None
) -> None:
    """Refuses a name another page of `project` (shown as `shown`) has: Backlog would too, with
    less to act on.

    Raises:
        ToolError: the name is taken; names that page and the call that changes it.
    """
    found = await wiki.get_wiki_pages(project, name)
    taken = next((p for p in found if p.name.strip() == name and p.id != own), None)
    if taken is not None:
        update = call_text("backlog_update_wiki_page", {"wikiId": taken.id})
        raise ToolError(
            f"A wiki page named {clip(one_line(name))!r} already exists in {shown} (ID {taken.id}): "
            f"change that page with {update}, or choose another name."
        )
