"""The space's routes: the space, its users, the rate limit, priorities and resolutions."""

from __future__ import annotations

from starlette.requests import Request

from backlog_mcp.sandbox.errors import not_found
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.site import Route, Site, path_int

__all__ = ["routes"]


def routes(site: Site) -> list[Route]:
    space = site.space

    def user(request: Request, args: dict[str, str]) -> JSON:
        found = space.user(path_int(args["userId"], "userId"))
        if found is None:
            raise not_found("user")
        return found

    def rate_limit(request: Request, args: dict[str, str]) -> JSON:
        states = site.limiter.snapshot(site.faults.rate_limits)
        return {
            "rateLimit": {
                bucket: {"limit": state.limit, "remaining": state.remaining, "reset": state.reset}
                for bucket, state in states.items()
            }
        }

    return [
        (("space",), lambda request, args: space.space),
        (("users",), lambda request, args: space.users),
        (("users", "myself"), lambda request, args: space.myself),
        (("users", "{userId}"), user),
        (("rateLimit",), rate_limit),
        (("priorities",), lambda request, args: space.priorities),
        (("resolutions",), lambda request, args: space.resolutions),
        (("statuses",), lambda request, args: space.legacy_statuses),
    ]
