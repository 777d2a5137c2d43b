"""The notifications area's routes: the sandbox user's notifications and their count, and
watchings (any user's) with their count.

Notifications belong to the user the API key is for; `minId` and `maxId` are exclusive bounds, as
the sandbox reads them for comments too (a client that assumes so shows an item twice at worst
against a Backlog that includes them, never skips one).
"""

from __future__ import annotations

from starlette.requests import Request

from backlog_mcp.sandbox.errors import invalid, not_found
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.notification_data import NotificationData, build
from backlog_mcp.sandbox.notification_writes import NotificationWrites
from backlog_mcp.sandbox.query import Params
from backlog_mcp.sandbox.site import Route, Site, WriteRoute, path_int

__all__ = ["routes", "write_routes"]

_WATCHING_SORTS = {
    "created": lambda w: w["created"],
    "updated": lambda w: w["updated"],
    "issueUpdated": lambda w: w["issue"]["updated"],
}


def routes(site: Site) -> list[Route]:
    return _Notifications(site).routes()


def write_routes(site: Site) -> list[WriteRoute]:
    """Mark one notification read or reset the unread count (`notification_writes`); watch,
    re-note and unwatch issues (`watching_writes`): in memory."""
    from backlog_mcp.sandbox.watching_writes import WatchingWrites  # imports the app, which imports this

    return [*NotificationWrites(site).routes(), *WatchingWrites(site).routes()]


class _Notifications:
    def __init__(self, site: Site) -> None:
        self.site = site

    @property
    def data(self) -> NotificationData:
        return self.site.space.area(build)

    def routes(self) -> list[Route]:
        return [
            (("notifications",), self.notifications),
            (("notifications", "count"), self.notification_count),
            (("users", "{userId}", "watchings"), self.watchings),
            (("users", "{userId}", "watchings", "count"), self.watching_count),
            (("watchings", "{watchingId}"), self.watching),
        ]

    def notifications(self, request: Request, args: dict[str, str]) -> list[JSON]:
        params = Params(request.query_params)
        min_id, max_id = params.integer("minId"), params.integer("maxId")
        count, descending = params.count(), params.descending()
        sender = params.integer("senderId")
        selected = [
            n
            for n in self.data.of(self.site.space.myself)
            if (min_id is None or n["id"] > min_id)
            and (max_id is None or n["id"] < max_id)
            and (sender is None or n["sender"]["id"] == sender)
        ]
        if descending:
            selected.reverse()
        return selected[:count]

    def notification_count(self, request: Request, args: dict[str, str]) -> JSON:
        params = Params(request.query_params)
        read, resource_read = params.boolean("alreadyRead"), params.boolean("resourceAlreadyRead")
        return {
            "count": sum(
                1
                for n in self.data.of(self.site.space.myself)
                if (read is None or n["alreadyRead"] == read)
                and (resource_read is None or n["resourceAlreadyRead"] == resource_read)
            )
        }

    def _watchings_of(self, args: dict[str, str]) -> list[JSON]:
        user_id = path_int(args["userId"], "userId")
        if self.site.space.user(user_id) is None:
            raise not_found("user")
        return self.data.watchings.get(user_id, [])

    @staticmethod
    def _read_filter(params: Params, *, count: bool) -> bool | None:
        read = params.boolean("resourceAlreadyRead")
        if read is None and count:  # the count alone also takes `alreadyRead`, ignored beside it
            read = params.boolean("alreadyRead")
        return read

    def watchings(self, request: Request, args: dict[str, str]) -> list[JSON]:
        watchings = self._watchings_of(args)
        params = Params(request.query_params)
        offset, count, descending = params.offset(), params.count(), params.descending()
        sort = params.text("sort") or "issueUpdated"
        if sort not in _WATCHING_SORTS:
            raise invalid("sort", "sort must be created, updated or issueUpdated.")
        read = self._read_filter(params, count=False)
        issue_ids = set(params.int_list("issueId[]"))
        selected = [
            w
            for w in watchings
            if (read is None or w["resourceAlreadyRead"] == read)
            and (not issue_ids or w["issue"]["id"] in issue_ids)
        ]
        selected.sort(key=lambda w: (_WATCHING_SORTS[sort](w), w["id"]), reverse=descending)
        return selected[offset : offset + count]

    def watching_count(self, request: Request, args: dict[str, str]) -> JSON:
        watchings = self._watchings_of(args)
        read = self._read_filter(Params(request.query_params), count=True)
        return {"count": sum(1 for w in watchings if read is None or w["resourceAlreadyRead"] == read)}

    def watching(self, request: Request, args: dict[str, str]) -> JSON:
        watching_id = path_int(args["watchingId"], "watchingId")
        for watchings in self.data.watchings.values():
            for watching in watchings:
                if watching["id"] == watching_id:
                    return {**watching, "alreadyRead": watching["resourceAlreadyRead"]}
        raise not_found("watching")
