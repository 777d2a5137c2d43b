"""Attachment tools: save one to the workspace, or bring it into the model's context."""

from __future__ import annotations

import base64
import dataclasses
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ImageContent, TextContent
from pydantic import AfterValidator, Field

from backlog_mcp.backlog.attachments import AttachmentEndpoints
from backlog_mcp.files.attachments import AttachmentTooLargeError, save_attachment
from backlog_mcp.files.images import check_image, other_image_magic
from backlog_mcp.files.sniff import decode_text, decode_window, image_type, media_type, why_not_text
from backlog_mcp.files.window import OffsetPastEndError, read_window
from backlog_mcp.files.workspace import WorkspaceError, describe_os_error, resolve_inside
from backlog_mcp.quote import echo
from backlog_mcp.render.attachments import AttachmentView
from backlog_mcp.render.text import human_size, one_line
from backlog_mcp.tools.args import OptionalIssueRef, backlog_id
from backlog_mcp.tools.attachment_owners import file_owner
from backlog_mcp.tools.registry import WRITES_LOCAL, ToolDef, Toolset
from backlog_mcp.tools.state import Accounts, app_state

__all__ = ["IMAGE_MAX_BYTES", "TEXT_MAX_BYTES", "TOOLSET"]

TEXT_MAX_BYTES = 32 * 1024
IMAGE_MAX_BYTES = 5 * 1024 * 1024
_SNIFF_BYTES = 4096
_IMAGE_HEADER_BYTES = 1024 * 1024  # a JPEG's frame header may follow large EXIF/ICC blocks


# Checked by a validator, not declared in the schema, which every turn's context carries.
AttachmentId = Annotated[int, AfterValidator(backlog_id("backlog_get_attachments"))]
WikiId = Annotated[int, AfterValidator(backlog_id("backlog_get_wiki_pages"))]
PullRequestRef = Annotated[str, Field(description="PROJECT/repo/number")]
SharedFileId = Annotated[
    int, AfterValidator(backlog_id("backlog_get_shared_files")), Field(description="With projectIdOrKey")
]


async def backlog_download_attachment(
    ctx: Context[Accounts, Any],
    issueIdOrKey: OptionalIssueRef = None,
    attachmentId: AttachmentId | None = None,
    wikiId: WikiId | None = None,
    documentId: str | None = None,
    pullRequest: PullRequestRef | None = None,
    sharedFileId: SharedFileId | None = None,
    projectIdOrKey: str | None = None,
    outputDir: Annotated[str | None, Field(description="Folder inside the workspace")] = None,
) -> str:
    """Save an attachment (of an issue, wiki, document or PR) or a shared file in the workspace."""
    state = app_state(ctx)
    owner = file_owner(
        issueIdOrKey, attachmentId, wikiId, documentId, pullRequest, sharedFileId, projectIdOrKey
    )
    try:
        folder = resolve_inside(state.workspace, outputDir, default=owner.folder)
    except WorkspaceError as exc:
        raise ToolError(str(exc)) from None
    try:
        saved = await save_attachment(state.api, owner.ref, folder, max_bytes=state.max_attachment_bytes)
    except AttachmentTooLargeError as exc:
        raise ToolError(str(exc)) from None
    except OSError as exc:
        raise ToolError(f"{describe_os_error(exc)} Nothing was saved.") from None
    async with await anyio.open_file(saved.path, "rb") as file:
        head = await file.read(_SNIFF_BYTES)
        if image_type(head):  # bytes that start like an image are not always one: say so
            head += await file.read(_IMAGE_HEADER_BYTES)
    kind = media_type(saved.original_name or saved.path.name, head, saved.media_type)
    if (image := check_image(head)) and image.problem:
        kind += f", though not a usable image: {image.problem}"
    lines = [f"Saved {owner.ref.label} ({one_line(saved.original_name)}) to {saved.path}"]
    if saved.kept:
        lines.append(f"A different file was already at {saved.kept}: it is left as it was.")
    lines.append(f"Size: {human_size(saved.size)} ({saved.size} bytes) · Type: {kind}")
    return "\n".join(lines)


Offset = Annotated[
    int,
    Field(description="Byte to start at; negative: from the end"),
]


async def backlog_get_attachment_content(
    ctx: Context[Accounts, Any],
    issueIdOrKey: OptionalIssueRef = None,
    attachmentId: AttachmentId | None = None,
    wikiId: WikiId | None = None,
    documentId: str | None = None,
    pullRequest: PullRequestRef | None = None,
    sharedFileId: SharedFileId | None = None,
    projectIdOrKey: str | None = None,
    offset: Offset = 0,
) -> list[TextContent | ImageContent]:
    """Read an attachment or shared file: images inline, text 32 KiB a call."""
    state = app_state(ctx)
    owner = file_owner(
        issueIdOrKey, attachmentId, wikiId, documentId, pullRequest, sharedFileId, projectIdOrKey
    )
    async with AttachmentEndpoints(state.api).download_file(owner.ref) as download:
        # Printed in our own lines: a name with a line break would start a line of its choosing.
        name = one_line(download.name) or f"{owner.ref.kind.replace(' ', '-')}-{owner.ref.file_id}"
        declared = download.media_type
        try:
            window = await read_window(
                download.chunks(),
                size=download.size,
                offset=offset,
                length=TEXT_MAX_BYTES,
                whole_image_up_to=0 if offset else IMAGE_MAX_BYTES,
            )
        except OffsetPastEndError as exc:
            raise ToolError(
                f"offset {echo(offset)} is past the end of {name} ({exc.total} bytes): "
                f"give 0 to {exc.total - 1}, or a negative offset to count back from the end."
            ) from None
    view = AttachmentView(owner.ref.label, owner.arguments, name, window.total, state.max_attachment_bytes)
    if kind := image_type(window.head):
        if offset:
            raise ToolError(
                f"offset reads part of a text file; {name} is an image ({kind}): call without offset "
                "to see it."
            )
        return _image(view, window.data)
    if kind := other_image_magic(window.head):
        why = f"{kind}, an image type that cannot be shown inline (PNG, JPEG, GIF and WebP can)"
        return [TextContent(type="text", text=view.pointer(why))]
    decoded = decode_text(name, window.head, complete=len(window.head) >= window.total)
    if decoded is None:
        kind = media_type(name, window.head[:_SNIFF_BYTES], declared)
        why = f"{kind}, which cannot be shown as text or image ({why_not_text(name, window.head)})"
        return [TextContent(type="text", text=view.pointer(why))]
    if window.start:
        complete = window.start + len(window.data) >= window.total
        decoded = dataclasses.replace(
            decode_window(
                window.data, decoded.encoding, start=window.start, complete=complete, before=window.before
            ),
            doubt=decoded.doubt,
        )
    return [TextContent(type="text", text=view.text(decoded, window.start, TEXT_MAX_BYTES))]


def _image(view: AttachmentView, data: bytes) -> list[TextContent | ImageContent]:
    """The image itself when a model API will take it: under the inline limit, and a header that
    parses (bytes that merely start like an image can fail the client's whole turn)."""
    check = check_image(data)
    assert check is not None, "called for bytes with image magic"
    if check.problem:
        why = f"not a usable image: it starts like {check.kind}, but {check.problem}"
        return [TextContent(type="text", text=view.pointer(why))]
    if view.total > IMAGE_MAX_BYTES:
        why = f"an image ({check.kind} {check.size}) over the {human_size(IMAGE_MAX_BYTES)} inline limit"
        return [TextContent(type="text", text=view.pointer(why))]
    return [
        TextContent(type="text", text=view.image_caption(check.kind, check.size)),
        ImageContent(type="image", data=base64.b64encode(data).decode("ascii"), mime_type=check.kind),
    ]


TOOLSET = Toolset(
    "attachments",
    (
        ToolDef(backlog_download_attachment, "Download attachment", WRITES_LOCAL),
        ToolDef(backlog_get_attachment_content, "Read attachment"),
    ),
    default=True,
)
