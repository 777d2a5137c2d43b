"""An attachment brought into context: its label, its text with where it stands in the file, or why
it cannot be shown and where to get it instead."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backlog_mcp.files.sniff import DecodedText
from backlog_mcp.render.text import fenced, human_size, one_line

__all__ = ["AttachmentView", "content_call"]

READ_TOOL = "backlog_get_attachment_content"
SAVE_TOOL = "backlog_download_attachment"


def content_call(tool: str, owner: Mapping[str, Any], offset: int | None = None) -> str:
    """The exact call, as a model would write it; `owner` names the file (`issueIdOrKey`, `attachmentId`)."""
    args: dict[str, object] = dict(owner)
    if offset is not None:
        args["offset"] = offset
    return f"{tool} {json.dumps(args, ensure_ascii=False, separators=(',', ':'))}"


@dataclass(frozen=True, slots=True)
class AttachmentView:
    file: str
    """The file and its owner, as a sentence names them: `attachment 5 of issue DEMO-1`."""
    owner: Mapping[str, Any]
    """The arguments that name the file in a call."""
    name: str
    total: int
    """The file's size in bytes."""
    cap: int
    """The largest file backlog_download_attachment saves (BACKLOG_MAX_ATTACHMENT_BYTES)."""

    @property
    def label(self) -> str:
        name = one_line(self.name)
        return f"{self.file[0].upper()}{self.file[1:]}: {name} ({human_size(self.total)})"

    @property
    def savable(self) -> bool:
        return self.total <= self.cap

    def pointer(self, why: str) -> str:
        """Why it is not shown, and where to get it instead (only where that would work)."""
        if self.savable:
            return f"{self.label} is {why}. Save it with {self._call(SAVE_TOOL)}."
        return (
            f"{self.label} is {why}. It is also over the {human_size(self.cap)} download cap "
            f"(BACKLOG_MAX_ATTACHMENT_BYTES), so {SAVE_TOOL} would refuse it."
        )

    def image_caption(self, kind: str, size: str) -> str:
        return f"{self.label}, {kind} {size}"

    def text(self, decoded: DecodedText, start: int, window: int) -> str:
        """The decoded text fenced (it is someone else's), with the byte range shown and the calls
        for the `window`-byte parts around it when it is not the whole file."""
        encoding = "" if decoded.encoding == "utf-8" else f" ({decoded.encoding})"
        if decoded.doubt:
            encoding = f" ({decoded.encoding}, {decoded.doubt})"
        # At byte 0 the skipped bytes are a byte-order mark: shown, as part of the text.
        first = start + decoded.skipped_bytes if start else 0
        end = start + decoded.used_bytes  # exclusive
        complete = first == 0 and end >= self.total
        # A part keeps a line break it ends on (a blank line before the fence closes): stripped,
        # the next part would seem to run on from the same line.
        body = fenced(decoded.text.rstrip("\n") if complete else decoded.text)
        if complete:
            return f"{self.label}, text{encoding}:\n{body}"
        shown = f"bytes {first}–{end - 1} of {self.total}" if end > first else f"nothing from byte {first}"
        moves = []
        if first > 0:
            moves.append(f"Previous: {self._read(max(0, first - window))}")
        if end < self.total:
            moves.append(f"Next: {self._read(end)}")
            if first == 0:
                moves.append(f"The end: {self._read(-window)}")
        if self.savable:
            whole = f"{SAVE_TOOL} saves the whole file."
        else:
            whole = (
                f"The whole file is over the {human_size(self.cap)} download cap "
                f"(BACKLOG_MAX_ATTACHMENT_BYTES), so {SAVE_TOOL} would refuse it: read it in parts "
                "with offset (negative counts back from the end)."
            )
        footer = f"[truncated: showed {shown}. {' '.join(f'{move}.' for move in moves)} {whole}]"
        return f"{self.label}, text{encoding}, {shown}:\n{body}\n{footer}"

    def _read(self, offset: int) -> str:
        return self._call(READ_TOOL, offset)

    def _call(self, tool: str, offset: int | None = None) -> str:
        return content_call(tool, self.owner, offset)
