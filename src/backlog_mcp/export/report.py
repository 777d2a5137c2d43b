"""The tool's answer: where the bundle is, what it holds, what was left out, what to do next."""

from __future__ import annotations

from backlog_mcp.export.bundle import DOWNLOAD_FAILED, ExportResult
from backlog_mcp.export.leftovers import Note, Recovered
from backlog_mcp.export.manifest import ATTACHMENTS_DIR
from backlog_mcp.render.text import one_line, plural

__all__ = ["render_export_result"]

_KEPT_SHOWN = 20


def render_export_result(result: ExportResult) -> str:
    context = result.context
    key = context.issue.issue_key
    entries = context.attachments
    downloaded = sum(1 for e in entries if e.file)
    skipped = [e for e in entries if e.skipped]
    placed = {c: sum(1 for e in entries if e.placement.confidence == c) for c in ("exact", "inferred")}
    unmatched = len(entries) - placed["exact"] - placed["inferred"]
    if context.comments is None:
        comments = "comments not included"
    else:
        shown = len(context.shown_comments())
        comments = f"{plural(len(context.comments), 'comment')} oldest first"
        if shown != len(context.comments):
            comments += f" ({len(context.comments) - shown} change-log-only left out)"
    saved = f"{downloaded} saved in {result.folder / ATTACHMENTS_DIR}" if downloaded else "none saved"
    lines = [
        f"Exported {key} to {result.folder}"
        + (" (replaced the files of its previous export)." if result.replaced else "."),
        f"- raw.md: {result.raw_path} — fields, description, {comments}, attachments where they belong",
        f"- manifest.json: {result.manifest_path} — per attachment: file, placement, confidence, reason",
        f"- Attachments: {len(entries)}; {saved}, {len(skipped)} skipped; placed {placed['exact']} exact, "
        f"{placed['inferred']} inferred, {unmatched} unmatched",
    ]
    if not context.options.include_attachments:
        count = len(context.issue.attachments)
        lines[-1] = f"- Attachments: not included (includeAttachments=false); the issue has {count}"
    if result.kept:
        lines.append(_kept(result.kept))
    lines += [_leftover(note) for note in result.leftovers]
    if skipped:
        lines.append("Skipped:")
        lines += [f"- {e.attachment.id} {one_line(e.attachment.name)}: {e.skipped}" for e in skipped]
    if any(e.skipped and e.skipped.startswith(DOWNLOAD_FAILED) for e in entries):
        lines.append(
            f"A failed download can be tried again alone: backlog_download_attachment with "
            f"issueIdOrKey={key} and its attachmentId."
        )
    lines.append(
        "Next: read raw.md in full (the source of truth) and manifest.json for placement confidence; "
        "the backlog_issue_summary prompt turns them into a summary."
    )
    return "\n".join(lines)


def _kept(kept: tuple[str, ...]) -> str:
    shown = ", ".join(kept[:_KEPT_SHOWN])
    more = f" and {len(kept) - _KEPT_SHOWN} more" if len(kept) > _KEPT_SHOWN else ""
    return f"- Kept {len(kept)} that this tool did not write, untouched in the folder: {shown}{more}"


def _leftover(note: Note) -> str:
    if isinstance(note, Recovered):
        shown = ", ".join(note.names[:_KEPT_SHOWN])
        more = f" and {len(note.names) - _KEPT_SHOWN} more" if len(note.names) > _KEPT_SHOWN else ""
        return (
            f"- Recovered {len(note.names)} that this tool did not write from {note.source.name} "
            f"(left by an export that was stopped) into {note.destination}: {shown}{more}"
        )
    return f"- Left {note.folder} in place, for you to look at: {note.reason}"
