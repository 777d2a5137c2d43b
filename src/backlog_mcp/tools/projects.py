"""Project and reference-data tools: projects, users, statuses, types, categories, milestones, priorities."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from backlog_mcp.backlog.models import User
from backlog_mcp.backlog.projects import ProjectEndpoints
from backlog_mcp.quote import clip
from backlog_mcp.render.projects import (
    render_categories,
    render_issue_types,
    render_milestones,
    render_priorities,
    render_projects,
    render_statuses,
    render_users,
)
from backlog_mcp.textfold import fold
from backlog_mcp.tools.args import ProjectRef, one_project
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import Accounts, app_state

__all__ = ["TOOLSET"]


def _matches(user: User, needle: str) -> bool:
    return needle in fold(user.name) or needle in fold(user.user_id or "")


async def backlog_get_projects(
    ctx: Context[Accounts, Any],
    archived: Annotated[bool | None, Field(description="true: archived only; false: active only")] = None,
) -> str:
    """Projects you can see: key, name, ID."""
    state = app_state(ctx)
    projects = await ProjectEndpoints(state.api).get_projects(archived)
    allowed = [p for p in projects if state.scope.allows_key(p.project_key)]
    text = render_projects(allowed, archived=archived)
    if len(allowed) < len(projects):  # how many, never which: their names are not ours to show
        text += f"\n{len(projects) - len(allowed)} more left out by BACKLOG_PROJECTS ({state.scope.listed})."
    return text


async def backlog_get_users(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectRef,
    keyword: Annotated[str | None, Field(description="Name or user ID")] = None,
) -> str:
    """A project's members (assigneeId values)."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    users = await state.resolver.users(project)
    needle = fold(keyword.strip()) if keyword and keyword.strip() else ""
    shown = [u for u in users if _matches(u, needle)] if needle else users
    # The keyword is quoted back capped: a pasted 100,000 characters need not return whole.
    return render_users(
        shown, project=project, keyword=clip(keyword) if keyword and needle else None, total=len(users)
    )


async def backlog_get_statuses(ctx: Context[Accounts, Any], projectIdOrKey: ProjectRef) -> str:
    """A project's statuses (statusId values)."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    return render_statuses(await state.resolver.statuses(project), project=project)


async def backlog_get_issue_types(ctx: Context[Accounts, Any], projectIdOrKey: ProjectRef) -> str:
    """A project's issue types (issueTypeId values)."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    return render_issue_types(await state.resolver.issue_types(project), project=project)


async def backlog_get_categories(ctx: Context[Accounts, Any], projectIdOrKey: ProjectRef) -> str:
    """A project's categories (categoryId values)."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    return render_categories(await state.resolver.categories(project), project=project)


async def backlog_get_milestones(
    ctx: Context[Accounts, Any],
    projectIdOrKey: ProjectRef,
    archived: Annotated[bool, Field(description="Include archived")] = False,
) -> str:
    """A project's milestones (milestoneId values)."""
    state = app_state(ctx)
    project = one_project(projectIdOrKey)
    versions = await state.resolver.versions(project)
    shown = versions if archived else [v for v in versions if not v.archived]
    return render_milestones(
        shown,
        project=project,
        archived_included=archived,
        archived_hidden=len(versions) - len(shown),
        ctx=state.render,
    )


async def backlog_get_priorities(ctx: Context[Accounts, Any]) -> str:
    """Priorities (priorityId values)."""
    state = app_state(ctx)
    return render_priorities(await state.resolver.priorities())


TOOLSET = Toolset(
    "projects",
    (
        ToolDef(backlog_get_projects, "List projects"),
        ToolDef(backlog_get_users, "List project users"),
        ToolDef(backlog_get_statuses, "List statuses"),
        ToolDef(backlog_get_issue_types, "List issue types"),
        ToolDef(backlog_get_categories, "List categories"),
        ToolDef(backlog_get_milestones, "List milestones"),
        ToolDef(backlog_get_priorities, "List priorities"),
    ),
    default=True,
)
