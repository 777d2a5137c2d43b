"""The notifications area: the key owner's notifications and their count, and the issues a user
watches with their count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from backlog_mcp.backlog.client import EndpointGroup
from backlog_mcp.backlog.issues import Comment, Issue, Order
from backlog_mcp.backlog.models import Count, Model, NamedRef, User
from backlog_mcp.backlog.params import Params
from backlog_mcp.backlog.projects import Project

__all__ = [
    "DocumentComment",
    "DocumentRef",
    "Notification",
    "NotificationEndpoints",
    "NotificationPage",
    "PullRequestComment",
    "PullRequestRef",
    "RepositoryRef",
    "Watching",
    "WatchingPage",
    "WatchingSort",
]

WatchingSort = Literal["created", "updated", "issueUpdated"]


class RepositoryRef(Model):
    id: int
    project_id: int | None = None
    name: str = ""


class PullRequestRef(Model):
    id: int | None = None
    project_id: int | None = None
    repository_id: int | None = None
    number: int | None = None
    summary: str = ""
    status: NamedRef | None = None


class PullRequestComment(Model):
    id: int
    content: str | None = None


class DocumentRef(Model):
    id: str
    project_id: int | None = None
    title: str = ""


class DocumentComment(Model):
    # Numbers in the docs, but documents' own IDs are hex text: read as text, either shape fits.
    id: str
    plain: str | None = None


class Notification(Model):
    id: int
    already_read: bool = False
    reason: int | None = None
    resource_already_read: bool = False
    project: Project | None = None
    issue: Issue | None = None
    comment: Comment | None = None
    repository: RepositoryRef | None = None
    pull_request: PullRequestRef | None = None
    pull_request_comment: PullRequestComment | None = None
    document: DocumentRef | None = None
    document_comment: DocumentComment | None = None
    document_comment_reply: DocumentComment | None = None
    sender: User | None = None
    created: datetime | None = None


class Watching(Model):
    id: int
    # The list says `resourceAlreadyRead`; the single-item example says `alreadyRead`.
    resource_already_read: bool | None = None
    already_read: bool | None = None
    note: str | None = None
    type: str = "issue"
    issue: Issue | None = None
    last_content_updated: datetime | None = None
    created: datetime | None = None
    updated: datetime | None = None

    @property
    def read(self) -> bool | None:
        return self.resource_already_read if self.resource_already_read is not None else self.already_read


@dataclass(frozen=True, slots=True)
class NotificationPage:
    count: int = 20
    order: Order = "desc"
    min_id: int | None = None
    max_id: int | None = None
    sender_id: int | None = None


@dataclass(frozen=True, slots=True)
class WatchingPage:
    count: int = 20
    offset: int = 0
    sort: WatchingSort = "issueUpdated"
    order: Order = "desc"
    unread_only: bool = False


class NotificationEndpoints(EndpointGroup):
    async def get_notifications(self, page: NotificationPage) -> list[Notification]:
        params: Params = {
            "count": page.count,
            "order": page.order,
            "minId": page.min_id,
            "maxId": page.max_id,
            "senderId": page.sender_id,
        }
        return await self.client.get_model(
            list[Notification], "notifications", params, what="your notifications"
        )

    async def count_notifications(
        self, *, already_read: bool | None = None, resource_already_read: bool | None = None
    ) -> int:
        params: Params = {"alreadyRead": already_read, "resourceAlreadyRead": resource_already_read}
        count = await self.client.get_model(
            Count, "notifications/count", params, what="the notification count"
        )
        return count.count

    async def get_watchings(self, user_id: int, page: WatchingPage) -> list[Watching]:
        params: Params = {
            "count": page.count,
            "offset": page.offset,
            "sort": page.sort,
            "order": page.order,
            "resourceAlreadyRead": False if page.unread_only else None,
        }
        path = f"users/{user_id}/watchings"
        return await self.client.get_model(list[Watching], path, params, what=f"user {user_id}")

    async def count_watchings(self, user_id: int, *, unread_only: bool = False) -> int:
        params: Params = {"resourceAlreadyRead": False if unread_only else None}
        path = f"users/{user_id}/watchings/count"
        return (await self.client.get_model(Count, path, params, what=f"user {user_id}")).count

    async def get_notification(self, notification_id: int) -> Notification | None:
        """One notification, or None: Backlog has no endpoint for one, so a page bounded around
        its ID is asked for (three wide: right whether Backlog's bounds exclude or include)."""
        page = NotificationPage(
            count=3,
            order="asc",
            min_id=notification_id - 1 if notification_id > 0 else None,
            max_id=notification_id + 1,
        )
        found = await self.get_notifications(page)
        return next((n for n in found if n.id == notification_id), None)

    async def mark_as_read(self, notification_id: int, *, check: str) -> None:
        """`POST /notifications/:id/markAsRead` (204): this notification is read."""
        await self.client.send_form(
            type(None),
            "POST",
            f"notifications/{notification_id}/markAsRead",
            what=f"notification {notification_id}",
            check=check,
        )

    async def reset_unread_count(self, *, check: str) -> int:
        """`POST /notifications/markAsRead`: resets the unread count, and only that (Backlog's
        docs); each notification's own read flag stays. Returns Backlog's `count`."""
        found = await self.client.send_form(
            Count, "POST", "notifications/markAsRead", what="your unread notification count", check=check
        )
        return found.count
