"""Where each attachment belongs: the description or one comment, with how sure we are and why.

Backlog does not say which comment added an attachment, so the evidence is weighed in order:
a comment whose change log adds the file (Backlog's own record), then the first place that names
the file or its ID, then the nearest post by the same uploader within a time window.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from backlog_mcp.backlog.issues import Comment, Issue
from backlog_mcp.backlog.models import Attachment

__all__ = ["Confidence", "Placement", "mentions_id", "mentions_name", "place_attachments"]

Confidence = Literal["exact", "inferred", "unmatched"]
Target = Literal["description", "comment"]


@dataclass(frozen=True, slots=True)
class Placement:
    confidence: Confidence
    reason: str
    target: Target | None = None
    comment_id: int | None = None


UNMATCHED = Placement("unmatched", "no mention, change log entry or nearby post by the uploader")


@dataclass(frozen=True, slots=True)
class _Post:
    """The description or one comment, as placement sees it."""

    target: Target
    comment_id: int | None
    text: str
    author_id: int | None
    created: datetime | None

    def placement(self, confidence: Confidence, reason: str) -> Placement:
        return Placement(confidence, reason, self.target, self.comment_id)


def mentions_id(text: str, attachment_id: int) -> bool:
    """The ID as a whole token: 10 is not in "100", "v10.2" or "1.10".

    ASCII word rules, so an ID written inside Japanese text ("添付10を参照") still counts.
    """
    return re.search(rf"(?<![\w.]){attachment_id}(?!\w|\.\d)", text, re.ASCII) is not None


def mentions_name(text: str, name: str) -> bool:
    """The whole file name, not part of a longer one ("notes.txt" is not in "mynotes.txt")."""
    if not name.strip():
        return False
    pattern = rf"(?<![\w.-]){re.escape(name)}(?![\w-]|\.\w)"
    return re.search(pattern, text, re.ASCII) is not None


def _posts(issue: Issue, comments: Sequence[Comment]) -> list[_Post]:
    author = issue.created_user.id if issue.created_user else None
    posts = [_Post("description", None, issue.description or "", author, issue.created)]
    posts += [
        _Post("comment", c.id, c.content or "", c.created_user.id if c.created_user else None, c.created)
        for c in comments
    ]
    return posts


def _added_by_change_log(attachments: Sequence[Attachment], comments: Sequence[Comment]) -> dict[int, int]:
    """Attachment ID → the comment whose change log adds it.

    By `attachmentInfo.id` when Backlog sends it; else by name, taking the same-named attachment
    created nearest that comment so two files called the same are not both claimed.
    """
    known = {a.id for a in attachments}
    added: dict[int, int] = {}
    for comment in comments:
        for entry in comment.change_log or ():
            if entry.field != "attachment" or entry.custom_field or not (entry.new_value or "").strip():
                continue  # a removal, or no file named
            info_id = entry.attachment_info.id if entry.attachment_info else 0
            if info_id in known:
                added.setdefault(info_id, comment.id)
                continue
            same_name = [a for a in attachments if a.name == entry.new_value and a.id not in added]
            if same_name:
                nearest = min(same_name, key=lambda a: _distance(a.created, comment.created))
                added[nearest.id] = comment.id
    return added


def _distance(a: datetime | None, b: datetime | None) -> timedelta:
    if a is None or b is None:
        return timedelta.max
    return abs(a - b)


def _by_mention(attachment: Attachment, posts: Sequence[_Post], window: timedelta) -> Placement | None:
    """The first post that names the file or its ID; posts made before the upload (less the
    window) come last, since a file is usually named where it is shared."""

    def before_upload(post: _Post) -> bool:
        return bool(post.created and attachment.created and post.created < attachment.created - window)

    for post in sorted(posts, key=before_upload):  # stable: description, then comments oldest first
        where = "the description" if post.target == "description" else "the comment"
        if mentions_name(post.text, attachment.name):
            return post.placement("exact", f"{where} names the file")
        if mentions_id(post.text, attachment.id):
            return post.placement("exact", f"{where} names its ID")
    return None


def _by_uploader(attachment: Attachment, posts: Sequence[_Post], window: timedelta) -> Placement | None:
    """The post by the same uploader nearest the upload time, within the window (ties: earlier)."""
    uploader = attachment.created_user.id if attachment.created_user else None
    if uploader is None or attachment.created is None:
        return None
    near = [
        (_distance(p.created, attachment.created), index, p)
        for index, p in enumerate(posts)
        if p.author_id == uploader and _distance(p.created, attachment.created) <= window
    ]
    if not near:
        return None
    gap, _, post = min(near, key=lambda item: (item[0], item[1]))
    minutes = round(gap.total_seconds() / 60)
    where = "issue" if post.target == "description" else "comment"
    return post.placement("inferred", f"same uploader; {where} posted {minutes} min from the upload")


def place_attachments(
    issue: Issue, attachments: Sequence[Attachment], comments: Sequence[Comment], *, window: timedelta
) -> dict[int, Placement]:
    """Attachment ID → its placement, for every attachment given."""
    posts = _posts(issue, comments)
    added = _added_by_change_log(attachments, comments)
    placements: dict[int, Placement] = {}
    for attachment in attachments:
        if attachment.id in added:
            placements[attachment.id] = Placement("exact", "change log", "comment", added[attachment.id])
            continue
        placements[attachment.id] = (
            _by_mention(attachment, posts, window) or _by_uploader(attachment, posts, window) or UNMATCHED
        )
    return placements
