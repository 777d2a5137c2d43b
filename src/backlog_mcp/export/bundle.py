"""One export, start to finish: fetch, download, write, swap the finished bundle into place.

The comment pages must come one after another (each continues past the last ID of the one
before), so they set the pace. Everything else runs beside them: the issue, the comment count
(for the progress total) and, as soon as the issue names its attachments, the downloads.

Nothing is written under the bundle's real name until the end: the bundle is built in a hidden
sibling folder and renamed into place, so a failed or cancelled export leaves the previous one
exactly as it was, and a re-export never mixes old files of ours with new ones. Files in the
previous bundle that we did not write move into the new one (see `folder.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import anyio

from backlog_mcp.aio import gather
from backlog_mcp.backlog.attachments import FileRef
from backlog_mcp.backlog.client import BacklogClient
from backlog_mcp.backlog.issues import Comment, Issue, IssueEndpoints
from backlog_mcp.backlog.models import Attachment
from backlog_mcp.errors import BacklogError
from backlog_mcp.export.folder import STAGING, hidden_sibling, our_files, release, swap_in
from backlog_mcp.export.leftovers import Note, clear, clear_stale
from backlog_mcp.export.manifest import (
    ATTACHMENTS_DIR,
    MANIFEST_NAME,
    RAW_NAME,
    build_manifest,
    manifest_json,
)
from backlog_mcp.export.markdown import render_raw_markdown
from backlog_mcp.export.model import AttachmentEntry, ExportOptions, Extract, IssueContext
from backlog_mcp.export.placement import place_attachments
from backlog_mcp.export.progress import Progress, Steps
from backlog_mcp.files.atomic import write_stream_atomically
from backlog_mcp.files.attachments import AttachmentTooLargeError, save_attachment
from backlog_mcp.files.names import safe_name
from backlog_mcp.files.sniff import decode_text, image_type, media_type
from backlog_mcp.render.text import RenderContext, one_line

__all__ = [
    "COMMENT_PAGE",
    "DOWNLOAD_CONCURRENCY",
    "DOWNLOAD_FAILED",
    "EXTRACT_MAX_BYTES",
    "ExportResult",
    "Progress",
    "export_issue",
]

COMMENT_PAGE = 100  # Backlog's largest page
DOWNLOAD_CONCURRENCY = 4  # enough to hide latency, gentle on Backlog's rate limit
EXTRACT_MAX_BYTES = 32 * 1024
DOWNLOAD_FAILED = "the download failed"
_SNIFF_BYTES = 4096
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ExportResult:
    folder: Path
    context: IssueContext
    replaced: bool
    """A previous bundle was there and has been replaced."""
    kept: tuple[str, ...] = ()
    """What was in the previous bundle that we did not write: moved into this one, untouched."""
    leftovers: tuple[Note, ...] = ()
    """What clearing hidden folders of earlier exports recovered, or had to leave in place."""

    @property
    def raw_path(self) -> Path:
        return self.folder / RAW_NAME

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST_NAME


@dataclass(frozen=True, slots=True)
class _File:
    """What the download phase learned about one attachment (placement comes later)."""

    file: str | None = None
    media_type: str | None = None
    skipped: str | None = None
    extract: Extract | None = None


class _Export:
    """One export's fetching: the parts that run side by side, and the staging folder they fill."""

    def __init__(
        self, api: BacklogClient, ref: str, base: Path, options: ExportOptions, cap: int, steps: Steps
    ) -> None:
        self.api, self.ref, self.base, self.options, self.steps = api, ref, base, options, steps
        self.issues = IssueEndpoints(api)
        # The server's own cap (BACKLOG_MAX_ATTACHMENT_BYTES) bounds what a caller may ask for.
        self.cap = min(options.max_attachment_bytes, cap)
        self.cap_name = (
            "maxAttachmentBytes" if options.max_attachment_bytes <= cap else "BACKLOG_MAX_ATTACHMENT_BYTES"
        )
        self.staging: Path | None = None
        self.target: Path | None = None
        self.created: list[Path] = []
        """Folders made for `base`, removed again if the export fails."""
        self.written: set[str] = set()
        """What this run wrote in the staging folder (relative): all a failure may delete there."""
        self.comment_total: int | None = None

    # -- the issue and its files ---------------------------------------------------------------

    async def issue_and_files(self) -> tuple[Issue, str | None, dict[int, _File]]:
        issue = await self.issues.get_issue(self.ref)
        await anyio.to_thread.run_sync(self._prepare, issue.issue_key)
        await self.steps.step(f"Read {issue.issue_key}")
        files: dict[int, _File] = {}
        parent, _ = await gather(self._parent_key(issue), self._download_all(issue, files))
        return issue, parent, files

    def _prepare(self, key: str) -> None:
        """Refuses early a folder in the way, clears what killed exports left, makes the staging folder."""
        target = self.base / safe_name(key)
        our_files(target)  # raises when the folder is in the way: before anything is downloaded
        missing = [p for p in (self.base, *self.base.parents) if not p.exists()]
        self.base.mkdir(parents=True, exist_ok=True)
        self.created = missing
        staging = hidden_sibling(target, STAGING)
        staging.mkdir()
        self.target, self.staging = target, staging

    async def _parent_key(self, issue: Issue) -> str | None:
        if not issue.parent_issue_id:
            return None
        return (await self.issues.get_issue(issue.parent_issue_id)).issue_key

    async def _download_all(self, issue: Issue, files: dict[int, _File]) -> None:
        if not self.options.include_attachments:
            await self.steps.expect(0)
            return
        wanted: list[Attachment] = []
        for a in issue.attachments:
            if reason := self._skip_before_download(a):
                files[a.id] = _File(skipped=reason)
            else:
                wanted.append(a)
        await self.steps.expect(len(wanted))
        limiter = anyio.CapacityLimiter(DOWNLOAD_CONCURRENCY)

        async def one(attachment: Attachment) -> None:
            async with limiter:
                files[attachment.id] = await self._download(issue.issue_key, attachment)
            await self.steps.step(f"Saved attachment {attachment.id} ({one_line(attachment.name)})")

        # Largest first: its transfer then overlaps the comment pages, and the last round of
        # downloads is made of quick ones (latency alone), so the tail after the pages is short.
        wanted.sort(key=lambda a: a.size if a.size is not None else self.cap, reverse=True)
        async with anyio.create_task_group() as group:
            for attachment in wanted:
                group.start_soon(one, attachment)

    def _skip_before_download(self, attachment: Attachment) -> str | None:
        if not self.options.download_attachments:
            return "downloads turned off (downloadAttachments=false)"
        if attachment.size is not None and attachment.size > self.cap:
            return self._too_large(attachment.size)
        return None

    def _too_large(self, size: int | None) -> str:
        shown = f"{size} bytes" if size is not None else "larger"
        return f"{shown}, over the {self.cap}-byte cap ({self.cap_name})"

    async def _download(self, key: str, attachment: Attachment) -> _File:
        assert self.staging is not None, "the staging folder exists once the issue is read"
        folder = self.staging / ATTACHMENTS_DIR
        try:
            saved = await save_attachment(
                self.api,
                FileRef.issue(key, attachment.id),
                folder,
                max_bytes=self.cap,
                fallback_name=attachment.name,
            )
        except AttachmentTooLargeError as exc:
            return _File(skipped=self._too_large(exc.size if exc.size is not None else attachment.size))
        except BacklogError as exc:
            # One file Backlog will not give (after the client's retries) must not cost the rest.
            return _File(skipped=f"{DOWNLOAD_FAILED}: {exc}")
        self.written.add(f"{ATTACHMENTS_DIR}/{saved.path.name}")  # no await since the rename into place
        read = EXTRACT_MAX_BYTES if self.options.extract_readable_files else _SNIFF_BYTES
        async with await anyio.open_file(saved.path, "rb") as body:
            data = await body.read(read)
        head = data[:_SNIFF_BYTES]
        name = attachment.name or saved.path.name
        extract = None
        if self.options.extract_readable_files and not image_type(head):
            decoded = decode_text(name, data, complete=len(data) >= saved.size)
            if decoded is not None:
                extract = Extract(
                    text=decoded.text,
                    shown_bytes=decoded.used_bytes,
                    total_bytes=saved.size,
                    encoding=decoded.encoding,
                )
        return _File(
            file=f"{ATTACHMENTS_DIR}/{saved.path.name}",
            media_type=media_type(name, head, saved.media_type),
            extract=extract,
        )

    # -- comments ------------------------------------------------------------------------------

    async def comment_count(self) -> None:
        """Only feeds the progress total, so a failure here must not fail the export."""
        if not self.options.include_comments:
            await self.steps.expect(0)
            return
        try:
            total = await self.issues.count_comments(self.ref)
        except BacklogError:
            await self.steps.expect(None)
            return
        self.comment_total = total
        await self.steps.expect(max(1, -(-total // COMMENT_PAGE)))

    async def comments(self) -> list[Comment] | None:
        """Every comment, oldest first, a page at a time past the last ID seen."""
        if not self.options.include_comments:
            return None
        comments: list[Comment] = []
        min_id: int | None = None
        while True:
            page = await self.issues.get_comments(self.ref, count=COMMENT_PAGE, order="asc", min_id=min_id)
            comments += page
            total = f"/{self.comment_total}" if self.comment_total is not None else ""
            await self.steps.step(f"Comments {len(comments)}{total}")
            if len(page) < COMMENT_PAGE or (min_id is not None and page[-1].id <= min_id):
                return comments
            # A full page that reaches the count taken at the start ends the snapshot: asking
            # again would cost a whole round trip on the critical path to learn it is empty.
            if self.comment_total is not None and len(comments) >= self.comment_total:
                return comments
            min_id = page[-1].id


def _entries(
    issue: Issue, files: dict[int, _File], comments: list[Comment], options: ExportOptions
) -> list[AttachmentEntry]:
    if not options.include_attachments:
        return []
    placements = place_attachments(issue, issue.attachments, comments, window=options.placement_window)
    entries = []
    for a in issue.attachments:
        found = files.get(a.id, _File())
        entries.append(
            AttachmentEntry(
                attachment=a,
                placement=placements[a.id],
                file=found.file,
                media_type=found.media_type,
                skipped=found.skipped,
                extract=found.extract,
            )
        )
    return entries


def _undo_folders(job: _Export) -> None:
    """After a failure: what this run wrote goes (anything else in the staging folder is recovered),
    and so do the folders made for `base` if still empty."""
    if job.staging is not None and job.target is not None:
        clear(job.staging, job.target, frozenset(job.written))
        release(job.staging)
    for folder in job.created:  # deepest first
        try:
            folder.rmdir()
        except OSError:
            break


async def _shielded(action: Callable[[], _T]) -> _T:
    # Shielded: this is the clean-up that must happen even when the export is being cancelled.
    with anyio.CancelScope(shield=True):
        result = await anyio.to_thread.run_sync(action)
    return result


async def _write(job: _Export, name: str, text: str) -> None:
    """All or nothing (a killed export must not leave half a manifest), and counted as ours first."""
    assert job.staging is not None
    job.written.add(name)
    data = text.encode("utf-8")

    async def once() -> AsyncIterator[bytes]:
        yield data

    await write_stream_atomically(job.staging / name, once(), max_bytes=len(data))


async def export_issue(
    api: BacklogClient,
    issue_ref: str,
    base: Path,
    options: ExportOptions,
    *,
    render: RenderContext,
    server_cap: int,
    progress: Progress,
) -> ExportResult:
    """Exports one issue into `base/<KEY>/` and returns what was written.

    An attachment that cannot be downloaded is skipped with the reason; the rest of the bundle
    is written all the same.

    Raises:
        FolderInTheWayError: `base/<KEY>` is not a bundle of ours; nothing was changed.
        BacklogError: the issue or its comments could not be read; nothing was changed.
    """
    job = _Export(api, issue_ref, base, options, server_cap, Steps(progress))
    try:
        (issue, parent_key, files), comments, _ = await gather(
            job.issue_and_files(), job.comments(), job.comment_count()
        )
        assert job.staging is not None
        assert job.target is not None
        context = IssueContext(
            issue=issue,
            parent_key=parent_key,
            comments=comments,
            attachments=_entries(issue, files, comments or [], options),
            # What was applied: the server's own cap may be lower than the one asked for.
            options=replace(options, max_attachment_bytes=job.cap),
            generated=datetime.now(render.zone),
            url=render.issue_url(issue.issue_key),
        )
        await _write(job, RAW_NAME, render_raw_markdown(context, render))
        await _write(job, MANIFEST_NAME, manifest_json(build_manifest(context, render.zone)))
        swapped = swap_in(job.staging, job.target)
    except BaseException:
        await _shielded(lambda: _undo_folders(job))
        raise
    release(job.staging)
    target = job.target
    leftovers: list[Note] = []
    if (old := swapped.old) is not None:
        # Only what was ours in the previous folder: anything that reached it since is recovered.
        leftovers += await _shielded(lambda: clear(old, target, swapped.ours))
        release(old)
    leftovers += await _shielded(lambda: clear_stale(base, target.name, target))
    await job.steps.finish(f"Wrote {target}")
    return ExportResult(
        folder=target,
        context=context,
        replaced=swapped.replaced,
        kept=tuple(swapped.kept),
        leftovers=tuple(leftovers),
    )
