"""Projects, users and a project's reference data (statuses, types, categories, milestones)."""

from __future__ import annotations

from collections.abc import Sequence

from backlog_mcp.backlog.models import Priority, User
from backlog_mcp.backlog.projects import Category, IssueType, Project, Status, Version
from backlog_mcp.render.text import RenderContext, plural, table

__all__ = [
    "ROLE_NAMES",
    "render_categories",
    "render_issue_types",
    "render_milestones",
    "render_priorities",
    "render_projects",
    "render_statuses",
    "render_users",
]

# Classic-plan names; on new-plan spaces 2–4 are member/guest with the same rights.
ROLE_NAMES = {
    1: "Administrator",
    2: "Normal user",
    3: "Reporter",
    4: "Viewer",
    5: "Guest reporter",
    6: "Guest viewer",
}


def _heading(noun: str, many: str, shown: int, scope: str) -> str:
    return f"{plural(shown, noun, many)}{scope}, all shown:" if shown else f"No {many}{scope}."


Named = Status | IssueType | Category | Priority


def _id_names(noun: str, many: str, scope: str, items: Sequence[Named]) -> str:
    """`N <many> <scope>, all shown:` and their IDs and names; no table under "No …"."""
    head = _heading(noun, many, len(items), scope)
    return head + "\n" + table(["ID", "Name"], [[i.id, i.name] for i in items]) if items else head


def render_projects(projects: Sequence[Project], *, archived: bool | None) -> str:
    scope = {None: "", True: " (archived only)", False: " (active only)"}[archived]
    if not projects:
        return f"No projects{scope}."
    rows = [
        [p.project_key, p.name, p.id, "yes" if p.archived else "", p.text_formatting_rule] for p in projects
    ]
    return (
        _heading("project", "projects", len(projects), scope)
        + "\n"
        + table(["Key", "Name", "ID", "Archived", "Format"], rows)
    )


def render_users(users: Sequence[User], *, project: str, keyword: str | None, total: int) -> str:
    scope = f" in {project}" + (f" matching {keyword!r}" if keyword else "")
    if not users:
        return f"No users{scope} ({plural(total, 'member')} in all)."
    rows = [[u.id, u.user_id, u.name, ROLE_NAMES.get(u.role_type or 0, u.role_type)] for u in users]
    head = plural(len(users), "user") + scope
    head += f" (of {plural(total, 'member')}):" if keyword else ", all shown:"
    return head + "\n" + table(["ID", "User ID", "Name", "Role"], rows)


def render_statuses(statuses: Sequence[Status], *, project: str) -> str:
    return _id_names("status", "statuses", f" in {project}", statuses)


def render_issue_types(types: Sequence[IssueType], *, project: str) -> str:
    return _id_names("issue type", "issue types", f" in {project}", types)


def render_categories(categories: Sequence[Category], *, project: str) -> str:
    return _id_names("category", "categories", f" in {project}", categories)


def render_milestones(
    versions: Sequence[Version],
    *,
    project: str,
    archived_included: bool,
    archived_hidden: int,
    ctx: RenderContext,
) -> str:
    scope = f" in {project}" + ("" if archived_included else " (active)")
    hidden = (
        f" {archived_hidden} archived hidden: pass archived=true to include them." if archived_hidden else ""
    )
    if not versions:
        return f"No milestones{scope}.{hidden}"
    rows = [
        [
            v.id,
            v.name,
            ctx.day(v.start_date),
            ctx.day(v.release_due_date),
            "yes" if v.archived else "",
            v.description,
        ]
        for v in versions
    ]
    head = f"{plural(len(versions), 'milestone')}{scope}:{hidden}"
    return head + "\n" + table(["ID", "Name", "Start", "Due", "Archived", "Description"], rows)


def render_priorities(priorities: Sequence[Priority]) -> str:
    return _id_names("priority", "priorities", "", priorities)
