"""Project key → ID resolution and short-lived caches of reference data.

Keys and IDs never change while a process lives, so a project is looked up once per key and an
issue's key once per ID.
Statuses, priorities, categories and the like change rarely: they are kept for a short TTL,
so an agent that lists statuses and then filters by them costs one request, not two.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

import anyio

from backlog_mcp.aio import gather
from backlog_mcp.backlog.client import BacklogClient
from backlog_mcp.backlog.issues import CustomField, Issue, IssueEndpoints, IssueFilter, IssuePage
from backlog_mcp.backlog.models import Priority, Resolution, User
from backlog_mcp.backlog.projects import Category, IssueType, Project, ProjectEndpoints, Status, Version
from backlog_mcp.backlog.space import SpaceEndpoints

__all__ = ["Resolver", "TTLCache"]

T = TypeVar("T")
_MAX_PAGE = 100  # issues per `GET /issues`, so IDs per lookup


class TTLCache:
    """Async memo with expiry; concurrent misses on one key make a single call, and share its
    failure too: a caller that waited through a failed call gets that error rather than another
    full round of retries, so the last of many waiters ends as soon as the first."""

    def __init__(self, ttl_seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._values: dict[Hashable, tuple[float, Any]] = {}
        self._locks: dict[Hashable, anyio.Lock] = {}
        self._failures: dict[Hashable, int] = {}  # calls failed so far, per key
        self._last_error: dict[Hashable, Exception] = {}  # since the last success

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        failures_before = self._failures.get(key, 0)
        lock = self._locks.setdefault(key, anyio.Lock())
        async with lock:
            hit = self._values.get(key)
            if hit is not None and (self._ttl is None or hit[0] > self._clock()):
                return hit[1]  # type: ignore[no-any-return]
            error = self._last_error.get(key)
            if error is not None and self._failures[key] > failures_before:
                raise error
            try:
                value = await load()
            except Exception as exc:
                self._failures[key] = self._failures.get(key, 0) + 1
                self._last_error[key] = exc
                raise
            self._last_error.pop(key, None)
            self._values[key] = (self._clock() + (self._ttl or 0.0), value)
            return value


class Resolver:
    """Cached lookups over a `BacklogClient`."""

    def __init__(self, api: BacklogClient, *, ttl_seconds: float) -> None:
        self._api = api
        self._issues = IssueEndpoints(api)
        self._projects_api = ProjectEndpoints(api)
        self._projects = TTLCache(None)
        self._identity = TTLCache(None)  # whom the credentials belong to never changes either
        self._reference = TTLCache(ttl_seconds if ttl_seconds > 0 else 1e-9)
        self._issue_keys: dict[int, str] = {}

    def remember_issues(self, issues: Iterable[Issue]) -> None:
        """Notes the keys of issues already fetched, so naming them later costs nothing."""
        self._issue_keys.update((issue.id, issue.issue_key) for issue in issues)

    async def issue_keys(self, ids: Iterable[int]) -> dict[int, str]:
        """Issue ID → key; the unknown ones in one `GET /issues?id[]=…` per 100, then remembered.

        An ID Backlog does not return (deleted, or not visible to this user) is left out.
        """
        wanted = set(ids)
        missing = sorted(wanted - self._issue_keys.keys())
        chunks = [tuple(missing[i : i + _MAX_PAGE]) for i in range(0, len(missing), _MAX_PAGE)]
        found = await gather(
            *(self._issues.get_issues(IssueFilter(id=chunk), IssuePage(count=len(chunk))) for chunk in chunks)
        )
        for issues in found:
            self.remember_issues(issues)
        return {i: self._issue_keys[i] for i in wanted if i in self._issue_keys}

    async def project(self, key_or_id: str | int) -> Project:
        """The project for a key (`DEMO`) or a numeric ID, looked up once per process."""
        ref = str(key_or_id).strip()
        lookup = ref if ref.isdigit() else ref.upper()
        return await self._projects.get(lookup, lambda: self._projects_api.get_project(lookup))

    async def project_id(self, key_or_id: str | int) -> int:
        # A numeric ID is looked up too (once): Backlog filters by an unknown ID without
        # complaint, and "no issues" would then hide a wrong ID.
        return (await self.project(key_or_id)).id

    async def _per_project(
        self, kind: str, project: str | int, load: Callable[[str | int], Awaitable[T]]
    ) -> T:
        # Backlog takes a key or an ID in these paths, so no key → ID lookup is spent here.
        ref = str(project).strip().upper()
        return await self._reference.get((kind, ref), lambda: load(ref))

    async def statuses(self, project: str | int) -> list[Status]:
        return await self._per_project("statuses", project, self._projects_api.get_statuses)

    async def issue_types(self, project: str | int) -> list[IssueType]:
        return await self._per_project("issue_types", project, self._projects_api.get_issue_types)

    async def categories(self, project: str | int) -> list[Category]:
        return await self._per_project("categories", project, self._projects_api.get_categories)

    async def versions(self, project: str | int) -> list[Version]:
        return await self._per_project("versions", project, self._projects_api.get_versions)

    async def users(self, project: str | int) -> list[User]:
        return await self._per_project("users", project, self._projects_api.get_project_users)

    async def custom_fields(self, project: str | int) -> list[CustomField]:
        return await self._per_project("custom_fields", project, self._issues.get_custom_fields)

    async def priorities(self) -> list[Priority]:
        return await self._reference.get("priorities", SpaceEndpoints(self._api).get_priorities)

    async def resolutions(self) -> list[Resolution]:
        return await self._reference.get("resolutions", SpaceEndpoints(self._api).get_resolutions)

    async def myself(self) -> User:
        """The user the credentials belong to: the same for the life of the process."""
        return await self._identity.get("myself", SpaceEndpoints(self._api).get_myself)
