"""The deterministic demo space the sandbox serves: pure data, no HTTP.

`DemoSpace()` builds the same space every time (seeded `random.Random`, fixed dates in
2025-2026). Every object is a JSON-ready dict shaped like Backlog's responses, built once and
served as is. Large attachment bodies are not held: they are generated while streaming.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, TypeVar

from backlog_mcp.sandbox.bodies import synthetic_log
from backlog_mcp.sandbox.catalog import (
    LEGACY_STATUSES,
    PRIORITIES,
    PROJECT_SPECS,
    RESOLUTIONS,
    build_projects,
    build_space,
    build_users,
    space_now,
)
from backlog_mcp.sandbox.generate import generate_issues
from backlog_mcp.sandbox.model import JSON, AttachmentFile, IssueRecord, ProjectRecord, timestamp

__all__ = [
    "DEFAULT_SEED",
    "AttachmentFile",
    "DemoSpace",
    "IssueRecord",
    "ProjectRecord",
]

DEFAULT_SEED = 20250401
T = TypeVar("T")
# Who the request being answered authenticated as: each request runs in its own task, so one
# user's request never sees another's.
_caller: ContextVar[JSON | None] = ContextVar("sandbox_caller", default=None)


class DemoSpace:
    """Space, users, projects, issues, comments and attachments of the sandbox."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        rng = random.Random(seed)
        self.space: JSON = build_space()
        self.users: list[JSON] = build_users(rng)
        self.priorities: list[JSON] = PRIORITIES
        self.resolutions: list[JSON] = RESOLUTIONS
        self.legacy_statuses: list[JSON] = LEGACY_STATUSES
        self.projects: list[ProjectRecord] = build_projects(self.users)
        self.issues: list[IssueRecord] = generate_issues(self.projects, PROJECT_SPECS, rng)
        self._users_by_id = {int(user["id"]): user for user in self.users}
        self._projects_by_id = {project.id: project for project in self.projects}
        self._projects_by_key = {project.key: project for project in self.projects}
        self._issues_by_id = {issue.id: issue for issue in self.issues}
        self._issues_by_key = {issue.key: issue for issue in self.issues}
        self._lock = threading.RLock()  # re-entrant: one area's data may build on another's
        self._areas: dict[Callable[[DemoSpace], Any], Any] = {}

    @property
    def myself(self) -> JSON:
        """The user whose key or token made the request being answered; outside a request (and
        for the sandbox's first key) the space administrator."""
        return _caller.get() or self.users[0]

    @contextmanager
    def acting_as(self, user: JSON) -> Iterator[None]:
        """Answers inside the block as `user` (`/users/myself`, a write's author, own watchings)."""
        token = _caller.set(user)
        try:
            yield
        finally:
            _caller.reset(token)

    def area(self, build: Callable[[DemoSpace], T]) -> T:
        """An area's demo data (wiki pages, documents, …), built from this space on first use and
        kept: each area's sandbox module owns its data without the space listing every area."""
        with self._lock:
            if build not in self._areas:
                # Demo data is the same whoever's request happens to build it first.
                with self.acting_as(self.users[0]):
                    self._areas[build] = build(self)
            return self._areas[build]  # type: ignore[no-any-return]

    def user(self, user_id: int) -> JSON | None:
        return self._users_by_id.get(user_id)

    def project(self, id_or_key: str) -> ProjectRecord | None:
        """By numeric id or exact (upper-case) project key."""
        if id_or_key.isdigit():
            return self._projects_by_id.get(int(id_or_key))
        return self._projects_by_key.get(id_or_key)

    def issue(self, id_or_key: str) -> IssueRecord | None:
        """By numeric id or exact issue key (`DEMO-1`)."""
        if id_or_key.isdigit():
            return self._issues_by_id.get(int(id_or_key))
        return self._issues_by_key.get(id_or_key)

    def add_issue(self, issue: IssueRecord) -> None:
        """A written issue (sandbox writes): listed, counted and found like the generated ones."""
        with self._lock:
            self.issues.append(issue)
            self._issues_by_id[issue.id] = issue
            self._issues_by_key[issue.key] = issue

    def add_synthetic_attachment(self, issue_key: str, name: str, size: int) -> int:
        """Attach a `size`-byte text file generated on the fly (nothing is held in memory).

        Returns the new attachment id. Safe to call while the sandbox is serving.
        """
        issue = self._issues_by_key.get(issue_key)
        if issue is None:
            raise KeyError(f"no issue {issue_key!r} in the demo space")
        if size < 0:
            raise ValueError("size must be >= 0")
        with self._lock:
            attachment_id = 1 + max(
                (file_id for record in self.issues for file_id in record.files), default=1076000000
            )
            meta: JSON = {
                "id": attachment_id,
                "name": name,
                "size": size,
                "createdUser": self.myself,
                "created": timestamp(space_now() + timedelta(minutes=len(issue.files))),
            }
            issue.files[attachment_id] = AttachmentFile(
                issue_id=issue.id, meta=meta, body=synthetic_log(size, seed=attachment_id)
            )
            issue.json["attachments"].append(meta)
        return attachment_id
