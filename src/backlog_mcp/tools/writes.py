"""What every write tool shares: its annotations, the dry run, the answer, the log and the audit.

A write is described before it is made (`WritePlan`: the target, each field with its value, and
for updates `from → to` against the current state). A dry run answers with that text, marked
"(not sent)", and sends nothing; a real call sends it once, logs it at INFO, appends a line to
BACKLOG_AUDIT_LOG, and answers with what Backlog reports afterwards (`WriteResult`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from mcp.types import ToolAnnotations
from pydantic import Field

from backlog_mcp.backlog.params import ParamValue
from backlog_mcp.errors import BacklogError
from backlog_mcp.redact import redact
from backlog_mcp.render.writes import Change, WriteResult, plan_text, result_text

if TYPE_CHECKING:
    from backlog_mcp.tools.state import AppState

__all__ = [
    "WRITE_ADDS",
    "WRITE_OVERWRITES",
    "WRITE_TOGGLES",
    "WRITE_UPDATES",
    "AuditLog",
    "Change",
    "DryRunArg",
    "WritePlan",
    "WriteResult",
    "perform",
]

logger = logging.getLogger("backlog_mcp.writes")

# Clients ask the user before a call by these, so each says what the call really does.
# Adds something new each time: repeating it adds it again.
WRITE_ADDS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
)
# Overwrites fields, and its `comment` posts anew each time (backlog_update_issue).
WRITE_UPDATES = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True
)
# Overwrites text: the same call twice leaves the same result.
WRITE_OVERWRITES = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
)
# Sets a flag (watching, read): nothing is lost, and setting it twice is setting it once.
WRITE_TOGGLES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)

DryRunArg = Annotated[bool, Field(description="Preview; send nothing")]


@dataclass(frozen=True, slots=True)
class WritePlan:
    """A write, before it is sent.

    tool: the canonical tool name (for the log and the audit line).
    action: the answer's heading for the dry run (`Add issue to DEMO`).
    target: what is written to (`DEMO`, `DEMO-12`, `comment 5 on DEMO-12`).
    changes: the fields as shown; sent: the form as sent (for the audit line; never a secret).
    """

    tool: str
    action: str
    target: str
    changes: tuple[Change, ...]
    sent: Mapping[str, ParamValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditLog:
    """BACKLOG_AUDIT_LOG: one JSON line per write, appended (None: writes are only logged)."""

    path: Path | None
    secrets: tuple[str, ...] = ()

    async def append(self, entry: Mapping[str, Any]) -> None:
        line = redact(json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str), self.secrets)
        logger.info("write %s", line)
        if self.path is None:
            return
        try:
            # One write of one line, in append mode: lines of concurrent writes never interleave.
            await anyio.to_thread.run_sync(self._write, self.path, line + "\n")
        except OSError as exc:  # the write itself is done: failing the call would invite a repeat
            logger.error("Could not append to BACKLOG_AUDIT_LOG %s: %s", self.path, exc.strerror or exc)

    @staticmethod
    def _write(path: Path, line: str) -> None:
        with path.open("a", encoding="utf-8") as file:
            file.write(line)


def _audit_entry(
    plan: WritePlan, outcome: str, created: str | int | None, user: str | None
) -> dict[str, Any]:
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tool": plan.tool,
        "target": plan.target,
        "fields": {k: v for k, v in plan.sent.items() if v is not None},
        "outcome": outcome,
        "id": created,
    }
    return entry if user is None else entry | {"user": user}


async def _caller(state: AppState) -> str | None:
    """Over HTTP with a caller's own key, whose it is (Backlog's userId): the audit says who wrote.
    Asked after the write and cached per account; never fails the write."""
    if not state.per_user:
        return None
    try:
        me = await state.resolver.myself()
    except BacklogError:
        return "unknown (Backlog did not say whose key)"
    return me.user_id or str(me.id)


async def perform(
    state: AppState,
    plan: WritePlan,
    *,
    dry_run: bool,
    send: Callable[[], Awaitable[WriteResult]],
) -> str:
    """The answer to a write tool's call: the plan (dry run), or the write made and reported.

    Raises:
        BacklogError: the write failed (audited as failed, or as uncertain when no answer said).
    """
    if dry_run:
        return plan_text(plan.action, plan.changes)
    try:
        result = await send()
    except BacklogError as exc:
        outcome = f"failed: {type(exc).__name__}: {exc}"
        await state.audit.append(_audit_entry(plan, outcome, None, await _caller(state)))
        raise
    await state.audit.append(_audit_entry(plan, "done", result.created_id, await _caller(state)))
    return result_text(result)
