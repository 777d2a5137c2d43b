"""What activities say of the other areas' objects, taken from those areas' own data.

An agent that follows an activity into the git, wiki, shared-file or document tools finds the
same IDs, names, sizes, linked issues and comments there: nothing here is invented, only read
from `space.area(<area>.build)`. Objects a "deleted" activity names may no longer exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backlog_mcp.sandbox import documents, files, git_data, wiki
from backlog_mcp.sandbox.landmarks import DOCUMENT_IDS
from backlog_mcp.sandbox.model import JSON

if TYPE_CHECKING:
    from backlog_mcp.sandbox.data import DemoSpace
    from backlog_mcp.sandbox.git_data import PullRequestRecord

__all__ = ["Event", "References"]

Event = tuple[JSON, JSON, str]
"""An activity's content, its createdUser and its created time."""


class References:
    def __init__(self, space: DemoSpace) -> None:
        self.space = space
        self.git = space.area(git_data.build)
        self.wiki = space.area(wiki.build)
        self.files = space.area(files.build)
        self.documents = space.area(documents.build)

    def repository(self, key: str, name: str) -> JSON:
        repo = next(r for r in self.git.repositories if (r.project_key, r.name) == (key, name))
        return {"id": repo.id, "name": repo.name, "description": repo.json["description"]}

    def repository_created(self, key: str, name: str) -> Event:
        repo = next(r for r in self.git.repositories if (r.project_key, r.name) == (key, name))
        return (
            {"repository": self.repository(key, name)},
            self.user(repo.json["createdUser"]),
            str(repo.json["created"]),
        )

    def pull_request_record(self, key: str, repo: str, number: int) -> PullRequestRecord:
        found = next(r for r in self.git.repositories if (r.project_key, r.name) == (key, repo))
        return next(pr for pr in found.pull_requests if pr.number == number)

    def pull_request(self, key: str, repo: str, number: int, comment: JSON | None = None) -> JSON:
        """As Backlog's activity content: the pull request, its linked issue, one comment of it."""
        pr = self.pull_request_record(key, repo, number)
        issue = self.space.issue(pr.issue_key) if pr.issue_key else None
        return {
            "id": pr.json["id"],
            "number": pr.number,
            "summary": pr.json["summary"],
            "description": pr.json["description"],
            "comment": {"id": comment["id"], "content": comment["content"]} if comment else None,
            "changes": [],
            "issue": {"id": issue.id, "key_id": issue.json["keyId"], "summary": issue.json["summary"]}
            if issue
            else None,
            "repository": self.repository(key, repo),
        }

    def user(self, user: JSON) -> JSON:
        """The space's record of a user a record of another area embeds."""
        found = self.space.user(int(user["id"]))
        assert found is not None, user
        return found

    def wiki_page(self, key: str, name: str, *, updated: bool) -> Event:
        """The page created (version 1) or last updated (version 2: the wiki keeps no history)."""
        project = self.space.project(key)
        assert project is not None, key
        page = next(p for p in self.wiki.of(project.id) if p["name"] == name)
        content = {"id": page["id"], "name": page["name"], "content": page["content"], "diff": None,
                   "version": 2 if updated else None, "attachments": [], "shared_files": []}  # fmt: skip
        return content, *self._when(page, updated=updated)

    def file(self, path: str, *, updated: bool) -> Event:
        """`DEMO/docs/仕様書.md` → the shared file's id, dir, name and size; who added or last updated it."""
        key, _, rest = path.partition("/")
        entry = self.files.named(key, "/" + rest)
        content = {"id": entry["id"], "dir": entry["dir"], "name": entry["name"], "size": entry["size"]}
        return content, *self._when(entry, updated=updated)

    def document_event(self, path: str, *, updated: bool) -> Event:
        record = self.documents.by_id[DOCUMENT_IDS[path]]
        return self.landmark(path), *self._when(record.json, updated=updated)

    def documents_created(self, path: str) -> Event:
        """A landmark and the first page under it, dated and credited as the landmark (the first
        named): the documents area has no two pages created together."""
        root = self.documents.by_id[DOCUMENT_IDS[path]]
        content = {"documents": [self.landmark(path), self.child_document(path)]}
        return content, *self._when(root.json, updated=False)

    def document(self, document_id: str, **extra: object) -> JSON:
        record = self.documents.by_id[document_id]
        return {"id": record.id, "title": record.json["title"], **extra}

    def landmark(self, path: str, **extra: object) -> JSON:
        return self.document(DOCUMENT_IDS[path], **extra)

    def child_document(self, path: str) -> JSON:
        """The first page under a landmark document."""
        parent = DOCUMENT_IDS[path]
        return self.document(next(r.id for r in self.documents.records if r.parent == parent))

    def trashed_document(self, key: str) -> Event:
        """Moved to the trash: by whom and when it was last updated."""
        record = next(r for r in self.documents.records if r.project_key == key and r.trashed)
        return self.document(record.id), *self._when(record.json, updated=True)

    def attachments(self, path: str) -> list[JSON]:
        record = self.documents.by_id[DOCUMENT_IDS[path]]
        return [{"id": a["id"], "name": a["name"], "size": a["size"]} for a in record.json["attachments"]]

    def document_comment(
        self, path: str, thread: int, reply: int | None = None, *, edited: bool = False
    ) -> Event:
        """A real comment (or reply) of the document as an activity's `comment`, and who wrote
        (or last edited) it when."""
        comment = self.documents.by_id[DOCUMENT_IDS[path]].comments[thread]
        if reply is not None:
            comment = comment["replies"][reply]
        prefix = "updated" if edited else "created"
        author = self.space.user(int(comment[f"{prefix}UserId"]))
        assert author is not None
        content = self.landmark(path, comment={"id": comment["id"], "content": comment["plain"]})
        return content, author, str(comment[prefix])

    def _when(self, record: JSON, *, updated: bool) -> tuple[JSON, str]:
        """Who made or last updated a record, and when (a record never updated has no updatedUser)."""
        if updated and record.get("updatedUser"):
            return self.user(record["updatedUser"]), str(record["updated"])
        return self.user(record["createdUser"]), str(record["created"])
