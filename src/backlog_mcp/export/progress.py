"""The export's progress notifications: a total fixed before the first one, so the bar never goes back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

__all__ = ["Progress", "Steps"]

Progress = Callable[[float, float | None, str], Awaitable[None]]
"""`(progress, total, message)`, called with strictly increasing `progress`."""


class Steps:
    """Counts finished steps and reports them in order, whichever task finishes them.

    The total is the issue, the comment pages, the downloads and the final write. The pages and
    downloads are known only once the comment count and the issue are in (both asked for at the
    start), so steps finished before then are held back rather than sent against a total that
    would then grow: a client's bar would jump back. When the comment count cannot be had, the
    total is not known and none is sent.
    """

    def __init__(self, report: Progress, *, parts: int = 2) -> None:
        self._report = report
        self._done = 0
        self._total: int | None = 2  # the issue, and writing the bundle
        self._unknown = parts
        self._held: str | None = None
        self._lock = anyio.Lock()  # count and send together, so the values go out increasing

    async def expect(self, more: int | None) -> None:
        """One part of the total is known: `more` steps, or None when it cannot be known."""
        async with self._lock:
            self._total = None if more is None or self._total is None else self._total + more
            self._unknown -= 1
            if not self._unknown and self._held is not None:
                await self._send(self._held)
                self._held = None

    async def step(self, message: str) -> None:
        async with self._lock:
            self._done += 1
            if self._unknown:
                self._held = message
            else:
                await self._send(message)

    async def finish(self, message: str) -> None:
        """The last step: the bar reaches its end even when fewer pages came than were counted."""
        async with self._lock:
            self._done = max(self._done + 1, self._total or 0)
            self._total = self._done
            self._unknown = 0
            await self._send(message)

    async def _send(self, message: str) -> None:
        total = None if self._total is None else max(self._total, self._done)
        await self._report(self._done, total, message)
