"""Watching writes, held in memory: watch an issue (`POST watchings`, 201), change a watching's note
(`PATCH watchings/:id`, 200) and stop watching (`DELETE watchings/:id`, 200, the removed watching).

Backlog lets a user change or remove only their own watchings (the key's user here); another's is
refused with 403. Watching an issue twice is refused (400): the docs do not say what Backlog answers,
and a client must not count on a second watching being made.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.app import json_response
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import ApiError, invalid, not_found
from backlog_mcp.sandbox.forms import Form, write_clock
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.notification_data import NotificationData, build
from backlog_mcp.sandbox.site import Site, WriteRoute, path_int

__all__ = ["WatchingWrites", "as_single"]


@dataclass(slots=True)
class _LastId:
    """The last watching ID given out: one removed is never given again, as Backlog's are not."""

    value: int = 0


def _last_id(space: DemoSpace) -> _LastId:
    return _LastId()


def as_single(watching: JSON) -> JSON:
    """A watching as the single-item endpoints answer it: `alreadyRead` beside `resourceAlreadyRead`."""
    return {**watching, "alreadyRead": watching["resourceAlreadyRead"]}


class WatchingWrites:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.space = site.space

    @property
    def data(self) -> NotificationData:
        return self.space.area(build)

    @property
    def mine(self) -> list[JSON]:
        return self.data.watchings.setdefault(int(self.space.myself["id"]), [])

    def routes(self) -> list[WriteRoute]:
        return [
            ("POST", ("watchings",), self.add),
            ("PATCH", ("watchings", "{watchingId}"), self.update),
            ("DELETE", ("watchings", "{watchingId}"), self.delete),
        ]

    async def add(self, request: Request, args: dict[str, str]) -> Response:
        form = Form.read(await request.form())
        issue = self.space.issue(form.required_text("issueIdOrKey"))
        if issue is None:
            raise not_found("issue")
        if any(w["issue"]["id"] == issue.id for w in self.mine):
            raise invalid("issueIdOrKey", f"The issue {issue.key} is already watched.")
        now = self.space.area(write_clock).now()
        last = self.space.area(_last_id)
        last.value = 1 + max(last.value, *(w["id"] for ws in self.data.watchings.values() for w in ws))
        watching_id = last.value
        watching: JSON = {
            "id": watching_id,
            "resourceAlreadyRead": True,
            "note": form.text("note"),
            "type": "issue",
            "issue": issue.json,
            "lastContentUpdated": issue.json["updated"],
            "created": now,
            "updated": now,
        }
        self.mine.append(watching)
        return json_response(as_single(watching), status=201)

    async def update(self, request: Request, args: dict[str, str]) -> JSON:
        form = Form.read(await request.form())
        watching = self._own(args, "update")
        if "note" in form:
            watching["note"] = form.text("note")
            watching["updated"] = self.space.area(write_clock).now()
        return as_single(watching)

    async def delete(self, request: Request, args: dict[str, str]) -> JSON:
        watching = self._own(args, "delete")
        self.mine.remove(watching)
        return as_single(watching)

    def _own(self, args: dict[str, str], verb: str) -> JSON:
        watching_id = path_int(args["watchingId"], "watchingId")
        for user_id, watchings in self.data.watchings.items():
            for watching in watchings:
                if watching["id"] == watching_id:
                    if user_id != int(self.space.myself["id"]):
                        raise ApiError(403, f"You do not have permission to {verb} this watching.")
                    return watching
        raise not_found("watching")
