"""The attachments' routes: downloading an issue's attachment (other owners' in their own areas)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.errors import not_found
from backlog_mcp.sandbox.site import Route, Site, path_int

__all__ = ["routes"]


def routes(site: Site) -> list[Route]:
    def download(request: Request, args: dict[str, str]) -> Response:
        issue = site.issue(args)
        attachment_id = path_int(args["attachmentId"], "attachmentId")
        file = issue.files.get(attachment_id)
        if file is None:
            raise not_found("attachment")
        return site.download(request, attachment_id, file.name, file.body)

    return [(("issues", "{issue}", "attachments", "{attachmentId}"), download)]
