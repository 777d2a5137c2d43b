"""Backlog's per-minute rate limits: one budget per request type, reset a minute after it opens."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["BUCKET_LIMITS", "WINDOW_SECONDS", "BucketState", "RateLimiter", "bucket_for"]

BUCKET_LIMITS = {"read": 600, "update": 150, "search": 150, "icon": 60}
WINDOW_SECONDS = 60.0

_SEARCH_PATHS = frozenset({"/api/v2/issues", "/api/v2/issues/count", "/api/v2/wikis", "/api/v2/wikis/count"})
_ICON_PATH = re.compile(
    r"^/api/v2/(space/image|users/[^/]+/icon|projects/[^/]+/image|groups/[^/]+/icon|teams/[^/]+/icon)$"
)


def bucket_for(method: str, path: str) -> str:
    if method not in ("GET", "HEAD"):
        return "update"
    if path in _SEARCH_PATHS:
        return "search"
    if _ICON_PATH.match(path):
        return "icon"
    return "read"


@dataclass(frozen=True, slots=True)
class BucketState:
    limit: int
    remaining: int
    reset: int
    """Epoch seconds at which the current window ends."""

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


@dataclass(slots=True)
class _Window:
    ends: float
    used: int = 0


class RateLimiter:
    """Counts requests per user and bucket in fixed one-minute windows, as Backlog limits each user.

    A window opens with the first request of its bucket and closes 60 s later. Limits can be
    overridden per call (`Faults.rate_limits`) so tests reach a real 429 cheaply. `who` is the
    caller's user ID (0 for a request that did not authenticate).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._windows: dict[tuple[int, str], _Window] = {}
        self._lock = threading.Lock()

    def consume(self, bucket: str, overrides: Mapping[str, int], who: int = 0) -> tuple[bool, BucketState]:
        """Count one request; False (and nothing counted) when the bucket is already empty."""
        with self._lock:
            window = self._window(who, bucket)
            limit = overrides.get(bucket, BUCKET_LIMITS[bucket])
            allowed = window.used < limit
            if allowed:
                window.used += 1
            return allowed, self._state(window, limit)

    def peek(self, bucket: str, overrides: Mapping[str, int], who: int = 0) -> BucketState:
        with self._lock:
            return self._state(self._window(who, bucket), overrides.get(bucket, BUCKET_LIMITS[bucket]))

    def snapshot(self, overrides: Mapping[str, int], who: int = 0) -> dict[str, BucketState]:
        return {bucket: self.peek(bucket, overrides, who) for bucket in BUCKET_LIMITS}

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def _window(self, who: int, bucket: str) -> _Window:
        now = self._clock()
        window = self._windows.get((who, bucket))
        if window is None or now >= window.ends:
            window = self._windows[who, bucket] = _Window(ends=now + WINDOW_SECONDS)
        return window

    @staticmethod
    def _state(window: _Window, limit: int) -> BucketState:
        return BucketState(limit=limit, remaining=max(limit - window.used, 0), reset=math.ceil(window.ends))
