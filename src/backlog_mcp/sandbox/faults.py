"""Fault-injection knobs for the sandbox.

One `Faults` instance is shared by the app and whoever drives it (tests, benchmarks). The app reads
it on every request, so changing a field takes effect on the next call; counters such as
`throttle_next` are decremented by the app as it consumes them.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, fields

__all__ = ["Faults"]


@dataclass
class Faults:
    """What the sandbox should get wrong, on purpose."""

    latency_seconds: float = 0.0
    """Delay before answering every `/api/v2` request."""

    throttle_next: int = 0
    """The next N authenticated API requests answer 429 (code 13) as if the bucket were empty."""

    throttle_reset_seconds: int = 2
    """`X-RateLimit-Reset` of a throttled answer is now + this many seconds."""

    fail_next: int = 0
    """The next N authenticated API requests answer `fail_status` with a Backlog error body."""

    fail_status: int = 500

    fail_attachment_ids: set[int] = field(default_factory=set)
    """Downloading these attachments answers 500 with an error body."""

    truncate_attachment_ids: set[int] = field(default_factory=set)
    """These downloads send their headers and part of the body, then drop the connection."""

    truncate_next_downloads: int = 0
    """The next N downloads, of any attachment, break off like `truncate_attachment_ids`: a flaky
    connection, which a retry gets past."""

    download_chunk_delay_seconds: float = 0.0
    """Pause before each chunk of a download's body, so a download stays in flight (to cancel it)."""

    fail_next_writes: int = 0
    """The next N write requests (not GET) answer `fail_status`, undone: reads pass meanwhile."""

    write_answer_delay_seconds: float = 0.0
    """Every write is done, then its answer waits this long: a client's timeout fires after
    Backlog has done it, the case where sending it again would do it twice."""

    arrived: threading.Event | None = None
    """Set as each API request arrives, before its latency: lets a test act while a call is
    surely in flight (a server's shutdown, say) without sleeping."""

    rate_limits: dict[str, int] = field(default_factory=dict)
    """Per-bucket limit overrides (`read`, `update`, `search`, `icon`), so a real 429 is reachable
    in a test without sending hundreds of requests."""

    def reset(self) -> None:
        """Back to no faults at all, in place (the app holds this very object)."""
        self.copy_from(Faults())

    def copy_from(self, other: Faults) -> None:
        """Take every knob from `other`, in place; containers are copied, not shared."""
        for knob in fields(self):
            setattr(self, knob.name, copy.copy(getattr(other, knob.name)))
