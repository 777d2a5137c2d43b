"""The attachments area: a file's body, streamed, whoever owns it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from functools import partial

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.download import Download, which_is_missing
from backlog_mcp.errors import BacklogNotFoundError

__all__ = ["AttachmentEndpoints"]

AbstractDownload = AbstractAsyncContextManager[Download]
Missing = Callable[[BacklogNotFoundError], BacklogNotFoundError]


class AttachmentEndpoints(EndpointGroup):
    @asynccontextmanager
    async def download(
        self, path: str, *, what: str, missing: Missing | None = None
    ) -> AsyncIterator[Download]:
        """The body at `path`, streamed; headers (name, type, size) are known on entry.

        `missing` rewords a 404 so that it names what is missing (the owner or the file).
        """
        async with AsyncExitStack() as stack:
            try:
                response = await stack.enter_async_context(self.client.stream(path, what=what))
            except BacklogNotFoundError as exc:
                raise (missing(exc) if missing else exc) from None
            reopen = partial(self.client.stream, path, what=what)
            yield Download(response=response, what=what, reopen=reopen, retries=self.client.max_retries)

    def download_attachment(self, issue: str | int, attachment_id: int) -> AbstractDownload:
        """An issue's attachment."""
        return self.download(
            f"issues/{segment(issue)}/attachments/{segment(attachment_id)}",
            what=f"attachment {attachment_id} of issue {issue}",
            missing=lambda exc: which_is_missing(exc, issue, attachment_id),
        )
