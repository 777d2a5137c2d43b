"""Attachment tools: save one to the workspace, or bring it into the model's context."""

from __future__ import annotations

import base64
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ImageContent, TextContent
from pydantic import Field

from backlog_mcp.backlog.download import Download
from backlog_mcp.files.attachments import AttachmentTooLargeError, save_attachment
from backlog_mcp.files.sniff import decode_text, image_type, media_type
from backlog_mcp.files.workspace import WorkspaceError, describe_os_error, resolve_inside
from backlog_mcp.render.text import human_size
from backlog_mcp.tools.args import IssueRef, issue_ref
from backlog_mcp.tools.registry import WRITES_LOCAL, ToolDef
from backlog_mcp.tools.state import AppState, app_state

__all__ = ["IMAGE_MAX_BYTES", "TEXT_MAX_BYTES", "TOOLS"]

TEXT_MAX_BYTES = 32 * 1024
IMAGE_MAX_BYTES = 5 * 1024 * 1024
_SNIFF_BYTES = 4096

AttachmentId = Annotated[int, Field(gt=0)]  # the name says where it comes from


async def backlog_download_attachment(
    ctx: Context[AppState, Any],
    issueIdOrKey: IssueRef,
    attachmentId: AttachmentId,
    outputDir: Annotated[str | None, Field(description="Folder inside the workspace")] = None,
) -> str:
    """Save an attachment into the workspace; gives its path, size, type."""
    state = app_state(ctx)
    key = issue_ref(issueIdOrKey)
    try:
        folder = resolve_inside(state.workspace, outputDir, default=f"attachments/{key}")
    except WorkspaceError as exc:
        raise ToolError(str(exc)) from None
    try:
        saved = await save_attachment(
            state.api, key, attachmentId, folder, max_bytes=state.max_attachment_bytes
        )
    except AttachmentTooLargeError as exc:
        raise ToolError(str(exc)) from None
    except OSError as exc:
        raise ToolError(f"{describe_os_error(exc)} Nothing was saved.") from None
    async with await anyio.open_file(saved.path, "rb") as file:
        head = await file.read(_SNIFF_BYTES)
    kind = media_type(saved.original_name or saved.path.name, head, saved.media_type)
    return (
        f"Saved attachment {attachmentId} of {key} ({saved.original_name}) to {saved.path}\n"
        f"Size: {human_size(saved.size)} ({saved.size} bytes) · Type: {kind}"
    )


async def backlog_get_attachment_content(
    ctx: Context[AppState, Any], issueIdOrKey: IssueRef, attachmentId: AttachmentId
) -> list[TextContent | ImageContent]:
    """Read an attachment into context: images as images, text as text (capped)."""
    state = app_state(ctx)
    key = issue_ref(issueIdOrKey)
    async with state.api.download_attachment(key, attachmentId) as download:
        name = download.name or f"attachment-{attachmentId}"
        data, total = await _read_capped(download)
    label = f"Attachment {attachmentId} of {key}: {name} ({human_size(total)})"
    if kind := image_type(data):
        if total <= IMAGE_MAX_BYTES:
            encoded = base64.b64encode(data).decode("ascii")
            return [
                TextContent(type="text", text=f"{label}, {kind}"),
                ImageContent(type="image", data=encoded, mime_type=kind),
            ]
        why = f"an image ({kind}) over the {human_size(IMAGE_MAX_BYTES)} inline limit"
        return [_pointer(label, why, key, attachmentId)]
    prefix = data[:TEXT_MAX_BYTES]
    if decoded := decode_text(name, prefix, complete=len(prefix) >= total):
        text = decoded.text
        if decoded.used_bytes < total:
            text += (
                f"\n[truncated: showed the first {decoded.used_bytes} of {total} bytes; "
                "backlog_download_attachment saves the whole file]"
            )
        encoding = "" if decoded.encoding == "utf-8" else f" ({decoded.encoding})"
        return [TextContent(type="text", text=f"{label}, text{encoding}:\n{text}")]
    kind = media_type(name, data[:_SNIFF_BYTES], download.media_type)
    return [_pointer(label, f"{kind}, which cannot be shown as text or image", key, attachmentId)]


async def _read_capped(download: Download) -> tuple[bytes, int]:
    """At most what can be shown: the whole of an image under the inline limit, else a text-sized
    prefix. Decided from the first bytes, so a large file is never read whole. Returns the bytes
    and the full size (declared, or counted when the body ended first)."""
    body = bytearray()
    limit = TEXT_MAX_BYTES
    async for chunk in download.chunks():
        if not body and image_type(chunk[:16]):
            limit = IMAGE_MAX_BYTES
        body += chunk
        if len(body) > limit:
            break
    else:
        return bytes(body), len(body)
    return bytes(body), download.size if download.size is not None else len(body)


def _pointer(label: str, why: str, key: str, attachment_id: int) -> TextContent:
    return TextContent(
        type="text",
        text=f"{label} is {why}. Save it with backlog_download_attachment "
        f'{{"issueIdOrKey":"{key}","attachmentId":{attachment_id}}}.',
    )


TOOLS = (
    ToolDef(backlog_download_attachment, "Download attachment", WRITES_LOCAL),
    ToolDef(backlog_get_attachment_content, "Read attachment"),
)
