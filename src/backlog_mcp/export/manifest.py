"""`manifest.json`: the bundle described for programs and agents, one entry per attachment."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from backlog_mcp.export.model import AttachmentEntry, IssueContext
from backlog_mcp.export.placement import Confidence

__all__ = ["ATTACHMENTS_DIR", "MANIFEST_NAME", "RAW_NAME", "Manifest", "build_manifest", "manifest_json"]

RAW_NAME = "raw.md"
MANIFEST_NAME = "manifest.json"
ATTACHMENTS_DIR = "attachments"
SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class ManifestAttachment(_Model):
    id: int
    name: str
    size: int | None
    uploader: str | None
    uploader_id: int | None
    created: str | None
    path: str | None
    """Relative to the bundle folder; null when the file was not downloaded."""
    media_type: str | None
    target: Literal["description", "comment"] | None
    confidence: Confidence
    reason: str
    comment_id: int | None
    skipped_reason: str | None
    extracted: bool


class ManifestCounts(_Model):
    comments: int
    comments_shown: int
    attachments: int
    downloaded: int
    skipped: int
    extracted: int
    placed_exact: int
    placed_inferred: int
    unmatched: int


class ManifestOptions(_Model):
    include_comments: bool
    include_attachments: bool
    download_attachments: bool
    extract_readable_files: bool
    max_attachment_bytes: int
    placement_window_minutes: int
    skip_changelog_only_comments: bool


class Manifest(_Model):
    schema_version: int
    issue_key: str
    issue_id: int
    summary: str
    url: str
    generated_at: str
    raw_markdown: str
    attachments_dir: str
    options: ManifestOptions
    counts: ManifestCounts
    attachments: list[ManifestAttachment]


def _iso(value: datetime | None, zone: tzinfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else None


def _attachment(entry: AttachmentEntry, zone: tzinfo) -> ManifestAttachment:
    a, placement = entry.attachment, entry.placement
    return ManifestAttachment(
        id=a.id,
        name=a.name,
        size=a.size,
        uploader=a.created_user.name or a.created_user.user_id if a.created_user else None,
        uploader_id=a.created_user.id if a.created_user else None,
        created=_iso(a.created, zone),
        path=entry.file,
        media_type=entry.media_type,
        target=placement.target,
        confidence=placement.confidence,
        reason=placement.reason,
        comment_id=placement.comment_id,
        skipped_reason=entry.skipped,
        extracted=entry.extract is not None,
    )


def build_manifest(context: IssueContext, zone: tzinfo) -> Manifest:
    entries = context.attachments
    options = context.options

    def placed(confidence: Confidence) -> int:
        return sum(1 for e in entries if e.placement.confidence == confidence)

    return Manifest(
        schema_version=SCHEMA_VERSION,
        issue_key=context.issue.issue_key,
        issue_id=context.issue.id,
        summary=context.issue.summary,
        url=context.url,
        generated_at=_iso(context.generated, zone) or "",
        raw_markdown=RAW_NAME,
        attachments_dir=f"{ATTACHMENTS_DIR}/",
        options=ManifestOptions(
            include_comments=options.include_comments,
            include_attachments=options.include_attachments,
            download_attachments=options.download_attachments,
            extract_readable_files=options.extract_readable_files,
            max_attachment_bytes=options.max_attachment_bytes,
            placement_window_minutes=int(options.placement_window.total_seconds() // 60),
            skip_changelog_only_comments=options.skip_changelog_only_comments,
        ),
        counts=ManifestCounts(
            comments=len(context.comments or []),
            comments_shown=len(context.shown_comments()),
            attachments=len(entries),
            downloaded=sum(1 for e in entries if e.file),
            skipped=sum(1 for e in entries if e.skipped),
            extracted=sum(1 for e in entries if e.extract),
            placed_exact=placed("exact"),
            placed_inferred=placed("inferred"),
            unmatched=placed("unmatched"),
        ),
        attachments=[_attachment(e, zone) for e in entries],
    )


def manifest_json(manifest: Manifest) -> str:
    """Pretty, UTF-8 as written (Japanese names stay readable, not \\u-escaped)."""
    data = manifest.model_dump(mode="json", by_alias=True)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
