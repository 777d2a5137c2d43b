"""The records the demo space is made of, and the timestamp formats Backlog uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from backlog_mcp.sandbox.bodies import FileBody

__all__ = [
    "JSON",
    "JST",
    "AttachmentFile",
    "IssueRecord",
    "ProjectRecord",
    "date_field",
    "jst_date",
    "timestamp",
]

JSON = dict[str, Any]
# Asia/Tokyo has had no DST since 1951, so a fixed offset is exact and needs no tz database.
JST = timezone(timedelta(hours=9), "Asia/Tokyo")


def timestamp(moment: datetime) -> str:
    """Backlog's response timestamp: `yyyy-MM-ddTHH:mm:ssZ` in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_field(day: date) -> str:
    """A date-only field as a real JST space returns it: JST midnight, i.e. 15:00Z the day before."""
    return timestamp(datetime(day.year, day.month, day.day, tzinfo=JST))


def jst_date(value: str) -> date:
    """The space-local (JST) calendar day of a response timestamp."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).astimezone(JST).date()


@dataclass(slots=True)
class AttachmentFile:
    issue_id: int
    meta: JSON
    """`{id, name, size, createdUser, created}`, the very dict listed in the issue."""
    body: FileBody

    @property
    def id(self) -> int:
        return int(self.meta["id"])

    @property
    def name(self) -> str:
        return str(self.meta["name"])


@dataclass(slots=True)
class ProjectRecord:
    json: JSON
    users: list[JSON]
    statuses: list[JSON]
    issue_types: list[JSON]
    categories: list[JSON]
    versions: list[JSON]
    custom_fields: list[JSON]

    @property
    def id(self) -> int:
        return int(self.json["id"])

    @property
    def key(self) -> str:
        return str(self.json["projectKey"])


@dataclass(slots=True)
class IssueRecord:
    json: JSON
    comments: list[JSON] = field(default_factory=list)
    """Ascending by id, which is also ascending by creation time."""
    files: dict[int, AttachmentFile] = field(default_factory=dict)
    child_ids: list[int] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.json["id"])

    @property
    def key(self) -> str:
        return str(self.json["issueKey"])
