"""Mutable drafts of issues and comments, before ids are assigned and JSON is rendered.

Generation happens in two passes: first every issue, attachment and comment is drafted with its
timestamps, then ids are handed out in creation order (as a real space would) and the JSON is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from backlog_mcp.sandbox.bodies import FileBody
from backlog_mcp.sandbox.catalog import ProjectSpec
from backlog_mcp.sandbox.model import JSON, ProjectRecord

__all__ = ["AttachmentDraft", "CommentDraft", "IssueDraft"]


@dataclass(slots=True)
class AttachmentDraft:
    name: str
    body: FileBody
    author: JSON
    created: datetime
    via_comment: bool = False
    """Added later by a comment, which then carries an `attachment` changeLog entry."""
    id: int = 0


@dataclass(slots=True)
class CommentDraft:
    created: datetime
    author: JSON
    content: str
    changes: list[JSON] | None = None
    notified: list[JSON] = field(default_factory=list)
    starred_by: JSON | None = None
    edited_at: datetime | None = None
    attachment: AttachmentDraft | None = None
    id: int = 0


@dataclass(slots=True)
class IssueDraft:
    project: ProjectRecord
    spec: ProjectSpec
    key_id: int
    created: datetime
    created_user: JSON
    summary: str
    description: str
    issue_type: JSON
    status: JSON
    priority: JSON
    assignee: JSON | None
    categories: list[JSON]
    versions: list[JSON]
    milestones: list[JSON]
    start: date | None
    due: date | None
    estimated: float | None
    actual: float | None
    resolution: JSON | None = None
    parent_key_id: int | None = None
    custom_values: dict[int, tuple[object, str | None]] = field(default_factory=dict)
    """custom field id → (value as rendered, otherValue)."""
    attachments: list[AttachmentDraft] = field(default_factory=list)
    comments: list[CommentDraft] = field(default_factory=list)
    stars: list[tuple[JSON, datetime]] = field(default_factory=list)
    shared_files: list[JSON] = field(default_factory=list)
    comment_count: int = 0
    comment_span_days: int = 60
    status_path: list[int] = field(default_factory=list)
    """Statuses the issue goes through, first to last; empty = born in its final status."""
    walk_fields: tuple[str, ...] = ("assigner", "priority", "limitDate")
    """Which other fields comments may change."""
    change_rate: float = 0.3
    """Chance that a comment changes one of `walk_fields`."""
    id: int = 0

    @property
    def key(self) -> str:
        return f"{self.spec.key}-{self.key_id}"
