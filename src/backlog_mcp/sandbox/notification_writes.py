"""Notification writes, held in memory (reference §5.7): mark one notification read, or reset the
unread count.

Backlog keeps two flags per notification (`GET /notifications/count` documents them):
`alreadyRead` is false for what arrived since the user last checked the list (the bell's count),
`resourceAlreadyRead` is false until the notification itself is opened. Marking one read sets both
(a client sees it leave both counts). The space-wide `POST /notifications/markAsRead` is documented
only as "resets unread notification count": it clears the first flag of every notification and
leaves each one's own read state alone. Its body's `count` is not explained by the docs (their
example says 4); the sandbox answers how many it reset, which is also 0 on a second call.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.errors import not_found
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.notification_data import build
from backlog_mcp.sandbox.site import Site, WriteRoute, path_int

__all__ = ["NotificationWrites"]


class NotificationWrites:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[WriteRoute]:
        return [
            ("POST", ("notifications", "markAsRead"), self.reset_unread_count),
            ("POST", ("notifications", "{notificationId}", "markAsRead"), self.mark_as_read),
        ]

    @property
    def notifications(self) -> list[JSON]:
        return self.site.space.area(build).of(self.site.space.myself)

    async def mark_as_read(self, request: Request, args: dict[str, str]) -> Response:
        notification_id = path_int(args["notificationId"], "notificationId")
        for notification in self.notifications:
            if notification["id"] == notification_id:
                notification["alreadyRead"] = True
                notification["resourceAlreadyRead"] = True
                return Response(status_code=204)
        raise not_found("notification")

    async def reset_unread_count(self, request: Request, args: dict[str, str]) -> JSON:
        reset = 0
        for notification in self.notifications:
            if not notification["alreadyRead"]:
                notification["alreadyRead"] = True
                reset += 1
        return {"count": reset}
