"""The issue-context export tool: one issue, every comment and its attachments, as a bundle on disk."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import AfterValidator, Field

from backlog_mcp.export.model import MIB, ExportOptions
from backlog_mcp.files.workspace import WorkspaceError, describe_os_error, resolve_inside
from backlog_mcp.quote import echo
from backlog_mcp.tools.args import IssueRef, issue_ref
from backlog_mcp.tools.registry import REPLACES_OWN_EXPORT, ToolDef, Toolset
from backlog_mcp.tools.state import Accounts, app_state

__all__ = ["TOOLSET"]


# Ranges are checked here rather than declared in the schema: every tool's schema is read by the
# model on every turn, and the error message states the range when it matters.
def _at_least_zero(value: int) -> int:
    if value < 0:
        raise ValueError(f"must be 0 or more bytes (got {echo(value)})")
    return value


def _minutes_in_a_day(value: int) -> int:
    if not 0 <= value <= 1440:
        raise ValueError(f"must be 0–1440 minutes (got {echo(value)})")
    return value


async def backlog_export_issue_context(
    ctx: Context[Accounts, Any],
    issueIdOrKey: IssueRef,
    outputDir: Annotated[str | None, Field(description="Folder inside the workspace")] = None,
    includeComments: bool = True,
    includeAttachments: bool = True,
    downloadAttachments: bool = True,
    extractReadableFiles: bool = False,
    maxAttachmentBytes: Annotated[int, AfterValidator(_at_least_zero)] = 10 * MIB,
    placementWindowMinutes: Annotated[int, AfterValidator(_minutes_in_a_day)] = 10,
    skipChangelogOnlyComments: bool = False,
) -> str:
    """Export issue, comments, files to <KEY>/ (raw.md, manifest.json), replacing only its own."""
    # Imported here, not at module load: MCP clients wait for start-up, and most sessions never export.
    from backlog_mcp.export.bundle import export_issue
    from backlog_mcp.export.folder import FolderInTheWayError
    from backlog_mcp.export.report import render_export_result

    state = app_state(ctx)
    key = issue_ref(issueIdOrKey)
    try:
        base = resolve_inside(state.workspace, outputDir)
    except WorkspaceError as exc:
        raise ToolError(str(exc)) from None
    options = ExportOptions(
        include_comments=includeComments,
        include_attachments=includeAttachments,
        download_attachments=downloadAttachments,
        extract_readable_files=extractReadableFiles,
        max_attachment_bytes=maxAttachmentBytes,
        placement_window=timedelta(minutes=placementWindowMinutes),
        skip_changelog_only_comments=skipChangelogOnlyComments,
    )

    async def progress(done: float, total: float | None, message: str) -> None:
        await ctx.report_progress(done, total, message)

    try:
        result = await export_issue(
            state.api,
            key,
            base,
            options,
            render=state.render,
            server_cap=state.max_attachment_bytes,
            progress=progress,
        )
    except FolderInTheWayError as exc:
        raise ToolError(f"{exc} Nothing was written.") from None
    except OSError as exc:
        raise ToolError(f"{describe_os_error(exc)} Any previous export of {key} is unchanged.") from None
    return render_export_result(result)


TOOLSET = Toolset(
    "export",
    (ToolDef(backlog_export_issue_context, "Export issue context", REPLACES_OWN_EXPORT),),
    default=True,
)
