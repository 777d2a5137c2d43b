"""The shared-files area: a project's folders and files, one folder at a time, and a file's body."""

from __future__ import annotations

from datetime import datetime

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.models import Model, User
from backlog_mcp.backlog.params import Params
from backlog_mcp.errors import BacklogNotFoundError

__all__ = ["MAX_FILE_PAGE", "FileEndpoints", "SharedFileEntry", "folder_path"]

MAX_FILE_PAGE = 1000  # Backlog's largest page of shared files (other lists stop at 100)


class SharedFileEntry(Model):
    """A folder (`type` `directory`) or a file, as a folder's listing gives it."""

    id: int
    project_id: int | None = None
    type: str = "file"
    dir: str = "/"
    name: str = ""
    size: int | None = None
    created_user: User | None = None
    created: datetime | None = None
    updated_user: User | None = None
    updated: datetime | None = None

    @property
    def is_folder(self) -> bool:
        return self.type == "directory"

    @property
    def path(self) -> str:
        """Where it is: `/design/ロゴ.png`, or `/design/mockups/` for a folder."""
        return f"{self.dir}{self.name}/" if self.is_folder else f"{self.dir}{self.name}"


def folder_path(folder: str) -> str:
    """The URL path of a normalised folder (`/設計/図/`): each name percent-encoded on its own, so
    a name cannot add a segment or a query; the root is the empty rest (`files/metadata/`)."""
    return "/".join(segment(part) for part in folder.strip("/").split("/") if part)


class FileEndpoints(EndpointGroup):
    async def get_shared_files(
        self, project: str | int, folder: str, *, count: int, offset: int
    ) -> list[SharedFileEntry]:
        """One page of the folder `folder` (normalised: `/` or `/a/b/`)."""
        path = f"projects/{segment(project)}/files/metadata/{folder_path(folder)}"
        params: Params = {"count": count, "offset": offset, "order": "asc"}
        try:
            return await self.client.get_model(
                list[SharedFileEntry], path, params, what=f"the shared files of project {project}"
            )
        except BacklogNotFoundError as exc:
            if any("project" in d.message.lower() for d in exc.details):
                summary = f"Project {project} not found."
            else:
                summary = f"Folder {folder} not found in the shared files of project {project}."
            raise BacklogNotFoundError(summary, status=exc.status, details=exc.details) from None
