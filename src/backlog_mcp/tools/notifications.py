"""Notification tools: your notifications with the unread count, and the issues a user watches.
Thin: parse → client → render."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, Field

from backlog_mcp.aio import gather
from backlog_mcp.backlog.notifications import (
    Notification,
    NotificationEndpoints,
    NotificationPage,
    WatchingPage,
    WatchingSort,
)
from backlog_mcp.errors import BacklogError, BacklogNotFoundError, BacklogWriteUncertainError
from backlog_mcp.render.notifications import (
    notification_summary,
    read_words,
    render_notifications,
    render_watchings,
)
from backlog_mcp.render.text import call_text, plural, user_label
from backlog_mcp.tools.args import MAX_PAGE, Count, Order, backlog_id, within
from backlog_mcp.tools.registry import ToolDef, Toolset
from backlog_mcp.tools.state import Accounts, AppState, app_state
from backlog_mcp.tools.writes import WRITE_TOGGLES, Change, DryRunArg, WritePlan, WriteResult, perform

__all__ = ["TOOLSET"]

_notification_id = within(0, "a notification ID, a whole number of 0 or more")
_offset = within(0, "0 or more, as an offset into the list")
NotificationId = Annotated[int | None, AfterValidator(_notification_id)]
T = TypeVar("T")


# The key's owner never changes while the process lives: one `GET /users/myself` per client.
async def backlog_get_notifications(
    ctx: Context[Accounts, Any],
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
    found = found[:count]
    shown_items, out = await state.scope.split(found, lambda n: n.project.id if n.project else None)
    arguments = {"count": count, "order": order, "minId": minId, "maxId": maxId, "senderId": senderId}
    shown = {
        k: v
        for k, v in arguments.items()
        if v is not None and (k, v) not in (("count", 20), ("order", "desc"))
    }
    return render_notifications(
        shown_items,
        unread=unread,
        more=more,
        order=order,
        arguments=shown,
        ctx=state.render,
        left_out=len(out),
        allowed=state.scope.listed,
        last_id=found[-1].id if found else None,
    )


async def backlog_get_watchings(
    ctx: Context[Accounts, Any],
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
    watchings, out = await state.scope.split(watchings, lambda w: w.issue.project_id if w.issue else None)
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
        left_out=len(out),
        allowed=state.scope.listed,
    )


_MARK_AT_MOST = 20  # one request each under BACKLOG_PROJECTS: a call stays well inside the rate limit
_SCAN_PAGES = 10  # of 100: the newest 1000 notifications are looked through for unread ones
_TOOL = "backlog_mark_notifications_read"


async def backlog_mark_notifications_read(
    ctx: Context[Accounts, Any],
    notificationId: Annotated[
        int | None,
        AfterValidator(backlog_id("backlog_get_notifications")),
    ] = None,
    dryRun: DryRunArg = False,
) -> str:
    """Mark a notification read, or all (no notificationId)."""
    state = app_state(ctx)
    api = NotificationEndpoints(state.api)
    if notificationId is not None:
        return await _mark_one(state, api, notificationId, dry_run=dryRun)
    if state.scope.active:
        return await _mark_allowed(state, api, dry_run=dryRun)
    return await _reset_count(state, api, dry_run=dryRun)


def _unread_words(state: AppState, unread: int) -> str:
    return f"{unread} unread in all{' projects' if state.scope.active else ''}"


async def _unread_after(state: AppState, api: NotificationEndpoints) -> str:
    """The unread count once the write is done; a failure to read it does not undo the write."""
    try:
        return f"{_unread_words(state, await api.count_notifications(already_read=False))} now."
    except BacklogError as exc:
        return f"The write is done; the unread count could not be read afterwards ({exc})"


async def _mark_one(
    state: AppState, api: NotificationEndpoints, notification_id: int, *, dry_run: bool
) -> str:
    found = await api.get_notification(notification_id)
    if found is None:
        raise ToolError(
            f"Notification {notification_id} not found among your notifications: "
            "backlog_get_notifications lists them with their IDs."
        )
    if state.scope.active:  # its project is in the notification itself: no project, refused
        project_id = found.project.id if found.project else None
        if not await state.scope.allows_project_id(project_id):
            raise state.scope.refusal(f"Notification {notification_id}", undetermined=project_id is None)
    about = notification_summary(found)
    if found.already_read and found.resource_already_read:
        unread = await api.count_notifications(already_read=False)
        return (
            f"Notification {notification_id} ({about}) is already read: nothing was sent. "
            f"{_unread_words(state, unread)}."
        )
    before = read_words(found)
    changes = (Change("notification", about), Change.update("read", before, "read"))
    plan = WritePlan(
        _TOOL, f"Mark notification {notification_id} read", f"notification {notification_id}", changes
    )
    listing = call_text("backlog_get_notifications", {"maxId": notification_id + 1, "count": 1})
    check = f"look at {listing} before sending it again"

    async def send() -> WriteResult:
        await api.mark_as_read(notification_id, check=check)
        note = await _unread_after(state, api)
        return WriteResult(f"Marked notification {notification_id} read", changes=changes, note=note)

    return await perform(state, plan, dry_run=dry_run, send=send)


async def _reset_count(state: AppState, api: NotificationEndpoints, *, dry_run: bool) -> str:
    unread = await api.count_notifications(already_read=False)
    if unread == 0:
        return "No unread notifications: nothing was sent."
    # Backlog documents this endpoint as resetting the unread count: it does not open each one.
    honest = (
        "Backlog resets the unread count only: each notification's own read flag is unchanged "
        "(backlog_mark_notifications_read with a notificationId marks one read)."
    )
    plan = WritePlan(
        _TOOL,
        f"Mark all your notifications read (all: {unread} unread): reset the unread count",
        "all your notifications",
        (Change.update("unread", str(unread), "0"),),
    )
    check = "look at the unread count of backlog_get_notifications before sending it again"

    async def send() -> WriteResult:
        await api.reset_unread_count(check=check)
        try:
            after, unopened = await gather(
                api.count_notifications(already_read=False),
                api.count_notifications(resource_already_read=False),
            )
        except BacklogError as exc:  # the reset is done: say so, not that it failed
            note = f"{honest} The counts could not be read afterwards ({exc})"
            return WriteResult("Reset your unread notification count", note=note)
        return WriteResult(
            "Reset your unread notification count",
            changes=(Change.update("unread", str(unread), str(after)),),
            note=f"{honest} {plural(unopened, 'notification')} not opened yet.",
        )

    answer = await perform(state, plan, dry_run=dry_run, send=send)
    return f"{answer}\n{honest}" if dry_run else answer


async def _unread_of_allowed(
    state: AppState, api: NotificationEndpoints
) -> tuple[list[Notification], int, str | None]:
    """The unread notifications of allowed projects, newest first; how many unread others; and,
    when the scan stopped before it saw every unread one, what to call for the older ones."""
    allowed = set(await state.scope.allowed_ids())
    unread = await api.count_notifications(already_read=False)
    mine: list[Notification] = []
    seen = others = 0
    max_id: int | None = None
    for _ in range(_SCAN_PAGES):
        if seen >= unread:
            return mine, others, None
        page = await api.get_notifications(NotificationPage(count=MAX_PAGE, max_id=max_id))
        for n in page:
            if n.already_read:
                continue
            seen += 1
            if n.project is not None and n.project.id in allowed:
                mine.append(n)
            else:
                others += 1
        if len(page) < MAX_PAGE:
            return mine, others, None
        max_id = page[-1].id
    if seen >= unread:
        return mine, others, None
    older = call_text("backlog_get_notifications", {"maxId": max_id})
    return (
        mine,
        others,
        f"Only the newest {_SCAN_PAGES * MAX_PAGE} notifications were looked at: {older} lists older ones.",
    )


async def _mark_allowed(state: AppState, api: NotificationEndpoints, *, dry_run: bool) -> str:
    """Under BACKLOG_PROJECTS the space-wide reset would touch other projects' notifications:
    the unread ones of allowed projects are marked one by one instead, a bounded number a call."""
    projects = state.scope.listed
    found, others, unreached = await _unread_of_allowed(state, api)
    notes = []
    if len(found) > _MARK_AT_MOST:
        rest = len(found) - _MARK_AT_MOST
        notes.append(f"{rest} more unread in {projects}: call again to mark the next ones.")
    if others:
        notes.append(
            f"{plural(others, 'unread notification')} of other projects (or of none) left alone: "
            "outside BACKLOG_PROJECTS."
        )
    if unreached:
        notes.append(unreached)
    if not found:
        return " ".join([f"No unread notifications in {projects}: nothing was sent.", *notes])
    batch = found[:_MARK_AT_MOST]
    changes = tuple(
        Change.update(f"notification {n.id} ({notification_summary(n)})", read_words(n), "read")
        for n in batch
    )
    action = (
        f"Mark all read in {projects} (all: {len(found)} unread): "
        f"{plural(len(batch), 'notification')}, one request each"
    )
    plan = WritePlan(
        _TOOL, action, f"your notifications in {projects}", changes, {"notificationId": [n.id for n in batch]}
    )
    check = "look at backlog_get_notifications before sending it again"

    async def send() -> WriteResult:
        done: list[int] = []
        for n in batch:
            try:
                await api.mark_as_read(n.id, check=check)
            except BacklogError as exc:
                if not done:
                    raise
                kind = (
                    BacklogWriteUncertainError
                    if isinstance(exc, BacklogWriteUncertainError)
                    else BacklogError
                )
                raise kind(
                    f"Marked {len(done)} of {len(batch)} read (notifications {done}), then "
                    f"notification {n.id} failed: {exc}"
                ) from exc
            done.append(n.id)
        note = "\n".join([await _unread_after(state, api), *notes])
        return WriteResult(
            f"Marked {plural(len(done), 'notification')} read in {projects}", changes=changes, note=note
        )

    answer = await perform(state, plan, dry_run=dry_run, send=send)
    return "\n".join([answer, *notes]) if dry_run else answer


TOOLSET = Toolset(
    "notifications",
    (
        ToolDef(backlog_get_notifications, "Get notifications"),
        ToolDef(backlog_get_watchings, "Get watched issues"),
        ToolDef(
            backlog_mark_notifications_read, "Mark notifications read", annotations=WRITE_TOGGLES, writes=True
        ),
    ),
    default=False,
)
