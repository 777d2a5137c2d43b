"""Comment histories: who said what, and the changeLog entries that move an issue along.

Changes are replayed against the draft: the issue's final status, assignee, priority, due date,
category, milestone and custom values are whatever its comment history left them at, so the
`originalValue` of each entry is the `newValue` of the previous one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from backlog_mcp.sandbox.catalog import PRIORITIES, RESOLUTIONS
from backlog_mcp.sandbox.drafts import CommentDraft, IssueDraft
from backlog_mcp.sandbox.model import JSON
from backlog_mcp.sandbox.texts import COMMENTS_EN, COMMENTS_JA, COMMENTS_VI

__all__ = ["CLOSED_STATUS_IDS", "fill_history", "status_path"]

_OPEN, _IN_PROGRESS, _RESOLVED, _CLOSED = 1, 2, 3, 4
CLOSED_STATUS_IDS = (_RESOLVED, _CLOSED)
_COMMENT_CORPUS = {"ja": COMMENTS_JA, "vi": COMMENTS_VI, "en": COMMENTS_EN, "ops": COMMENTS_EN}


def status_path(rng: random.Random, final: int, available: list[int], wander: int = 0) -> list[int]:
    """Open → … → final, optionally wandering `wander` extra steps first (reviews, reopenings)."""
    path = [_OPEN]
    for _ in range(wander):
        path.append(rng.choice([s for s in available if s != path[-1]]))
    if final in (_RESOLVED, _CLOSED) or final > _CLOSED:
        path.append(_IN_PROGRESS)
    if final == _CLOSED:
        path.append(_RESOLVED)
    path.append(final)
    return [s for n, s in enumerate(path) if n == 0 or s != path[n - 1]]


def _entry(
    field: str,
    new: str | None,
    original: str | None,
    *,
    attachment: JSON | None = None,
    attribute: JSON | None = None,
) -> JSON:
    return {
        "field": field,
        "newValue": new,
        "originalValue": original,
        "attachmentInfo": attachment,
        "attributeInfo": attribute,
        "notificationInfo": None,
    }


def fill_history(draft: IssueDraft, rng: random.Random, members: list[JSON], now: datetime) -> None:
    """Draft `draft.comment_count` comments and apply their changes to the draft."""
    if draft.comment_count == 0:
        return
    authors = [user for user in members if user["roleType"] in (1, 2, 3, 5)]
    end = min(draft.created + timedelta(days=draft.comment_span_days), now - timedelta(hours=1))
    span = max((end - draft.created).total_seconds(), 3600.0)
    moments = sorted(
        draft.created + timedelta(seconds=rng.uniform(60, span)) for _ in range(draft.comment_count)
    )
    draft.comments = [
        CommentDraft(created=moment, author=rng.choice(authors), content="") for moment in moments
    ]
    walk = _Walk(draft, rng, members)
    _plan_status(draft, rng, walk)
    _plan_attachments(draft, rng)
    for comment in draft.comments:
        _finish_comment(draft, comment, rng, walk, members)


def _plan_status(draft: IssueDraft, rng: random.Random, walk: _Walk) -> None:
    path = draft.status_path
    if not path:
        return
    if len(path) - 1 > len(draft.comments):
        path = [path[0], path[-1]] if path[0] != path[-1] else [path[0]]
    draft.status = walk.status_by_id[path[0]]
    draft.resolution = None
    carriers = sorted(rng.sample(range(len(draft.comments)), len(path) - 1))
    for step, index in enumerate(carriers, start=1):
        comment = draft.comments[index]
        comment.changes = (comment.changes or []) + walk.move_status(path[step])


def _plan_attachments(draft: IssueDraft, rng: random.Random) -> None:
    late = [attachment for attachment in draft.attachments if attachment.via_comment]
    free = [comment for comment in draft.comments if comment.attachment is None]
    for attachment, comment in zip(late, rng.sample(free, min(len(late), len(free))), strict=False):
        comment.attachment = attachment
        attachment.created = comment.created
        attachment.author = comment.author


def _finish_comment(
    draft: IssueDraft, comment: CommentDraft, rng: random.Random, walk: _Walk, members: list[JSON]
) -> None:
    if draft.walk_fields and rng.random() < draft.change_rate:
        comment.changes = (comment.changes or []) + walk.change(rng.choice(draft.walk_fields))
    corpus = _COMMENT_CORPUS[draft.spec.language]
    if draft.spec.language == "ja" and rng.random() < 0.15:
        corpus = rng.choice((COMMENTS_EN, COMMENTS_VI))
    if comment.changes and rng.random() < 0.4:
        comment.content = ""  # a change-only comment, as the "update issue" form produces
    else:
        comment.content = rng.choice(corpus)
    if comment.attachment is not None:
        name = comment.attachment.name
        info = {"id": 0, "name": name}  # id filled in once attachment ids exist
        comment.changes = (comment.changes or []) + [_entry("attachment", name, None, attachment=info)]
    if comment.changes is None and rng.random() < 0.4:
        comment.changes = []
    others = [user for user in members if user["id"] != comment.author["id"]]
    if rng.random() < 0.25:
        comment.notified = rng.sample(others, min(len(others), rng.randint(1, 2)))
    if rng.random() < 0.05:
        comment.starred_by = rng.choice(others)
    if rng.random() < 0.1:
        comment.edited_at = comment.created + timedelta(minutes=rng.randint(1, 600))


class _Walk:
    """Applies one change at a time to the draft and returns the changeLog entries for it."""

    def __init__(self, draft: IssueDraft, rng: random.Random, members: list[JSON]) -> None:
        self.draft = draft
        self.rng = rng
        self.assignees = [user for user in members if user["roleType"] in (1, 2, 3)]
        self.status_by_id = {int(status["id"]): status for status in draft.project.statuses}
        self.handlers: dict[str, Callable[[], list[JSON]]] = {
            "assigner": self._assignee,
            "priority": self._priority,
            "limitDate": self._due,
            "component": self._category,
            "milestone": self._milestone,
            "custom": self._custom,
            "description": self._description,
        }

    def change(self, field: str) -> list[JSON]:
        return self.handlers[field]()

    def move_status(self, new_id: int) -> list[JSON]:
        draft = self.draft
        new = self.status_by_id[new_id]
        entries = [_entry("status", new["name"], draft.status["name"])]
        draft.status = new
        if new_id in CLOSED_STATUS_IDS and draft.resolution is None:
            draft.resolution = RESOLUTIONS[0] if self.rng.random() < 0.8 else self.rng.choice(RESOLUTIONS[1:])
            entries.append(_entry("resolution", draft.resolution["name"], None))
        elif new_id not in CLOSED_STATUS_IDS and draft.resolution is not None:
            entries.append(_entry("resolution", None, draft.resolution["name"]))
            draft.resolution = None
        return entries

    def _assignee(self) -> list[JSON]:
        current = self.draft.assignee
        new = self.rng.choice(
            [user for user in self.assignees if current is None or user["id"] != current["id"]]
        )
        self.draft.assignee = new
        return [_entry("assigner", new["name"], current["name"] if current else None)]

    def _priority(self) -> list[JSON]:
        current = self.draft.priority
        new = self.rng.choice([p for p in PRIORITIES if p["id"] != current["id"]])
        self.draft.priority = new
        return [_entry("priority", new["name"], current["name"])]

    def _due(self) -> list[JSON]:
        current = self.draft.due
        new = (current or self.draft.created.date()) + timedelta(days=self.rng.randint(3, 30))
        self.draft.due = new
        return [_entry("limitDate", new.isoformat(), current.isoformat() if current else None)]

    def _category(self) -> list[JSON]:
        current = self.draft.categories
        new = [self.rng.choice(self.draft.project.categories)]
        self.draft.categories = new
        return [_entry("component", new[0]["name"], _names(current))]

    def _milestone(self) -> list[JSON]:
        current = self.draft.milestones
        open_versions = [v for v in self.draft.project.versions if not v["archived"]]
        new = [self.rng.choice(open_versions)]
        self.draft.milestones = new
        return [_entry("milestone", new[0]["name"], _names(current))]

    def _description(self) -> list[JSON]:
        """Appends a note, as people do when a decision lands; the log carries both whole texts."""
        before = self.draft.description
        after = f"{before.rstrip()}\n\n追記: {self.rng.choice(COMMENTS_JA)}"
        self.draft.description = after
        return [_entry("description", after, before)]

    def _custom(self) -> list[JSON]:
        """Changes 見積ポイント (numeric) or 影響範囲 (single list): display text, like the real log."""
        fields = [f for f in self.draft.project.custom_fields if f["typeId"] in (3, 5)]
        definition = self.rng.choice(fields)
        field_id = int(definition["id"])
        current, _ = self.draft.custom_values.get(field_id, (None, None))
        new: object
        if definition["typeId"] == 3:
            points = float(self.rng.choice((1, 2, 3, 5, 8, 13)))
            new, shown = points, f"{points:g}"
            before = f"{current:g}" if isinstance(current, float) else None
        else:
            item = self.rng.choice(definition["items"])
            new, shown = item, str(item["name"])
            before = str(current["name"]) if isinstance(current, dict) else None
        self.draft.custom_values[field_id] = (new, None)
        attribute = {"id": field_id, "typeId": definition["typeId"]}
        return [_entry(definition["name"], shown, before, attribute=attribute)]


def _names(items: list[JSON]) -> str | None:
    return ",".join(item["name"] for item in items) or None
