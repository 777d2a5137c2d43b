"""The wiki area: pages (listed, counted, read whole, added, updated) and their attachments' bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from pydantic import Field

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.models import Attachment, Count, Model, NamedRef, SharedFile, User
from backlog_mcp.backlog.params import Params
from backlog_mcp.errors import BacklogNotFoundError

__all__ = ["WikiEndpoints", "WikiPage", "WikiPageSummary", "WikiTag"]


class WikiTag(NamedRef):
    pass


class WikiPageSummary(Model):
    """A page as `GET /wikis` lists it: no content, attachments or shared files."""

    id: int
    project_id: int | None = None
    name: str = ""
    tags: list[WikiTag] = Field(default_factory=list)
    created_user: User | None = None
    created: datetime | None = None
    updated_user: User | None = None
    updated: datetime | None = None


class WikiPage(WikiPageSummary):
    """A page as `GET /wikis/:id` gives it: the content as stored, and what is attached."""

    content: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    shared_files: list[SharedFile] = Field(default_factory=list)


@asynccontextmanager
async def _project_missing(project: str | int) -> AsyncIterator[None]:
    """A 404 of a project's wiki list is the project's: Backlog answers `No project.`"""
    try:
        yield
    except BacklogNotFoundError as exc:
        summary = f"Project {project} not found."
        raise BacklogNotFoundError(summary, status=exc.status, details=exc.details) from None


def _page_missing(wiki_id: int) -> str:
    return f"Wiki page {wiki_id} not found."


class WikiEndpoints(EndpointGroup):
    async def get_wiki_pages(self, project: str | int, keyword: str | None = None) -> list[WikiPageSummary]:
        params: Params = {"projectIdOrKey": str(project), "keyword": keyword}
        what = f"the wiki pages of project {project}"
        async with _project_missing(project):
            return await self.client.get_model(list[WikiPageSummary], "wikis", params, what=what)

    async def count_wiki_pages(self, project: str | int) -> int:
        params: Params = {"projectIdOrKey": str(project)}
        what = f"the wiki page count of project {project}"
        async with _project_missing(project):
            return (await self.client.get_model(Count, "wikis/count", params, what=what)).count

    async def get_wiki_page(self, wiki_id: int) -> WikiPage:
        try:
            return await self.client.get_model(
                WikiPage, f"wikis/{segment(wiki_id)}", what=f"wiki page {wiki_id}"
            )
        except BacklogNotFoundError as exc:
            raise BacklogNotFoundError(
                _page_missing(wiki_id), status=exc.status, details=exc.details
            ) from None

    async def add_wiki_page(self, form: Params, *, project: str, check: str) -> WikiPage:
        """`POST /wikis` (`projectId`, `name`, `content`, `mailNotify`): 201 and the new page."""
        what = f"a new wiki page in project {project}"
        return await self.client.send_form(WikiPage, "POST", "wikis", form, what=what, check=check)

    async def update_wiki_page(self, wiki_id: int, form: Params, *, check: str) -> WikiPage:
        """`PATCH /wikis/:wikiId` (`name`, `content`, `mailNotify`): the page as it is now."""
        path = f"wikis/{segment(wiki_id)}"
        try:
            return await self.client.send_form(
                WikiPage, "PATCH", path, form, what=f"wiki page {wiki_id}", check=check
            )
        except BacklogNotFoundError as exc:
            raise BacklogNotFoundError(
                _page_missing(wiki_id), status=exc.status, details=exc.details
            ) from None
