"""The documents area: document payloads, the document tree, comments, and their endpoints.

Documents are Backlog's newer pages: 32-hex IDs, a body as ProseMirror JSON (a JSON *string* in
the `json` field, with its text in `plain`), and a per-project tree of pages. The tree changes
rarely and is what names a document's place, so it is kept for a short while per project.
"""

from __future__ import annotations

import json
import weakref
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from backlog_mcp.backlog.client import BacklogClient, EndpointGroup, segment
from backlog_mcp.backlog.models import Attachment, Model, NamedRef, User
from backlog_mcp.backlog.params import Params
from backlog_mcp.backlog.resolve import TTLCache

__all__ = [
    "TREE_TTL_SECONDS",
    "Document",
    "DocumentComment",
    "DocumentEndpoints",
    "DocumentTree",
    "TreeNode",
    "TreeRoot",
]

# Long enough for an agent reading several documents of one project in a row, short enough that a
# page moved in the tree shows under its new path soon.
TREE_TTL_SECONDS = 60.0


def _json_text(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


class Document(Model):
    id: str
    project_id: int | None = None
    title: str = ""
    plain: str = ""
    # A JSON *string* when read; the answer to `POST /documents` gives the object itself.
    body_json: Annotated[str, BeforeValidator(_json_text)] = Field(default="", alias="json")
    status_id: int | None = None
    emoji: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    tags: list[NamedRef] = Field(default_factory=list)
    created_user: User | None = None
    created: datetime | None = None
    updated_user: User | None = None
    updated: datetime | None = None


class TreeNode(Model):
    id: str
    name: str = ""
    emoji: str | None = None
    children: list[TreeNode] = Field(default_factory=list)


class TreeRoot(Model):
    id: str = ""
    children: list[TreeNode] = Field(default_factory=list)

    def size(self) -> int:
        """How many documents the tree holds, at every depth."""

        def count(nodes: list[TreeNode]) -> int:
            return sum(1 + count(node.children) for node in nodes)

        return count(self.children)


class DocumentTree(Model):
    project_id: int | None = None
    active_tree: TreeRoot = Field(default_factory=TreeRoot)
    trash_tree: TreeRoot = Field(default_factory=TreeRoot)


class DocumentComment(Model):
    """A comment or a reply: `content` is ProseMirror JSON text, `plain` its text."""

    id: str
    document_id: str | None = None
    content: str = ""
    plain: str = ""
    created_user: User | None = None
    created: datetime | None = None
    updated: datetime | None = None
    replies: list[DocumentComment] = Field(default_factory=list)


_trees: weakref.WeakKeyDictionary[BacklogClient, TTLCache] = weakref.WeakKeyDictionary()


class DocumentEndpoints(EndpointGroup):
    async def get_documents(
        self, project_ids: list[int], *, keyword: str | None, offset: int, count: int
    ) -> list[Document]:
        # Backlog refuses the list without an offset: it is always sent.
        params: dict[str, Any] = {
            "projectId": project_ids, "keyword": keyword, "offset": offset, "count": count,
            "sort": "updated", "order": "desc",
        }  # fmt: skip
        return await self.client.get_model(list[Document], "documents", params, what="documents")

    async def get_tree(self, project: str | int) -> DocumentTree:
        params = {"projectIdOrKey": str(project)}
        return await self.client.get_model(DocumentTree, "documents/tree", params, what=f"project {project}")

    async def cached_tree(self, project_id: int) -> DocumentTree:
        """The tree of a project, fetched at most once per `TREE_TTL_SECONDS` per client."""
        cache = _trees.get(self.client)
        if cache is None:
            cache = _trees[self.client] = TTLCache(TREE_TTL_SECONDS)
        return await cache.get(project_id, lambda: self.get_tree(project_id))

    async def get_document(self, document_id: str) -> Document:
        path = f"documents/{segment(document_id)}"
        return await self.client.get_model(Document, path, what=f"document {document_id}")

    async def get_comments(self, document_id: str) -> list[DocumentComment]:
        path = f"documents/{segment(document_id)}/comments"
        return await self.client.get_model(
            list[DocumentComment], path, what=f"the comments of document {document_id}"
        )

    async def add_document(self, form: Params, *, project: str, check: str) -> Document:
        """`POST /documents` (projectId, title, content as Markdown, emoji, parentId, addLast).

        Its answer has the users as IDs (`createdUserId`) where a read has them whole.
        """
        added = await self.client.send_form(
            Document, "POST", "documents", form, what=f"a document in project {project}", check=check
        )
        # The project's tree has a new page: a tree kept from before would not show it.
        _trees.pop(self.client, None)
        return added
