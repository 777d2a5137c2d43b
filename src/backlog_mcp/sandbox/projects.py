"""The projects' routes: the list, one project, and its members and reference lists."""

from __future__ import annotations

from starlette.requests import Request

from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.query import Params
from backlog_mcp.sandbox.site import Handler, Route, Site

__all__ = ["routes"]

# Path segment → the `ProjectRecord` attribute it serves.
_PROJECT_LISTS = {
    "users": "users",
    "statuses": "statuses",
    "issueTypes": "issue_types",
    "categories": "categories",
    "versions": "versions",
    "customFields": "custom_fields",
}


def routes(site: Site) -> list[Route]:
    def projects(request: Request, args: dict[str, str]) -> list[JSON]:
        archived = Params(request.query_params).boolean("archived")
        return [
            project.json
            for project in site.space.projects
            if archived is None or project.json["archived"] == archived
        ]

    def project_list(attribute: str) -> Handler:
        return lambda request, args: getattr(site.project(args), attribute)

    return [
        (("projects",), projects),
        (("projects", "{project}"), lambda request, args: site.project(args).json),
        *(
            (("projects", "{project}", segment), project_list(attr))
            for segment, attr in _PROJECT_LISTS.items()
        ),
    ]
