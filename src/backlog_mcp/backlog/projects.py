"""The projects area: projects, their members, and the per-project lists filters take IDs from."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.models import Model, User

__all__ = ["Category", "IssueType", "Project", "ProjectEndpoints", "Status", "Version"]

T = TypeVar("T")


class Status(Model):
    id: int
    project_id: int | None = None
    name: str = ""
    color: str | None = None
    display_order: int | None = None


class IssueType(Model):
    id: int
    project_id: int | None = None
    name: str = ""
    color: str | None = None
    display_order: int | None = None


class Category(Model):
    id: int
    project_id: int | None = None
    name: str = ""
    display_order: int | None = None


class Version(Model):
    """A version or milestone: Backlog uses one object for both."""

    id: int
    project_id: int | None = None
    name: str = ""
    description: str | None = None
    start_date: datetime | None = None
    release_due_date: datetime | None = None
    archived: bool = False
    display_order: int | None = None


class Project(Model):
    id: int
    project_key: str
    name: str = ""
    archived: bool = False
    text_formatting_rule: str | None = None
    subtasking_enabled: bool | None = None
    display_order: int | None = None


class ProjectEndpoints(EndpointGroup):
    async def get_projects(self, archived: bool | None = None) -> list[Project]:
        return await self.client.get_model(list[Project], "projects", {"archived": archived}, what="projects")

    async def get_project(self, project: str | int) -> Project:
        return await self.client.get_model(Project, f"projects/{segment(project)}", what=f"project {project}")

    async def get_project_users(self, project: str | int) -> list[User]:
        return await self._project_list(list[User], project, "users")

    async def get_statuses(self, project: str | int) -> list[Status]:
        return await self._project_list(list[Status], project, "statuses")

    async def get_issue_types(self, project: str | int) -> list[IssueType]:
        return await self._project_list(list[IssueType], project, "issueTypes")

    async def get_categories(self, project: str | int) -> list[Category]:
        return await self._project_list(list[Category], project, "categories")

    async def get_versions(self, project: str | int) -> list[Version]:
        return await self._project_list(list[Version], project, "versions")

    async def _project_list(self, model: type[T], project: str | int, path: str) -> T:
        path = f"projects/{segment(project)}/{path}"
        return await self.client.get_model(model, path, what=f"project {project}")
