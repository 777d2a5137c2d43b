"""Document writes, held in memory: `POST /documents` (Backlog's "add document").

Backlog takes the body as Markdown (`content`) and stores it as ProseMirror JSON; its answer is
shaped unlike the reads (the docs' example): `json` an object rather than a string, and
`createdUserId`/`updatedUserId` rather than user objects. The added page joins its project's
tree first among its siblings, or last with `addLast=true`, and shows in the list and by ID.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from starlette.requests import Request

from backlog_mcp.sandbox import document_bodies as pm
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.documents import DocumentRecord, Documents, build, doc_user
from backlog_mcp.sandbox.errors import invalid
from backlog_mcp.sandbox.forms import Form, write_clock
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.site import Site, WriteRoute

__all__ = ["DocumentWrites", "markdown_doc"]

_ID_PREFIX = "019c"  # after the demo pages' `019a…`: Backlog's IDs grow with time
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)\s*$")


@dataclass(slots=True)
class _Added:
    serial: int = 0


def _added(space: DemoSpace) -> _Added:
    return _Added()


def markdown_doc(markdown: str) -> pm.Node:
    """Enough of Markdown for the sandbox: headings, lists, fenced code, a paragraph per line.

    Every line's text is kept, so what an agent wrote reads back in full.
    """
    blocks: list[pm.Node] = []
    lines = markdown.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence[1]), len(lines))
            body = "\n".join(lines[i + 1 : end])
            blocks.append(pm.code(fence[2], body) if body else {"type": "codeBlock", "attrs": {}})
            i = end + 1
            continue
        if (found := _HEADING.match(line)) and found[2].strip():
            blocks.append(pm.heading(len(found[1]), found[2].strip()))
        elif _BULLET.match(line) or _NUMBERED.match(line):
            pattern = _BULLET if _BULLET.match(line) else _NUMBERED
            items = []
            while i < len(lines) and (item := pattern.match(lines[i])):
                items.append(item[item.lastindex or 1])
                i += 1
            blocks.append(pm.bullets(*items) if pattern is _BULLET else pm.numbered(*items))
            continue
        elif line.strip():
            blocks.append(pm.paragraph(line))
        i += 1
    return pm.doc(*blocks)


class DocumentWrites:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.space = site.space

    def routes(self) -> list[WriteRoute]:
        return [("POST", ("documents",), self.add_document)]

    async def add_document(self, request: Request, args: dict[str, str]) -> JSON:
        form = Form.read(await request.form())
        project_id = form.required_integer("projectId")
        project = self.space.project(str(project_id))
        if project is None:
            raise invalid("projectId", f"No project {project_id}.")
        if not project.json.get("useDocument", True):
            raise invalid("projectId", "Documents are not enabled in the project.")
        data: Documents = self.space.area(build)
        parent = form.text("parentId") or None
        if parent is not None:
            found = data.by_id.get(parent.lower())
            if found is None or found.project_key != project.key or found.trashed:
                raise invalid("parentId", f"No document {parent} in the project.")
            parent = found.id
        add_last = (form.text("addLast") or "false").lower()
        if add_last not in ("true", "false"):
            raise invalid("addLast", "addLast must be true or false.")
        counter = self.space.area(_added)
        counter.serial += 1
        now = self.space.area(write_clock).now()
        content = form.text("content") or ""
        tree = markdown_doc(content)
        me = doc_user(self.space.myself)
        record = DocumentRecord(json={}, project_key=project.key, parent=parent, trashed=False)
        record.json = {
            "id": f"{_ID_PREFIX}{counter.serial:028x}",
            "projectId": project.id,
            "title": form.text("title") or "",
            "plain": content,
            "json": pm.serialise(tree),
            "statusId": 1,
            "emoji": form.text("emoji") or None,
            "attachments": [],
            "tags": [],
            "createdUser": me,
            "created": now,
            "updatedUser": me,
            "updated": now,
        }
        # The tree lists siblings in the order of `records`: first is index 0, last is the end.
        if add_last == "true":
            data.records.append(record)
        else:
            data.records.insert(0, record)
        data.by_id[record.id] = record
        return _answer(record.json, me)


def _answer(document: JSON, me: JSON) -> JSON:
    """Shaped as the docs' example of this endpoint, which differs from the document read back."""
    return {
        "id": document["id"],
        "projectId": document["projectId"],
        "title": document["title"],
        "json": json.loads(document["json"]),
        "plain": document["plain"],
        "statusId": document["statusId"],
        "emoji": document["emoji"],
        "createdUserId": me["id"],
        "created": document["created"],
        "updatedUserId": me["id"],
        "updated": document["updated"],
    }
