"""The attachments' routes: downloading an issue's attachment (other owners' in their own areas),
and uploading a file (`POST space/attachment`) that a later issue or comment write attaches."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.bodies import FileBody, small_file
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import invalid, not_found
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.site import Route, Site, WriteRoute, path_int

__all__ = ["Uploads", "routes", "uploads", "write_routes"]

_FIRST_UPLOAD_ID = 1076500000


@dataclass(slots=True)
class Uploads:
    """Uploaded files not attached yet: Backlog keeps them until an issue or comment takes them."""

    pending: dict[int, tuple[str, FileBody]] = field(default_factory=dict)
    next_id: int = _FIRST_UPLOAD_ID

    def take(self, attachment_id: int) -> tuple[str, FileBody]:
        found = self.pending.pop(attachment_id, None)
        if found is None:
            raise invalid("attachmentId", f"No uploaded attachment {attachment_id}.")
        return found


def uploads(space: DemoSpace) -> Uploads:
    return Uploads()


def routes(site: Site) -> list[Route]:
    def download(request: Request, args: dict[str, str]) -> Response:
        issue = site.issue(args)
        attachment_id = path_int(args["attachmentId"], "attachmentId")
        file = issue.files.get(attachment_id)
        if file is None:
            raise not_found("attachment")
        return site.download(request, attachment_id, file.name, file.body)

    return [(("issues", "{issue}", "attachments", "{attachmentId}"), download)]


def write_routes(site: Site) -> list[WriteRoute]:
    async def upload(request: Request, args: dict[str, str]) -> JSON:
        async with request.form() as form:  # closes the spooled temporary file
            file = form.get("file")
            if not isinstance(file, UploadFile):
                raise invalid("file", "file is required (multipart/form-data).")
            data = await file.read()
            name = file.filename or "file"
        store = site.space.area(uploads)
        attachment_id = store.next_id
        store.next_id += 1
        store.pending[attachment_id] = (name, small_file(data))
        return {"id": attachment_id, "name": name, "size": len(data)}

    return [("POST", ("space", "attachment"), upload)]
