"""The attachments area: a file's body, streamed, whoever owns it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.download import Download, which_is_missing
from backlog_mcp.errors import BacklogNotFoundError

__all__ = ["AttachmentEndpoints"]


class AttachmentEndpoints(EndpointGroup):
    @asynccontextmanager
    async def download_attachment(self, issue: str | int, attachment_id: int) -> AsyncIterator[Download]:
        """The attachment's body, streamed; headers (name, type, size) are known on entry."""
        what = f"attachment {attachment_id} of issue {issue}"
        path = f"issues/{segment(issue)}/attachments/{segment(attachment_id)}"
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(self.client.stream(path, what=what))
            except BacklogNotFoundError as exc:
                raise which_is_missing(exc, issue, attachment_id) from None
            reopen = partial(self.client.stream, path, what=what)
            yield Download(response=response, what=what, reopen=reopen, retries=self.client.max_retries)
