"""The space area: the space itself, the user the key belongs to, the rate limit, the space-wide
reference lists (priorities, resolutions), and the activities (recent updates) of the space, of
a project or of a user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.models import Model, NamedRef, Priority, Resolution, User
from backlog_mcp.backlog.projects import Project

__all__ = [
    "ACTIVITY_TYPES",
    "ACTIVITY_TYPE_ALIASES",
    "ACTIVITY_TYPE_NAMES",
    "Activity",
    "ActivityChange",
    "ActivityComment",
    "ActivityContent",
    "ActivityDocument",
    "ActivityFile",
    "ActivityIssue",
    "ActivityLink",
    "ActivityQuery",
    "ActivityRepository",
    "ActivityRevision",
    "RateLimit",
    "RateLimitBucket",
    "Space",
    "SpaceEndpoints",
]

# Backlog's activity types by a stable name of ours (its `type` / `activityTypeId[]` values).
# 1–26 are documented; 34–48 are the newer ones backlog-js knows (reference §5.8). Type 21 is
# "pull request deleted" in the docs but "merged" in both official clients and in Backlog's own
# web view: it is named for what it is.
ACTIVITY_TYPES: dict[str, int] = {
    "issue_created": 1,
    "issue_updated": 2,
    "issue_commented": 3,
    "issue_deleted": 4,
    "wiki_created": 5,
    "wiki_updated": 6,
    "wiki_deleted": 7,
    "file_added": 8,
    "file_updated": 9,
    "file_deleted": 10,
    "svn_committed": 11,
    "git_pushed": 12,
    "git_repository_created": 13,
    "issue_multi_updated": 14,
    "project_user_added": 15,
    "project_user_removed": 16,
    "comment_notification_added": 17,
    "pull_request_added": 18,
    "pull_request_updated": 19,
    "pull_request_commented": 20,
    "pull_request_merged": 21,
    "milestone_created": 22,
    "milestone_updated": 23,
    "milestone_deleted": 24,
    "project_group_added": 25,
    "project_group_removed": 26,
    "status_deleted": 34,
    "issue_dates_updated": 35,
    "document_created": 36,
    "document_deleted": 37,
    "document_title_updated": 38,
    "document_comment_created": 40,
    "document_comment_updated": 41,
    "document_comment_deleted": 42,
    "document_reply_created": 43,
    "document_reply_updated": 44,
    "document_reply_deleted": 45,
    "document_attachment_added": 46,
    "issue_multi_created": 47,
    "document_multi_created": 48,
}
ACTIVITY_TYPE_NAMES: dict[int, str] = {number: name for name, number in ACTIVITY_TYPES.items()}
# Other names a caller may know a type by: the docs' name of 21, the clients' names of 17 and 26.
ACTIVITY_TYPE_ALIASES: dict[str, int] = {
    "pull_request_deleted": 21,
    "notify_added": 17,
    "project_group_deleted": 26,
}


class Space(Model):
    space_key: str = ""
    name: str = ""
    lang: str | None = None
    timezone: str | None = None
    text_formatting_rule: str | None = None


class RateLimitBucket(Model):
    # Optional, so that one bucket sent with a null cannot fail the reading of the others.
    limit: int | None = None
    remaining: int | None = None
    reset: int | None = None


class RateLimit(Model):
    read: RateLimitBucket | None = None
    update: RateLimitBucket | None = None
    search: RateLimitBucket | None = None
    icon: RateLimitBucket | None = None


# Inside an activity's `content` Backlog writes snake_case (`key_id`, `new_value`); the models
# read those names as given (field names are accepted beside the camelCase aliases).


class ActivityComment(Model):
    id: int | str | None = None  # an issue comment's number, a document comment's hex ID
    content: str = ""


class ActivityChange(Model):
    field: str = ""
    new_value: str | None = None
    old_value: str | None = None


class ActivityFile(Model):
    id: int | None = None
    name: str = ""
    size: int | None = None


class ActivityRepository(Model):
    id: int | None = None
    name: str = ""
    description: str | None = None


class ActivityRevision(Model):
    rev: str = ""
    comment: str = ""


class ActivityLink(Model):
    """One issue of a bulk update (`link` of types 14, 35, 47)."""

    id: int | None = None
    key_id: int | None = None
    title: str = ""
    comment: str | None = None


class ActivityIssue(Model):
    id: int | None = None
    key_id: int | None = None
    summary: str = ""


class ActivityDocument(Model):
    id: str = ""
    title: str = ""


class ActivityContent(Model):
    """Every shape of `content` in one tolerant model: each type fills the fields it has."""

    id: int | str | None = None
    key_id: int | None = None
    summary: str = ""
    title: str = ""
    name: str = ""
    dir: str = ""
    size: int | None = None
    comment: ActivityComment | None = None
    changes: list[ActivityChange] = Field(default_factory=list)
    attachments: list[ActivityFile] = Field(default_factory=list)
    shared_files: list[ActivityFile] = Field(default_factory=list)
    rev: str | None = None
    repository: ActivityRepository | None = None
    ref: str | None = None
    revision_count: int | None = None
    revisions: list[ActivityRevision] = Field(default_factory=list)
    tx_id: int | None = None
    link: list[ActivityLink] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    teams: list[NamedRef] = Field(default_factory=list)
    number: int | None = None
    issue: ActivityIssue | None = None
    documents: list[ActivityDocument] = Field(default_factory=list)
    version: int | None = None
    start_date: datetime | None = None
    reference_date: datetime | None = None

    @field_validator("comment", mode="before")
    @classmethod
    def _comment_as_text(cls, value: Any) -> Any:
        # Types 11 and 15/16 send the comment as text, the others as `{id, content}`.
        return {"content": value} if isinstance(value, str) else value


class Activity(Model):
    id: int
    project: Project | None = None
    type: int = 0  # not an identifier: an activity of a type unknown to us still reads
    content: ActivityContent = Field(default_factory=ActivityContent)
    created_user: User | None = None
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    """What narrows a page of activities; the scope (space, project, user) is given apart."""

    type_ids: tuple[int, ...] = ()
    min_id: int | None = None
    max_id: int | None = None
    count: int = 20
    order: str = "desc"


class SpaceEndpoints(EndpointGroup):
    async def get_space(self) -> Space:
        return await self.client.get_model(Space, "space", what="the space")

    async def get_myself(self) -> User:
        return await self.client.get_model(User, "users/myself", what="the current user")

    async def get_rate_limit(self) -> RateLimit:
        data = await self.client.get_json("rateLimit", what="the rate limit")
        return RateLimit.model_validate((data or {}).get("rateLimit", {}))

    async def get_priorities(self) -> list[Priority]:
        return await self.client.get_model(list[Priority], "priorities", what="priorities")

    async def get_resolutions(self) -> list[Resolution]:
        return await self.client.get_model(list[Resolution], "resolutions", what="resolutions")

    async def get_activities(
        self, query: ActivityQuery, *, project: str | None = None, user_id: int | None = None
    ) -> list[Activity]:
        """The space's activities, or one project's (`project`), or one user's (`user_id`)."""
        if project is not None:
            path, what = f"projects/{segment(project)}/activities", f"project {project}"
        elif user_id is not None:
            path, what = f"users/{user_id}/activities", f"user {user_id}"
        else:
            path, what = "space/activities", "the space's activities"
        params = {
            "activityTypeId": list(query.type_ids) or None,
            "minId": query.min_id,
            "maxId": query.max_id,
            "count": query.count,
            "order": query.order,
        }
        return await self.client.get_model(list[Activity], path, params, what=what)
