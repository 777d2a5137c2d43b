"""Drafts → the JSON Backlog would send, built once per space."""

from __future__ import annotations

from collections.abc import Iterator

from backlog_mcp.sandbox.catalog import star
from backlog_mcp.sandbox.drafts import CommentDraft, IssueDraft
from backlog_mcp.sandbox.model import JSON, AttachmentFile, IssueRecord, date_field, timestamp

__all__ = ["render_issue"]

_LIST_TYPES = (6, 7)
_OTHER_VALUE_TYPES = (7, 8)


def render_issue(
    draft: IssueDraft, parent_id: int | None, star_ids: Iterator[int], notification_ids: Iterator[int]
) -> IssueRecord:
    record = IssueRecord(json={})
    attachment_metas = []
    for attachment in sorted(draft.attachments, key=lambda a: a.id):
        meta = {
            "id": attachment.id,
            "name": attachment.name,
            "size": attachment.body.size,
            "createdUser": attachment.author,
            "created": timestamp(attachment.created),
        }
        attachment_metas.append(meta)
        record.files[attachment.id] = AttachmentFile(issue_id=draft.id, meta=meta, body=attachment.body)
    comments = sorted(draft.comments, key=lambda c: c.id)
    record.comments = [_comment(draft, comment, star_ids, notification_ids) for comment in comments]
    last_touch = max([draft.created, *(c.edited_at or c.created for c in comments)])
    record.json = {
        "id": draft.id,
        "projectId": draft.project.id,
        "issueKey": draft.key,
        "keyId": draft.key_id,
        "issueType": draft.issue_type,
        "summary": draft.summary,
        "description": draft.description,
        "resolution": draft.resolution,
        "priority": draft.priority,
        "status": draft.status,
        "assignee": draft.assignee,
        "category": draft.categories,
        "versions": draft.versions,
        "milestone": draft.milestones,
        "startDate": date_field(draft.start) if draft.start else None,
        "dueDate": date_field(draft.due) if draft.due else None,
        "estimatedHours": draft.estimated,
        "actualHours": draft.actual,
        "parentIssueId": parent_id,
        "createdUser": draft.created_user,
        "created": timestamp(draft.created),
        "updatedUser": comments[-1].author if comments else draft.created_user,
        "updated": timestamp(last_touch),
        "customFields": _custom_fields(draft),
        "attachments": attachment_metas,
        "sharedFiles": draft.shared_files,
        "stars": [
            star(next(star_ids), draft.key, draft.summary, presenter, moment)
            for presenter, moment in draft.stars
        ],
    }
    return record


def _comment(
    draft: IssueDraft, comment: CommentDraft, star_ids: Iterator[int], notification_ids: Iterator[int]
) -> JSON:
    if comment.attachment is not None:
        for change in comment.changes or []:
            info = change["attachmentInfo"]
            if info is not None and info["id"] == 0 and info["name"] == comment.attachment.name:
                info["id"] = comment.attachment.id
    stars = []
    if comment.starred_by is not None:
        anchor = f"#comment-{comment.id}"
        stars.append(
            star(next(star_ids), draft.key, draft.summary, comment.starred_by, comment.created, anchor=anchor)
        )
    notifications = []
    for user in comment.notified:
        notification_id = next(notification_ids)
        read = notification_id % 3 != 0
        notifications.append(
            {
                "id": notification_id,
                "alreadyRead": read,
                "reason": 2,
                "user": user,
                "resourceAlreadyRead": read,
            }
        )
    return {
        "id": comment.id,
        "projectId": draft.project.id,
        "issueId": draft.id,
        "content": comment.content,
        "changeLog": comment.changes,
        "createdUser": comment.author,
        "created": timestamp(comment.created),
        "updated": timestamp(comment.edited_at or comment.created),
        "stars": stars,
        "notifications": notifications,
    }


def _custom_fields(draft: IssueDraft) -> list[JSON]:
    """Every field that applies to the issue's type, unset ones as null (lists as `[]`)."""
    rendered = []
    for field in draft.project.custom_fields:
        applicable = field["applicableIssueTypes"]
        if applicable and draft.issue_type["id"] not in applicable:
            continue
        type_id = field["typeId"]
        empty: object = [] if type_id in _LIST_TYPES else None
        value, other = draft.custom_values.get(int(field["id"]), (empty, None))
        item: JSON = {"id": field["id"], "fieldTypeId": type_id, "name": field["name"], "value": value}
        if type_id in _OTHER_VALUE_TYPES:
            item["otherValue"] = other
        rendered.append(item)
    return rendered
