"""The attachments area: a file's body, streamed, whoever owns it.

Backlog keeps files in five places: attachments of an issue, a wiki page, a document or a pull
request, and the shared files of a project. `FileRef` names one of them; every download goes
through the same streamed, resumable `Download`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from functools import partial

from backlog_mcp.backlog.client import EndpointGroup, segment
from backlog_mcp.backlog.download import Download
from backlog_mcp.errors import BacklogNotFoundError

__all__ = ["AbstractDownload", "AttachmentEndpoints", "FileRef"]

AbstractDownload = AbstractAsyncContextManager[Download]
Missing = Callable[[BacklogNotFoundError], BacklogNotFoundError]


@dataclass(frozen=True, slots=True)
class FileRef:
    """One downloadable file: where Backlog serves it, and how to name it and its owner."""

    path: str
    owner: str
    """The owner as a sentence names it: `issue DEMO-1`, `wiki page 12`, `project DEMO`."""
    file_id: int
    kind: str = "attachment"
    owners_missing: tuple[tuple[str, str], ...] = ()
    """(word of Backlog's 404 message, what to say): `No issue.` means the owner, not the file, is
    missing. The most specific first (`No pull request.` before `No project.`)."""

    @classmethod
    def issue(cls, issue: str | int, attachment_id: int) -> FileRef:
        path = f"issues/{segment(issue)}/attachments/{segment(attachment_id)}"
        return cls(path, f"issue {issue}", attachment_id, owners_missing=(("issue", f"Issue {issue}"),))

    @classmethod
    def wiki(cls, wiki_id: int, attachment_id: int) -> FileRef:
        path = f"wikis/{segment(wiki_id)}/attachments/{segment(attachment_id)}"
        owners = (("wiki", f"Wiki page {wiki_id}"),)
        return cls(path, f"wiki page {wiki_id}", attachment_id, owners_missing=owners)

    @classmethod
    def document(cls, document_id: str, attachment_id: int) -> FileRef:
        path = f"documents/{segment(document_id)}/attachments/{segment(attachment_id)}"
        owners = (("document", f"Document {document_id}"),)
        return cls(path, f"document {document_id}", attachment_id, owners_missing=owners)

    @classmethod
    def pull_request(cls, project: str, repository: str, number: int, attachment_id: int) -> FileRef:
        path = (
            f"projects/{segment(project)}/git/repositories/{segment(repository)}/pullRequests/"
            f"{segment(number)}/attachments/{segment(attachment_id)}"
        )
        owner = f"pull request {project}/{repository}#{number}"
        owners = (
            ("pull request", f"Pull request {project}/{repository}#{number}"),
            ("repository", f"Repository {project}/{repository}"),
            ("project", f"Project {project}"),
        )
        return cls(path, owner, attachment_id, owners_missing=owners)

    @classmethod
    def shared_file(cls, project: str | int, shared_file_id: int) -> FileRef:
        path = f"projects/{segment(project)}/files/{segment(shared_file_id)}"
        owners = (("project", f"Project {project}"),)
        return cls(path, f"project {project}", shared_file_id, kind="shared file", owners_missing=owners)

    @property
    def label(self) -> str:
        """`attachment 5 of issue DEMO-1`, `shared file 9 of project DEMO`."""
        return f"{self.kind} {self.file_id} of {self.owner}"

    def missing(self, error: BacklogNotFoundError) -> BacklogNotFoundError:
        """The 404 of a download, naming what is missing: Backlog answers `No issue.` when the
        owner is, and `No attachment.` when only the file is (both code 6, NoResourceError)."""
        said = " ".join(detail.message.lower() for detail in error.details)
        owner = next((name for word, name in self.owners_missing if f"no {word}" in said), None)
        summary = f"{owner} not found." if owner else f"{self.label[0].upper()}{self.label[1:]} not found."
        return BacklogNotFoundError(summary, status=error.status, details=error.details)


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

    def download_file(self, ref: FileRef) -> AbstractDownload:
        return self.download(ref.path, what=ref.label, missing=ref.missing)

    def download_attachment(self, issue: str | int, attachment_id: int) -> AbstractDownload:
        """An issue's attachment."""
        return self.download_file(FileRef.issue(issue, attachment_id))
