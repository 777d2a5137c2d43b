"""How a write reads: each field as a person reads it, `from → to` for what an update overwrites.

Values are someone else's text: one line through `one_line`, several in a fence of ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from backlog_mcp.render.text import fenced, one_line

__all__ = ["Change", "WriteResult", "plan_text", "render_changes", "result_text"]

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
class WriteResult:
    """What Backlog reports after the write: heading (`Added DEMO-124`), its link, the fields."""

    heading: str
    link: str | None = None
    changes: tuple[Change, ...] = ()
    created_id: str | int | None = None
    note: str | None = None


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


def plan_text(action: str, changes: tuple[Change, ...]) -> str:
    """A dry run's answer: what would be sent, and that nothing was."""
    lines = [f"{action} (not sent)"]
    if changes:
        lines.append(render_changes(changes))
    lines.append("Nothing was sent: call again without dryRun to do it.")
    return "\n".join(lines)


def result_text(result: WriteResult) -> str:
    """A write's answer: what Backlog reports it did."""
    heading = result.heading + (f": {result.link}" if result.link else "")
    lines = [heading]
    if result.changes:
        lines.append(render_changes(result.changes))
    if result.note:
        lines.append(result.note)
    return "\n".join(lines)
