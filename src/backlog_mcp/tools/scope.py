"""BACKLOG_PROJECTS: the projects this server may touch, enforced before any handler runs.

Every tool's arguments are checked by NAME against `REFERENCES`: an argument that names a
project, or a thing inside one (an issue by key or numeric ID, a wiki page, a document, a pull
request), is placed in its project (a cached lookup where the reference alone does not say) and
refused outside the allow-list. An argument name that is in neither `REFERENCES` nor `NEUTRAL` is
refused too, so a new tool cannot slip past the check by naming its reference differently (a test
lists every tool's arguments against these tables). Fail closed: a thing whose project cannot be
determined is refused. Lists that span projects filter their own items with `allows_*`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from mcp.server.mcpserver.exceptions import ToolError

from backlog_mcp.backlog.documents import DocumentEndpoints
from backlog_mcp.backlog.wiki import WikiEndpoints
from backlog_mcp.errors import BacklogError, BacklogNotFoundError
from backlog_mcp.quote import echo
from backlog_mcp.tools.args import issue_ref, nfkc, project_refs

if TYPE_CHECKING:
    from backlog_mcp.backlog.resolve import Resolver
    from backlog_mcp.tools.state import AppState

__all__ = ["NEUTRAL", "REFERENCES", "ProjectScope"]

T = TypeVar("T")
_KEY_OF_ISSUE = re.compile(r"^([A-Z][A-Z0-9_]*)-\d+$")

# Arguments that name nothing of a project (filters, paging, options, users, local paths), or
# that only make sense next to a reference checked here (`attachmentId` with its owner).
NEUTRAL = frozenset(
    {
        "activityType", "archived", "assigneeId", "attachment", "attachmentId", "categoryId", "comment",
        "commentId", "content", "count", "createdSince", "createdUntil", "createdUserId", "customFields",
        "description", "downloadAttachments", "dryRun", "dueDate", "dueDateSince", "dueDateUntil",
        "emoji", "estimatedHours", "actualHours", "extractReadableFiles", "hasDueDate",
        "includeAttachments", "includeComments", "issueTypeId", "keyword", "mailNotify",
        "maxAttachmentBytes", "maxId", "milestoneId", "minId", "name", "note", "notifiedUserId",
        "number", "offset", "order", "outputDir", "parentChild", "path", "placementWindowMinutes",
        "priorityId", "repoIdOrName", "resolutionId", "senderId", "skipChangelogOnlyComments", "sort",
        "startDate", "startDateSince", "startDateUntil", "statusId", "summary", "title", "unreadOnly",
        "updatedSince", "updatedUntil", "versionId", "watch", "attachFiles",
        # A shared file is named with its project (`projectIdOrKey`, checked), or not at all.
        "sharedFileId",
        # Lists that span projects filter their items themselves (notifications, watchings,
        # activities); a single notification is placed by its tool, which sees its project.
        "userId", "notificationId",
    }
)  # fmt: skip


class ProjectScope:
    """The allow-list (upper-case keys); empty: every project is allowed and nothing is looked up."""

    def __init__(self, keys: frozenset[str], resolver: Resolver) -> None:
        self.keys = keys
        self._resolver = resolver
        self._wiki_projects: dict[int, int | None] = {}
        self._document_projects: dict[str, int | None] = {}

    @property
    def active(self) -> bool:
        return bool(self.keys)

    @property
    def listed(self) -> str:
        return ", ".join(sorted(self.keys))

    def refusal(self, thing: str, *, undetermined: bool = False) -> ToolError:
        """The error for `thing` (as the caller named it): names the allow-list, never the content."""
        if undetermined:
            return ToolError(
                f"{thing}: its project could not be determined, and this server may use only the "
                f"projects in BACKLOG_PROJECTS ({self.listed}), so it is refused."
            )
        return ToolError(
            f"{thing} is outside the projects this server may use (BACKLOG_PROJECTS: {self.listed})."
        )

    def allows_key(self, key: str) -> bool:
        return not self.active or key.upper() in self.keys

    async def allowed_ids(self) -> list[int]:
        """The IDs of the allowed projects this user can see (a key Backlog does not know is left out)."""
        ids = []
        for key in sorted(self.keys):
            try:
                ids.append((await self._resolver.project(key)).id)
            except BacklogError:
                continue
        return ids

    async def split(
        self, items: Sequence[T], project_of: Callable[[T], int | None]
    ) -> tuple[list[T], list[T]]:
        """A list that spans projects, as the items of allowed projects and those left out (of
        another project, or of none: fail closed). Without the allow-list nothing is left out."""
        if not self.active:
            return list(items), []
        allowed = set(await self.allowed_ids())
        kept = [item for item in items if project_of(item) in allowed]
        return kept, [item for item in items if project_of(item) not in allowed]

    async def allows_project_id(self, project_id: int | None) -> bool:
        if not self.active:
            return True
        return project_id is not None and project_id in await self.allowed_ids()

    async def check(self, state: AppState, arguments: Mapping[str, Any]) -> None:
        """Refuses the call when an argument names something outside the allow-list.

        Raises:
            ToolError: outside, or not to be placed in a project.
        """
        if not self.active:
            return
        for name, value in arguments.items():
            if value is None or name in NEUTRAL:
                continue
            check = REFERENCES.get(name)
            if check is None:  # a reference this table does not know: refused, not let through
                raise self.refusal(f"The argument {name}", undetermined=True)
            await check(self, state, value)

    # -- the references ------------------------------------------------------------------------

    async def _project(self, state: AppState, value: Any) -> None:
        for ref in project_refs(str(value)):
            if ref.isdigit():
                try:
                    ref = (await self._resolver.project(ref)).project_key
                except BacklogError:
                    raise self.refusal(f"Project {ref}", undetermined=True) from None
            if not self.allows_key(ref):
                raise self.refusal(f"Project {ref}")

    async def _issue(self, state: AppState, value: Any) -> None:
        await self._issues(state, [value])

    async def _issues(self, state: AppState, values: Any) -> None:
        refs = [issue_ref(str(v)) for v in values]
        ids = [int(r) for r in refs if r.isdigit()]
        keys = await self._resolver.issue_keys(ids) if ids else {}
        for ref in refs:
            if ref.isdigit() and int(ref) not in keys:
                raise ToolError(f"Issue {ref} not found (or not visible to this Backlog user).")
            key = keys.get(int(ref)) if ref.isdigit() else ref
            match = _KEY_OF_ISSUE.match(key or "")
            if match is None:
                raise self.refusal(f"Issue {ref}", undetermined=True)
            if not self.allows_key(match.group(1)):
                raise self.refusal(f"Issue {ref}")

    async def _wiki(self, state: AppState, value: Any) -> None:
        wiki_id = int(value)
        if wiki_id not in self._wiki_projects:
            self._wiki_projects[wiki_id] = await _project_of(
                lambda: WikiEndpoints(state.api).get_wiki_page(wiki_id)
            )
        await self._placed(f"Wiki page {wiki_id}", self._wiki_projects[wiki_id])

    async def _document(self, state: AppState, value: Any) -> None:
        document = nfkc(str(value)).strip().lower()
        if document not in self._document_projects:
            self._document_projects[document] = await _project_of(
                lambda: DocumentEndpoints(state.api).get_document(document)
            )
        await self._placed(f"Document {echo(document)}", self._document_projects[document])

    async def _pull_request(self, state: AppState, value: Any) -> None:
        project = nfkc(str(value)).strip().split("/", 1)[0]
        try:
            await self._project(state, project)
        except ToolError:
            raise self.refusal(f"Pull request {echo(value)}") from None

    async def _placed(self, thing: str, project_id: int | None) -> None:
        if project_id is None:
            raise self.refusal(thing, undetermined=True)
        if not await self.allows_project_id(project_id):
            raise self.refusal(thing)


async def _project_of(load: Callable[[], Awaitable[Any]]) -> int | None:
    """The `projectId` of what `load` fetches; None when it cannot be fetched (fail closed).

    Raises:
        BacklogNotFoundError: there is no such thing (the call is refused all the same).
    """
    try:
        found = await load()
    except BacklogNotFoundError:
        raise
    except BacklogError:
        return None
    project_id = getattr(found, "project_id", None)
    return project_id if isinstance(project_id, int) else None


_Check = Callable[[ProjectScope, "AppState", Any], Awaitable[None]]
REFERENCES: dict[str, _Check] = {
    "projectIdOrKey": ProjectScope._project,
    "issueIdOrKey": ProjectScope._issue,
    "parentIssueIdOrKey": ProjectScope._issue,
    "parentIssueId": ProjectScope._issues,
    "wikiId": ProjectScope._wiki,
    "documentId": ProjectScope._document,
    "parentId": ProjectScope._document,  # backlog_add_document's parent page
    "pullRequest": ProjectScope._pull_request,
}
