"""Wiki writes, held in memory: add a page (`POST /wikis`) and update one (`PATCH /wikis/:wikiId`).

A page name is unique within its project, as in Backlog's UI; the key's user (the space
administrator) writes everything. Adding needs a content (Backlog marks it required); an update
may empty a page. `mailNotify` changes no payload: the pages it would have mailed
about are kept in `WikiData.mailed` so a test can see that the flag arrived.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.app import json_response
from backlog_mcp.sandbox.catalog import WEB_ORIGIN
from backlog_mcp.sandbox.errors import invalid, not_found
from backlog_mcp.sandbox.forms import Form, write_clock
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.site import Site, WriteRoute, path_int
from backlog_mcp.sandbox.wiki import WikiData, build

__all__ = ["WikiWrites"]

_WIKI_ID_BASE = 2_009_000  # above every demo page, so an added page is the newest by ID


class WikiWrites:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.space = site.space

    def routes(self) -> list[WriteRoute]:
        return [
            ("POST", ("wikis",), self.add_page),
            ("PATCH", ("wikis", "{wikiId}"), self.update_page),
        ]

    def _wiki(self) -> WikiData:
        return self.space.area(build)

    async def add_page(self, request: Request, args: dict[str, str]) -> Response:
        form = Form.read(await request.form())
        project_id = form.required_integer("projectId")
        name = _name(form)
        content = form.required_text("content")
        mail = _mail_notify(form)
        project = self.space.project(str(project_id))
        if project is None:
            raise invalid("projectId", f"No project {project_id}.")
        wiki = self._wiki()
        self._refuse_taken(wiki, project.id, name, None)
        now = self.space.area(write_clock).now()
        wiki_id = 1 + max((*wiki.pages, _WIKI_ID_BASE))
        me = self.space.myself
        page: JSON = {
            "id": wiki_id,
            "projectId": project.id,
            "name": name,
            "content": content,
            "tags": [],
            "attachments": [],
            "sharedFiles": [],
            "stars": [],
            "createdUser": me,
            "created": now,
            "updatedUser": me,
            "updated": now,
        }
        wiki.pages[wiki_id] = page
        if mail:
            wiki.mailed.append((wiki_id, "added"))
        location = f"{WEB_ORIGIN}/alias/wiki/{wiki_id}"
        return json_response(page, status=201, headers={"Location": location})

    async def update_page(self, request: Request, args: dict[str, str]) -> JSON:
        form = Form.read(await request.form())
        wiki = self._wiki()
        page = wiki.pages.get(path_int(args["wikiId"], "wikiId"))
        if page is None:
            raise not_found("wiki")
        name = _name(form) if "name" in form else None
        content = (form.text("content") or "") if "content" in form else None
        mail = _mail_notify(form)
        if name is not None:
            self._refuse_taken(wiki, int(page["projectId"]), name, int(page["id"]))
            page["name"] = name
        if content is not None:
            page["content"] = content
        page["updatedUser"] = self.space.myself
        page["updated"] = self.space.area(write_clock).now()
        if mail:
            wiki.mailed.append((int(page["id"]), "updated"))
        return page

    @staticmethod
    def _refuse_taken(wiki: WikiData, project_id: int, name: str, own_id: int | None) -> None:
        taken = next((p for p in wiki.of(project_id) if p["name"] == name and p["id"] != own_id), None)
        if taken is not None:
            raise invalid("name", f"A wiki page named this already exists in the project (ID {taken['id']}).")


def _name(form: Form) -> str:
    # Backlog keeps a page's name as typed but not with blank ends: `a/ b` and `a/b` are two pages.
    return form.required_text("name").strip()


def _mail_notify(form: Form) -> bool:
    value = (form.text("mailNotify") or "false").strip().lower()
    if value not in ("true", "false"):
        raise invalid("mailNotify", "mailNotify must be true or false.")
    return value == "true"
