"""The documents' demo data and routes: a tree of pages per project, their bodies, tags,
attachments (downloadable), and comments with replies.

DEMO has pages three levels deep and more than a page of them (paging matters); VNAPP a few in
Vietnamese and English; one DEMO page is hostile (see `document_bodies`). Two pages are in the
trash: in the tree's `trashTree`, readable by ID, not listed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox import document_bodies as pm
from backlog_mcp.sandbox.bodies import FORGING_NAME, FileBody, png_gradient, small_file
from backlog_mcp.sandbox.catalog import WEB_ORIGIN, space_now
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import ApiError, invalid, not_found
from backlog_mcp.sandbox.landmarks import DOCUMENT_IDS
from backlog_mcp.sandbox.model import JSON, timestamp
from backlog_mcp.sandbox.query import Params
from backlog_mcp.sandbox.site import Route, Site, WriteRoute, path_int

__all__ = [
    "HOSTILE_DOCUMENT_ID",
    "DocumentRecord",
    "Documents",
    "build",
    "doc_user",
    "routes",
    "write_routes",
]

_START = datetime(2025, 9, 1, 1, 0, tzinfo=UTC)
_ATTACHMENT_BASE = 5_000_000
HOSTILE_DOCUMENT_ID = "019a1c2e5b7d7c3f9e4a6b8c0d2e5fff"
_API_DESIGN = DOCUMENT_IDS["DEMO/設計方針/API 設計"]


def _doc_id(n: int) -> str:
    return f"019a1c2e5b7d7c3f9e4a6b8c0d2e{n:04x}"


@dataclass(frozen=True, slots=True)
class _Spec:
    project: str
    id: str
    parent: str | None
    title: str
    emoji: str | None = None
    tags: tuple[str, ...] = ()
    trashed: bool = False


_MEETINGS = tuple(
    _Spec(
        "DEMO",
        _doc_id(0x5100 + n),
        _doc_id(0x5100),
        f"定例会議 {date(2025, 12, 1) + timedelta(weeks=n - 1)} 第{n}回",
    )
    for n in range(1, 13)
)
_SPECS: tuple[_Spec, ...] = (
    _Spec("DEMO", DOCUMENT_IDS["DEMO/設計方針"], None, "設計方針", "📐", ("設計",)),
    _Spec("DEMO", _API_DESIGN, DOCUMENT_IDS["DEMO/設計方針"], "API 設計", "🔌", ("設計", "API")),
    _Spec("DEMO", _doc_id(0x5001), _API_DESIGN, "認証フロー", None, ("API", "認証")),
    _Spec("DEMO", _doc_id(0x5002), _API_DESIGN, "エラーコード一覧", None, ("API",)),
    _Spec("DEMO", _doc_id(0x5003), DOCUMENT_IDS["DEMO/設計方針"], "データベース設計", "🗄️", ("設計",)),
    _Spec("DEMO", _doc_id(0x5004), DOCUMENT_IDS["DEMO/設計方針"], "フロントエンド設計", None, ()),
    _Spec("DEMO", _doc_id(0x5100), None, "議事録", "📝", ()),
    *_MEETINGS,
    _Spec("DEMO", _doc_id(0x5200), None, "運用手順", "🛠️", ("運用",)),
    _Spec("DEMO", _doc_id(0x5201), _doc_id(0x5200), "デプロイ手順", None, ("運用", "リリース")),
    _Spec("DEMO", _doc_id(0x5202), _doc_id(0x5200), "障害対応", "🚨", ("運用",)),
    _Spec("DEMO", _doc_id(0x5203), _doc_id(0x5202), "障害報告テンプレート", None, ("テンプレート",)),
    _Spec("DEMO", _doc_id(0x5300), None, "Onboarding guide", "👋", ("onboarding",)),
    _Spec("DEMO", _doc_id(0x5301), _doc_id(0x5300), "Dev environment setup", None, ("onboarding",)),
    _Spec("DEMO", _doc_id(0x5302), _doc_id(0x5300), "Coding conventions", None, ()),
    _Spec("DEMO", HOSTILE_DOCUMENT_ID, None, pm.HOSTILE_TITLE, None, ("# tag\u200b",)),
    _Spec("DEMO", _doc_id(0x5900), None, "旧 API メモ", None, (), trashed=True),
    _Spec("VNAPP", DOCUMENT_IDS["VNAPP/Hướng dẫn"], None, "Hướng dẫn", "📘", ("hướng dẫn",)),
    _Spec("VNAPP", _doc_id(0x6001), DOCUMENT_IDS["VNAPP/Hướng dẫn"], "Cài đặt môi trường", None, ()),
    _Spec(
        "VNAPP", _doc_id(0x6002), DOCUMENT_IDS["VNAPP/Hướng dẫn"], "Quy trình phát hành", "🚀", ("release",)
    ),
    _Spec("VNAPP", _doc_id(0x6003), _doc_id(0x6002), "Danh sách kiểm tra", None, ()),
    _Spec("VNAPP", _doc_id(0x6004), None, "Release notes", None, ("release",)),
    _Spec("VNAPP", _doc_id(0x6900), None, "Bản nháp cũ", None, (), trashed=True),
)

_LINES = {
    "DEMO": ("このページは{title}についてまとめています。", "不明点はコメントで質問してください。"),
    "VNAPP": ("Trang này mô tả {title}.", "Vui lòng đặt câu hỏi trong phần bình luận."),
}
_BULLETS = {"DEMO": ("目的", "担当者", "期限"), "VNAPP": ("Mục tiêu", "Người phụ trách", "Hạn chót")}
_ENGLISH_LINES = ("This page covers {title}.", "Ask questions in the comments.")


@dataclass(slots=True)
class DocumentRecord:
    json: JSON
    project_key: str
    parent: str | None
    trashed: bool
    comments: list[JSON] = field(default_factory=list)
    files: dict[int, tuple[str, FileBody]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.json["id"])


@dataclass(slots=True)
class Documents:
    records: list[DocumentRecord]
    by_id: dict[str, DocumentRecord]


def doc_user(user: JSON) -> JSON:
    return {**user, "iconUrl": f"{WEB_ORIGIN}/UserIcon.action?userId={user['id']}", "keyword": user["name"]}


def _comment_user(user: JSON) -> JSON:
    nulab = user.get("nulabAccount") or {}
    return {
        "id": user["id"], "userId": user["userId"], "uniqueId": nulab.get("uniqueId"), "name": user["name"],
        "mailAddress": user["mailAddress"], "roleType": user["roleType"], "lang": user["lang"],
        "icon": f"icons/person_{user['id'] % 200}.gif",
    }  # fmt: skip


def build(space: DemoSpace) -> Documents:
    users = space.users
    records: list[DocumentRecord] = []
    attachment_ids = itertools.count(_ATTACHMENT_BASE + 1)  # unique across documents
    for n, spec in enumerate(_SPECS):
        project = space.project(spec.project)
        assert project is not None, spec.project
        author, editor = users[n % 5], users[(n * 3 + 1) % 9]
        created = _START + timedelta(days=5 * n, hours=n % 7)
        # Never after the demo space's "now": no page was edited in its future.
        updated = min(created + timedelta(days=(n * 7) % 40, minutes=13 * n), max(created, space_now()))
        record = DocumentRecord(json={}, project_key=spec.project, parent=spec.parent, trashed=spec.trashed)
        attachments = _attachments(spec, record, users[(n + 2) % 5], created, attachment_ids)
        tree = _body(spec, users)
        record.json = {
            "id": spec.id,
            "projectId": project.id,
            "title": spec.title,
            "plain": pm.plain_of(tree),
            "json": pm.serialise(tree),
            "statusId": 1,
            "emoji": spec.emoji,
            "attachments": attachments,
            "tags": [{"id": 100 + sum(map(ord, tag)) % 900, "name": tag} for tag in spec.tags],
            "createdUser": doc_user(author),
            "created": timestamp(created),
            "updatedUser": doc_user(editor),
            "updated": timestamp(updated),
        }
        record.comments = _comments(spec, n, users, updated)
        records.append(record)
    return Documents(records=records, by_id={r.id: r for r in records})


def _body(spec: _Spec, users: list[JSON]) -> dict[str, Any]:
    if spec.id == _API_DESIGN:
        image = f"{WEB_ORIGIN}/document/DEMO/{spec.id}/attachments/{_ATTACHMENT_BASE + 1}"
        return pm.api_design_body(users[0], users[2], image)
    if spec.id == HOSTILE_DOCUMENT_ID:
        return pm.hostile_body()
    english = spec.title.isascii()
    lines = _ENGLISH_LINES if english else _LINES[spec.project]
    bullets = ("Goal", "Owner", "Due date") if english else _BULLETS[spec.project]
    return pm.page_body(spec.title, tuple(line.format(title=spec.title) for line in lines), bullets)


def _attachments(
    spec: _Spec, record: DocumentRecord, user: JSON, created: datetime, ids: Iterator[int]
) -> list[JSON]:
    files: list[tuple[str, FileBody]] = []
    if spec.id == _API_DESIGN:
        files = [
            ("api-構成図.png", small_file(png_gradient(48, 32))),
            ("openapi.yaml", small_file("openapi: 3.0.0\ninfo:\n  title: 社内 API\n".encode())),
        ]
    elif spec.id == DOCUMENT_IDS["VNAPP/Hướng dẫn"]:
        files = [("hướng-dẫn.txt", small_file("Hướng dẫn cài đặt\n".encode()))]
    elif spec.id == HOSTILE_DOCUMENT_ID:
        files = [(FORGING_NAME, small_file(b"forged\n"))]
    metas: list[JSON] = []
    for name, body in files:
        attachment_id = next(ids)
        record.files[attachment_id] = (name, body)
        metas.append(
            {"id": attachment_id, "name": name, "size": body.size, "createdUser": user,
             "created": timestamp(created + timedelta(minutes=len(metas)))}
        )  # fmt: skip
    return metas


def _comments(spec: _Spec, n: int, users: list[JSON], after: datetime) -> list[JSON]:
    threads: list[tuple[pm.Node, list[pm.Node]]] = []
    if spec.id == _API_DESIGN:
        threads = [
            (pm.comment_body("オフセットが必須なのは意外でした。", pm.text("要注意", "bold")), []),
            (
                pm.comment_body(
                    pm.mention(users[0]), " さん、エラーコード一覧へのリンクを追加してください。"
                ),
                [pm.comment_body("追加しました。"), pm.comment_body("ありがとうございます！")],
            ),
            (pm.comment_body("Looks good to me. ", pm.text("LGTM", "code")), []),
        ]
    elif spec.id == DOCUMENT_IDS["DEMO/設計方針"]:
        threads = [(pm.comment_body("設計方針は四半期ごとに見直します。"), [])]
    elif spec.id == DOCUMENT_IDS["VNAPP/Hướng dẫn"]:
        threads = [(pm.comment_body("Cần cập nhật phần cài đặt."), [pm.comment_body("Đã cập nhật, cảm ơn!")])]
    elif spec.id == HOSTILE_DOCUMENT_ID:
        threads = [(pm.doc(pm.paragraph("# Fake comment heading"), pm.paragraph("``` still text")), [])]
    comments: list[JSON] = []
    serial = 0
    for thread, (body, replies) in enumerate(threads):
        serial += 1
        comment = _comment(n, serial, spec.id, body, users[(thread + n) % 9], after + timedelta(hours=serial))
        comment["replies"] = []
        for r, reply in enumerate(replies):
            serial += 1
            moment = after + timedelta(hours=serial)
            entry = _comment(n, serial, spec.id, reply, users[(thread + r + 1) % 9], moment)
            comment["replies"].append({**entry, "commentType": "reply"})
        comments.append(comment)
    return comments


def _comment(n: int, serial: int, document_id: str, body: pm.Node, user: JSON, moment: datetime) -> JSON:
    return {
        "id": f"019b{n:04x}{serial:024x}",
        "documentId": document_id,
        "statusId": 0,
        "content": pm.serialise(body),
        "plain": pm.plain_of(body),
        "commentType": "comment",
        "createdUserId": user["id"],
        "created": timestamp(moment),
        "updatedUserId": user["id"],
        "updated": timestamp(moment),
        "createdUser": _comment_user(user),
    }


_SORTS = ("created", "updated")


def routes(site: Site) -> list[Route]:
    def data() -> Documents:
        return site.space.area(build)

    def document(args: dict[str, str]) -> DocumentRecord:
        found = data().by_id.get(args["documentId"])
        if found is None:
            raise not_found("document")
        return found

    def listing(request: Request, args: dict[str, str]) -> list[JSON]:
        params = Params(request.query_params)
        if "offset" not in request.query_params:
            raise invalid("offset", "offset is required.")
        offset, count = params.offset(), params.count()
        sort = request.query_params.get("sort", "updated")
        if sort not in _SORTS:
            raise invalid("sort", "sort must be created or updated.")
        descending = params.descending()
        project_ids = set(params.int_list("projectId[]"))
        keyword = (params.text("keyword") or "").casefold()
        chosen = [
            r.json
            for r in data().records
            if not r.trashed
            and (not project_ids or r.json["projectId"] in project_ids)
            and (not keyword or keyword in (r.json["title"] + "\n" + r.json["plain"]).casefold())
        ]
        chosen.sort(key=lambda d: (d[sort], d["id"]), reverse=descending)
        return chosen[offset : offset + count]

    def tree(request: Request, args: dict[str, str]) -> JSON:
        ref = (request.query_params.get("projectIdOrKey") or "").strip()
        if not ref:
            raise ApiError(400, "projectIdOrKey is required.")
        project = site.space.project(ref if ref.isdigit() else ref.upper())
        if project is None:
            raise not_found("project")
        mine = [r for r in data().records if r.project_key == project.key]

        def node(record: DocumentRecord) -> JSON:
            kids = [node(r) for r in mine if r.parent == record.id and not r.trashed]
            return {
                "id": record.id,
                "name": record.json["title"],
                "emoji": record.json["emoji"] or "",
                "children": kids,
            }

        return {
            "projectId": project.id,
            "activeTree": {
                "id": "Active",
                "children": [node(r) for r in mine if r.parent is None and not r.trashed],
            },
            "trashTree": {"id": "Trash", "children": [node(r) for r in mine if r.trashed]},
        }

    def download(request: Request, args: dict[str, str]) -> Response:
        record = document(args)
        attachment_id = path_int(args["attachmentId"], "attachmentId")
        if attachment_id not in record.files:
            raise not_found("attachment")
        name, body = record.files[attachment_id]
        return site.download(request, attachment_id, name, body)

    return [
        (("documents",), listing),
        (("documents", "tree"), tree),
        (("documents", "{documentId}"), lambda request, args: document(args).json),
        (("documents", "{documentId}", "comments"), lambda request, args: document(args).comments),
        (
            ("documents", "{documentId}", "attachments"),
            lambda request, args: document(args).json["attachments"],
        ),
        (("documents", "{documentId}", "attachments", "{attachmentId}"), download),
    ]


def write_routes(site: Site) -> list[WriteRoute]:
    # Imported here: the writes build on this module's records.
    from backlog_mcp.sandbox.document_writes import DocumentWrites

    return DocumentWrites(site).routes()
