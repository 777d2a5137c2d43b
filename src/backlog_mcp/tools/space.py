"""Space tools: the space, you and the rate limit; the activities (recent updates). Thin: parse →
client → render."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, BeforeValidator, Field

from backlog_mcp.aio import gather
from backlog_mcp.backlog.space import (
    ACTIVITY_TYPE_ALIASES,
    ACTIVITY_TYPES,
    ActivityQuery,
    SpaceEndpoints,
)
from backlog_mcp.quote import echo
from backlog_mcp.render.space import render_activities, render_space
from backlog_mcp.tools.args import Count, backlog_id, nfkc, one_project, within
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import Accounts, app_state

__all__ = ["TOOLSET", "activity_type_ids"]

_KNOWN = {**ACTIVITY_TYPES, **ACTIVITY_TYPE_ALIASES}
_activity_id = within(0, "an activity ID, a whole number of 0 or more")


def _joined(value: object) -> object:
    """A list (`["issue_created", 12]`) as the comma-separated text the schema advertises: one
    simple type in the schema, and both forms taken."""
    if isinstance(value, list):
        return ",".join(
            str(v) if isinstance(v, int | str) and not isinstance(v, bool) else "?" for v in value
        )
    return value


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def activity_type_ids(names: list[str]) -> tuple[int, ...]:
    """Backlog's type IDs for names or numbers, in order, duplicates dropped.

    Raises:
        ToolError: for a name or ID that is not one of ours, listing the valid ones.
    """
    ids: list[int] = []
    for given in names:
        text = nfkc(given).lower().replace("-", "_").replace(" ", "_")
        if text.isascii() and text.isdigit():
            # Only the types we know: an ID Backlog has no type for would match nothing, and an
            # empty answer would read as "no activities".
            found: int | None = int(text) if int(text) in ACTIVITY_TYPES.values() else None
        else:
            found = _KNOWN.get(text)
        if found is None:
            raise ToolError(
                f"activityType {echo(given)} is not a Backlog activity type. Give names or IDs from: "
                + ", ".join(f"{name} ({n})" for name, n in ACTIVITY_TYPES.items())
                + "."
            )
        if found not in ids:
            ids.append(found)
    return tuple(ids)


ActivityTypeArg = Annotated[str | None, BeforeValidator(_joined), Field(description="like git_pushed,3")]


# order's default lives in the handler, not in the schema: tools/list is paid for on every turn.
def _order(value: str | None) -> str | None:
    if value is None or value.lower() in ("asc", "desc"):
        return None if value is None else value.lower()
    raise ValueError(f"must be asc or desc (got {echo(value)})")


# A plain string rather than an enum, for the same reason: `desc` (newest first) when not given.
OrderArg = Annotated[str | None, AfterValidator(_order)]
UserIdArg = Annotated[int | None, AfterValidator(backlog_id("backlog_get_users"))]
ActivityIdArg = Annotated[int | None, AfterValidator(_activity_id)]


async def backlog_get_space(ctx: Context[Accounts, Any]) -> str:
    """The space, your user ID (for "my" questions), the rate limit left."""
    state = app_state(ctx)
    space_api = SpaceEndpoints(state.api)
    space, me, limits = await gather(
        space_api.get_space(), space_api.get_myself(), space_api.get_rate_limit()
    )
    return render_space(space, me, limits, state.render)


async def backlog_get_activities(
    ctx: Context[Accounts, Any],
    projectIdOrKey: str | None = None,
    userId: UserIdArg = None,
    activityType: ActivityTypeArg = None,
    count: Count = 20,
    minId: ActivityIdArg = None,
    maxId: ActivityIdArg = None,
    order: OrderArg = None,
) -> str:
    """Recent updates: space, project or user."""
    if projectIdOrKey is not None and userId is not None:
        raise ToolError(
            "Give projectIdOrKey or userId, not both: Backlog lists a project's activities or a "
            "user's. Leave both out for the whole space."
        )
    state = app_state(ctx)
    order = order or "desc"
    type_ids = activity_type_ids(_names(activityType)) if activityType else ()
    project = None if projectIdOrKey is None else one_project(projectIdOrKey)
    query = ActivityQuery(type_ids=type_ids, min_id=minId, max_id=maxId, count=count, order=order)
    activities = await SpaceEndpoints(state.api).get_activities(query, project=project, user_id=userId)
    # A space's or a user's activities span projects.
    activities, left_out = await state.scope.split(activities, lambda a: a.project.id if a.project else None)
    scope = f"in project {project}" if project else f"by user {userId}" if userId else "in the space"
    names = {number: name for name, number in ACTIVITY_TYPES.items()}
    arguments = {
        "projectIdOrKey": project,
        "userId": userId,
        "activityType": ",".join(names.get(n, str(n)) for n in type_ids) or None,
        "count": count if count != 20 else None,
        "minId": minId,
        "maxId": maxId,
        "order": order if order != "desc" else None,
    }
    shown = {k: v for k, v in arguments.items() if v is not None}
    return render_activities(
        activities,
        scope=scope,
        arguments=shown,
        count=count,
        order=order,
        ctx=state.render,
        left_out=left_out,
        allowed=state.scope.listed,
    )


TOOLSET = Toolset(
    "space",
    (
        ToolDef(backlog_get_space, "Space, you and rate limit"),
        ToolDef(backlog_get_activities, "Activities"),
    ),
    default=True,
)
