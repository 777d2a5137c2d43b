"""Notification tools: your notifications with the unread count, and the issues a user watches.
Thin: parse → client → render."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, Field

from backlog_mcp.aio import gather
from backlog_mcp.backlog.notifications import (
    NotificationEndpoints,
    NotificationPage,
    WatchingPage,
    WatchingSort,
)
from backlog_mcp.errors import BacklogNotFoundError
from backlog_mcp.render.notifications import render_notifications, render_watchings
from backlog_mcp.render.text import user_label
from backlog_mcp.tools.args import MAX_PAGE, Count, Order, backlog_id, within
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import AppState, app_state

__all__ = ["TOOLSET"]

_notification_id = within(0, "a notification ID, a whole number of 0 or more")
_offset = within(0, "0 or more, as an offset into the list")
NotificationId = Annotated[int | None, AfterValidator(_notification_id)]


# The key's owner never changes while the process lives: one `GET /users/myself` per client.
async def backlog_get_notifications(
    ctx: Context[AppState, Any],
    count: Count = 20,
    minId: NotificationId = None,
    maxId: NotificationId = None,
    order: Order = "desc",
    senderId: Annotated[
        int | None, AfterValidator(backlog_id("backlog_get_users")), Field(description="User ID")
    ] = None,
) -> str:
    """Your notifications (reason, sender, issue/PR/document, read?) and the unread count."""
    state = app_state(ctx)
    api = NotificationEndpoints(state.api)
    # One more than asked, where Backlog's page allows it: whether a next page exists is then known.
    probe = min(count + 1, MAX_PAGE)
    page = NotificationPage(count=probe, order=order, min_id=minId, max_id=maxId, sender_id=senderId)
    found, unread = await gather(api.get_notifications(page), api.count_notifications(already_read=False))
    more = len(found) > count if probe > count else len(found) == count
    arguments = {"count": count, "order": order, "minId": minId, "maxId": maxId, "senderId": senderId}
    shown = {
        k: v
        for k, v in arguments.items()
        if v is not None and (k, v) not in (("count", 20), ("order", "desc"))
    }
    return render_notifications(
        found[:count], unread=unread, more=more, order=order, arguments=shown, ctx=state.render
    )


async def backlog_get_watchings(
    ctx: Context[AppState, Any],
    userId: Annotated[
        int | None, AfterValidator(backlog_id("backlog_get_users")), Field(description="Default: you")
    ] = None,
    count: Count = 20,
    offset: Annotated[int, AfterValidator(_offset)] = 0,
    sort: WatchingSort | None = None,
    order: Order = "desc",
    unreadOnly: bool = False,
) -> str:
    """Issues a user watches (status, note, read?); total."""
    state = app_state(ctx)
    if userId is None:
        me = await state.resolver.myself()
        user_id, whose = me.id, f"you ({user_label(me)}, user {me.id})"
    else:
        user_id, whose = userId, f"user {userId}"
    api = NotificationEndpoints(state.api)
    page = WatchingPage(
        count=count, offset=offset, sort=sort or "issueUpdated", order=order, unread_only=unreadOnly
    )
    try:
        watchings, total = await gather(
            api.get_watchings(user_id, page), api.count_watchings(user_id, unread_only=unreadOnly)
        )
    except BacklogNotFoundError:
        raise ToolError(
            f"User {user_id} not found: give a numeric user ID from backlog_get_users, "
            "or leave userId out for your own watchings."
        ) from None
    defaults = {"count": 20, "offset": 0, "sort": "issueUpdated", "order": "desc", "unreadOnly": False}
    given = {"userId": userId, "count": count, "offset": offset, "sort": sort, "order": order}
    given["unreadOnly"] = unreadOnly
    shown = {k: v for k, v in given.items() if v is not None and defaults.get(k, object()) != v}
    return render_watchings(
        watchings,
        whose=whose,
        total=total,
        offset=offset,
        sort=sort or "issueUpdated",
        order=order,
        unread_only=unreadOnly,
        arguments=shown,
        ctx=state.render,
    )


TOOLSET = Toolset(
    "notifications",
    (
        ToolDef(backlog_get_notifications, "Get notifications"),
        ToolDef(backlog_get_watchings, "Get watched issues"),
    ),
    default=False,
)
