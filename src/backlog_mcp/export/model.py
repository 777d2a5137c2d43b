"""What an export is made of, shared by the orchestration and the two files it writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backlog_mcp.backlog.issues import Comment, Issue
from backlog_mcp.backlog.models import Attachment
from backlog_mcp.export.placement import Placement

__all__ = ["MIB", "AttachmentEntry", "ExportOptions", "Extract", "IssueContext"]

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """The tool's arguments, in Python terms; defaults are the original server's."""

    include_comments: bool = True
    include_attachments: bool = True
    download_attachments: bool = True
    extract_readable_files: bool = False
    max_attachment_bytes: int = 10 * MIB
    placement_window: timedelta = timedelta(minutes=10)
    skip_changelog_only_comments: bool = False


@dataclass(frozen=True, slots=True)
class Extract:
    """The start of a readable attachment's text, cut at the cap."""

    text: str
    shown_bytes: int
    total_bytes: int
    encoding: str = "utf-8"

    @property
    def truncated(self) -> bool:
        return self.shown_bytes < self.total_bytes


@dataclass(frozen=True, slots=True)
class AttachmentEntry:
    """One attachment as exported: where it belongs, and its file or why there is none."""

    attachment: Attachment
    placement: Placement
    file: str | None = None
    """Path relative to the bundle folder (`attachments/<id>_<safe name>`), when downloaded."""
    media_type: str | None = None
    skipped: str | None = None
    extract: Extract | None = None

    @property
    def is_image(self) -> bool:
        return (self.media_type or "").startswith("image/")


@dataclass(frozen=True, slots=True)
class IssueContext:
    """Everything `raw.md` and `manifest.json` are written from."""

    issue: Issue
    parent_key: str | None
    comments: list[Comment] | None
    """Every comment, oldest first; None when comments were not asked for."""
    attachments: list[AttachmentEntry]
    options: ExportOptions
    generated: datetime
    url: str

    def shown_comments(self) -> list[Comment]:
        """The comments raw.md shows: all of them, or without change-log-only ones when asked —
        except those an attachment is placed on, so the evidence of where it came from stays."""
        comments = self.comments or []
        if not self.options.skip_changelog_only_comments:
            return comments
        holding = {e.placement.comment_id for e in self.attachments}
        return [c for c in comments if (c.content or "").strip() or c.id in holding]
