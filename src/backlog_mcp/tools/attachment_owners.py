"""Whose file an attachment tool reads: exactly one owner, named by the arguments the caller gave.

An attachment belongs to an issue, a wiki page, a document or a pull request and is named by
`attachmentId`; a shared file is its own ID, in a project. The same arguments come back in every
call the answer suggests (the next part of a text file, saving it), so they are kept as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from backlog_mcp.backlog.attachments import FileRef
from backlog_mcp.tools.args import issue_ref, one_project
from backlog_mcp.tools.documents import document_id
from backlog_mcp.tools.git import pull_request_ref

__all__ = ["FileOwner", "file_owner"]

_OWNERS = ("issueIdOrKey", "wikiId", "documentId", "pullRequest", "sharedFileId")
_WHICH = (
    'name the file\'s owner: issueIdOrKey, wikiId, documentId or pullRequest ("PROJECT/repo/number") '
    "with attachmentId, or sharedFileId with projectIdOrKey"
)


@dataclass(frozen=True, slots=True)
class FileOwner:
    ref: FileRef
    arguments: dict[str, Any]
    """The owner and file arguments, normalised, as the next call should give them."""
    folder: str
    """Where a download goes unless outputDir says otherwise, relative to the workspace."""


def file_owner(
    issue: str | None,
    attachment_id: int | None,
    wiki_id: int | None,
    document: str | None,
    pull_request: str | None,
    shared_file_id: int | None,
    project: str | None,
) -> FileOwner:
    """The one owner the arguments name.

    Raises:
        ToolError: none or several owners, or a part missing or left over.
    """
    given = [
        name
        for name, value in zip(_OWNERS, (issue, wiki_id, document, pull_request, shared_file_id), strict=True)
        if value is not None
    ]
    if not given:
        raise ToolError(f"No file named: {_WHICH}.")
    if len(given) > 1:
        raise ToolError(f"{' and '.join(given)} name different owners; {_WHICH}.")
    if shared_file_id is not None:
        return _shared_file(shared_file_id, project, attachment_id)
    if project is not None:
        raise ToolError(
            f"projectIdOrKey goes with sharedFileId only; {given[0]} already says where the file is."
        )
    if attachment_id is None:
        raise ToolError(
            f"attachmentId is missing: {given[0]} names the owner, attachmentId which of its files."
        )
    if issue is not None:
        key = issue_ref(issue)
        return FileOwner(
            FileRef.issue(key, attachment_id),
            {"issueIdOrKey": key, "attachmentId": attachment_id},
            f"attachments/{key}",
        )
    if wiki_id is not None:
        arguments: dict[str, Any] = {"wikiId": wiki_id, "attachmentId": attachment_id}
        return FileOwner(FileRef.wiki(wiki_id, attachment_id), arguments, f"attachments/wiki-{wiki_id}")
    if document is not None:
        try:
            doc = document_id(document)
        except ValueError as exc:
            raise ToolError(f"documentId {exc}.") from None
        arguments = {"documentId": doc, "attachmentId": attachment_id}
        return FileOwner(FileRef.document(doc, attachment_id), arguments, f"attachments/document-{doc}")
    assert pull_request is not None, "one owner is given"
    pr = pull_request_ref(pull_request)
    arguments = {"pullRequest": f"{pr.project}/{pr.repo}/{pr.number}", "attachmentId": attachment_id}
    folder = f"attachments/{pr.project}-{pr.repo}-{pr.number}"
    return FileOwner(FileRef.pull_request(pr.project, pr.repo, pr.number, attachment_id), arguments, folder)


def _shared_file(shared_file_id: int, project: str | None, attachment_id: int | None) -> FileOwner:
    if attachment_id is not None:
        raise ToolError(
            "A shared file is its own ID: give sharedFileId and projectIdOrKey, without attachmentId."
        )
    if project is None:
        raise ToolError("projectIdOrKey is missing: a shared file is found within its project.")
    key = one_project(project)
    arguments: dict[str, Any] = {"sharedFileId": shared_file_id, "projectIdOrKey": key}
    return FileOwner(FileRef.shared_file(key, shared_file_id), arguments, f"shared-files/{key}")
