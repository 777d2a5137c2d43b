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
from backlog_mcp.render.text import fenced, one_line

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
    "render_changes",
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
_ARROW = "→"
_NONE = "(none)"


@dataclass(frozen=True, slots=True)
class Change:
    """One field as a person reads it: names with their IDs (`バグ (ID 2)`), not IDs alone.

    `before` is the current value for an update (None: the field is added, not changed).
    """

    field: str
    after: str | None
    before: str | None = None
    is_update: bool = False

    @classmethod
    def update(cls, name: str, before: str | None, after: str | None) -> Change:
        return cls(name, after, before, is_update=True)


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
class WriteResult:
    """What Backlog reports after the write: heading (`Added DEMO-124`), its link, the fields."""

    heading: str
    link: str | None = None
    changes: tuple[Change, ...] = ()
    created_id: str | int | None = None
    note: str | None = None


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


def _value(value: str | None) -> str:
    return _NONE if value is None or value == "" else value


def _line(change: Change) -> str:
    after = _value(change.after)
    if "\n" in after or (change.before is not None and "\n" in change.before):
        # Multi-line text (a description, a comment) is someone else's: fenced, never inline.
        if change.is_update:
            return f"- {change.field}: from\n{fenced(_value(change.before))}\n  to\n{fenced(after)}"
        return f"- {change.field}:\n{fenced(after)}"
    if change.is_update:
        return f"- {change.field}: {one_line(_value(change.before))} {_ARROW} {one_line(after)}"
    return f"- {change.field}: {one_line(after)}"


def render_changes(changes: tuple[Change, ...]) -> str:
    return "\n".join(_line(c) for c in changes)


def _plan_text(plan: WritePlan) -> str:
    lines = [f"{plan.action} (not sent)"]
    if plan.changes:
        lines.append(render_changes(plan.changes))
    lines.append("Nothing was sent: call again without dryRun to do it.")
    return "\n".join(lines)


def _result_text(result: WriteResult) -> str:
    heading = result.heading + (f": {result.link}" if result.link else "")
    lines = [heading]
    if result.changes:
        lines.append(render_changes(result.changes))
    if result.note:
        lines.append(result.note)
    return "\n".join(lines)


def _audit_entry(plan: WritePlan, outcome: str, created: str | int | None) -> dict[str, Any]:
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tool": plan.tool,
        "target": plan.target,
        "fields": {k: v for k, v in plan.sent.items() if v is not None},
        "outcome": outcome,
        "id": created,
    }


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
        return _plan_text(plan)
    try:
        result = await send()
    except BacklogError as exc:
        await state.audit.append(_audit_entry(plan, f"failed: {type(exc).__name__}: {exc}", None))
        raise
    await state.audit.append(_audit_entry(plan, "done", result.created_id))
    return _result_text(result)
