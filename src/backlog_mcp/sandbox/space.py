"""The space's routes: the space, its users, the rate limit, priorities and resolutions, and the
activities of the space, of a project and of a user (data in `activities.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request

from backlog_mcp.sandbox.activities import build_activities
from backlog_mcp.sandbox.errors import not_found
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.query import Params
from backlog_mcp.sandbox.site import Route, Site, path_int

__all__ = ["page_activities", "routes"]


def page_activities(activities: Sequence[JSON], params: Params) -> list[JSON]:
    """`activityTypeId[]` filters; `minId`/`maxId` are exclusive bounds, as for comments; then the
    first `count` in `order`."""
    types = set(params.int_list("activityTypeId[]"))
    min_id, max_id = params.integer("minId"), params.integer("maxId")
    count = params.count()
    descending = params.descending()
    selected = [
        activity
        for activity in activities
        if (not types or activity["type"] in types)
        and (min_id is None or activity["id"] > min_id)
        and (max_id is None or activity["id"] < max_id)
    ]
    if descending:
        selected.reverse()
    return selected[:count]


def routes(site: Site) -> list[Route]:
    space = site.space

    def user(request: Request, args: dict[str, str]) -> JSON:
        found = space.user(path_int(args["userId"], "userId"))
        if found is None:
            raise not_found("user")
        return found

    def rate_limit(request: Request, args: dict[str, str]) -> JSON:
        states = site.limiter.snapshot(site.faults.rate_limits, int(space.myself["id"]))
        return {
            "rateLimit": {
                bucket: {"limit": state.limit, "remaining": state.remaining, "reset": state.reset}
                for bucket, state in states.items()
            }
        }

    def space_activities(request: Request, args: dict[str, str]) -> list[JSON]:
        return page_activities(space.area(build_activities), Params(request.query_params))

    def project_activities(request: Request, args: dict[str, str]) -> list[JSON]:
        project_id = site.project(args).id
        mine = [a for a in space.area(build_activities) if a["project"]["id"] == project_id]
        return page_activities(mine, Params(request.query_params))

    def user_activities(request: Request, args: dict[str, str]) -> list[JSON]:
        user_id = int(user(request, args)["id"])
        theirs = [a for a in space.area(build_activities) if a["createdUser"]["id"] == user_id]
        return page_activities(theirs, Params(request.query_params))

    return [
        (("space",), lambda request, args: space.space),
        (("space", "activities"), space_activities),
        (("users",), lambda request, args: space.users),
        (("users", "myself"), lambda request, args: space.myself),
        (("users", "{userId}"), user),
        (("users", "{userId}", "activities"), user_activities),
        (("projects", "{project}", "activities"), project_activities),
        (("rateLimit",), rate_limit),
        (("priorities",), lambda request, args: space.priorities),
        (("resolutions",), lambda request, args: space.resolutions),
        (("statuses",), lambda request, args: space.legacy_statuses),
    ]
