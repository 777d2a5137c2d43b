"""Wiki pages as compact Markdown: the list of a project's pages, and one page whole."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from backlog_mcp.backlog.projects import Project
from backlog_mcp.backlog.wiki import WikiPage, WikiPageSummary
from backlog_mcp.quote import clip
from backlog_mcp.render.text import (
    EMPTY,
    RenderContext,
    call_text,
    fenced,
    human_size,
    one_line,
    plural,
    table,
    user_label,
    user_name,
)

__all__ = ["MAX_LISTED_PAGES", "render_wiki_page", "render_wiki_pages"]

# Backlog lists a project's wiki in one answer, however many pages: past this many rows the list
# shows the most recently updated, and says how to reach the rest.
MAX_LISTED_PAGES = 300
_FORMATS = {"markdown": "Markdown", "backlog": "Backlog notation"}
_OLDEST = datetime.min.replace(tzinfo=UTC)


def _tags(page: WikiPageSummary) -> str:
    return ", ".join(user_name(tag.name) for tag in page.tags)


def render_wiki_pages(
    pages: Sequence[WikiPageSummary], *, project: str, keyword: str | None, total: int, ctx: RenderContext
) -> str:
    """The pages' IDs, names, tags and last update; `total` is the project's count (or, with a
    keyword, how many matched: Backlog does not page the wiki, so the list is the whole answer)."""
    scope = f" in {project}" + (f" matching {clip(one_line(keyword))!r}" if keyword else "")
    if not pages:
        return f"No wiki pages{scope}."
    shown = list(pages)
    if len(shown) > MAX_LISTED_PAGES:
        shown = sorted(shown, key=lambda p: p.updated or _OLDEST, reverse=True)[:MAX_LISTED_PAGES]
        head = (
            f"The {len(shown)} most recently updated of {plural(len(pages), 'wiki page')}{scope} "
            "(no more fit one answer; give a keyword, matched against names and content, to reach the rest):"
        )
    elif len(shown) < total and not keyword:
        head = f"{plural(len(shown), 'wiki page')}{scope} listed by Backlog, of {total} it counts:"
    else:
        head = f"{plural(len(shown), 'wiki page')}{scope}, all shown:"
    rows = [[p.id, p.name, _tags(p), ctx.when(p.updated), user_label(p.updated_user)] for p in shown]
    lines = [head, table(["ID", "Name", "Tags", "Updated", "By"], rows)]
    lines.append(
        f"Open one: {call_text('backlog_get_wiki_page', {'wikiId': '<ID>'})}".replace('"<ID>"', "<ID>")
    )
    return "\n".join(lines)


def render_wiki_page(page: WikiPage, ctx: RenderContext, *, project: Project | None) -> str:
    """Every field of a page, its content as stored (fenced like an issue's description), its
    attachments and shared files with the IDs the attachment tools take."""
    if project is not None:
        where = f"{project.project_key} (ID {project.id})"
        notation = _FORMATS.get(project.text_formatting_rule or "", one_line(project.text_formatting_rule))
        where += f" · Format: {notation or EMPTY}"
    else:
        where = f"ID {page.project_id}" if page.project_id else EMPTY
    lines = [
        f"# Wiki page {page.id}: {one_line(page.name)}",
        f"Project: {where} · Tags: {_tags(page) or EMPTY}",
        f"Created: {ctx.when(page.created)} by {user_label(page.created_user)}"
        f" · Updated: {ctx.when(page.updated)} by {user_label(page.updated_user)}",
        "## Content",
    ]
    content = page.content.strip()
    # Fenced: the page's own headings and fences must not read as parts of this answer.
    lines.append(fenced(content) if content else "(empty)")
    if page.attachments:
        rows = [[a.id, a.name, human_size(a.size)] for a in page.attachments]
        lines += [f"## Attachments ({len(page.attachments)})", table(["ID", "Name", "Size"], rows)]
        read = {"wikiId": page.id, "attachmentId": "<ID>"}
        lines.append(
            f"Read one: {call_text('backlog_get_attachment_content', read)}".replace('"<ID>"', "<ID>")
        )
    if page.shared_files:
        rows = [[f.id, f"{f.dir}{f.name}", human_size(f.size)] for f in page.shared_files]
        lines += [f"## Shared files ({len(page.shared_files)})", table(["ID", "Path", "Size"], rows)]
        key = project.project_key if project is not None else page.project_id
        read = {"projectIdOrKey": key, "sharedFileId": "<ID>"}
        lines.append(
            f"Read one: {call_text('backlog_get_attachment_content', read)}".replace('"<ID>"', "<ID>")
        )
    return "\n".join(lines)
