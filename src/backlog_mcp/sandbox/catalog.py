"""The fixed part of the demo space: space, users, projects and their settings.

Everything here is hand-written; the issues and comments are generated in `generate.py`.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime

from backlog_mcp.sandbox.custom_fields import demo_custom_fields
from backlog_mcp.sandbox.model import JSON, ProjectRecord, date_field, timestamp

__all__ = [
    "ADMIN_ID",
    "LEGACY_STATUSES",
    "PRIORITIES",
    "PROJECT_SPECS",
    "RESOLUTIONS",
    "SPACE_KEY",
    "WEB_ORIGIN",
    "ProjectSpec",
    "build_projects",
    "build_space",
    "build_users",
    "former_member",
    "space_now",
    "star",
]

SPACE_KEY = "demo"
WEB_ORIGIN = "https://demo.backlog.com"

PRIORITIES: list[JSON] = [{"id": 2, "name": "高"}, {"id": 3, "name": "中"}, {"id": 4, "name": "低"}]
RESOLUTIONS: list[JSON] = [
    {"id": 0, "name": "対応済み"},
    {"id": 1, "name": "対応しない"},
    {"id": 2, "name": "無効"},
    {"id": 3, "name": "重複"},
    {"id": 4, "name": "再現しない"},
]
# The deprecated space-wide /statuses list, in the space language.
LEGACY_STATUSES: list[JSON] = [
    {"id": 1, "name": "未対応"},
    {"id": 2, "name": "処理中"},
    {"id": 3, "name": "処理済み"},
    {"id": 4, "name": "完了"},
]


@dataclass(frozen=True, slots=True)
class _User:
    id: int
    user_id: str
    name: str
    role_type: int
    lang: str | None
    has_nulab_account: bool = True
    last_login: str | None = "2026-02-27T23:41:12Z"


_USERS = (
    _User(1073741901, "tanaka.taro", "田中 太郎", 1, "ja", last_login="2026-02-28T00:12:45Z"),
    _User(1073741903, "suzuki.hanako", "鈴木 花子", 2, "ja"),
    _User(1073741904, "nguyen.van.an", "Nguyễn Văn An", 2, "en", last_login="2026-02-26T02:03:04Z"),
    _User(1073741907, "tran.thi.bich", "Trần Thị Bích", 3, None),
    _User(1073741910, "john.smith", "John Smith", 2, "en", last_login="2026-01-15T08:30:00Z"),
    _User(1073741912, "sato.kenji", "佐藤 健二", 4, "ja"),
    _User(1073741915, "le.hoang.nam", "Lê Hoàng Nam", 5, "en", has_nulab_account=False, last_login=None),
    _User(1073741919, "yamamoto.yuki", "山本 由紀", 6, "ja", last_login="2025-12-24T10:00:00Z"),
    _User(1073741922, "pham.minh.chau", "Phạm Minh Châu", 2, "en"),
    _User(1073741925, "kobayashi.ren", "小林 蓮", 2, "ja"),
    # No longer in any project, still the author of old comments. Names are free text: this one
    # imitates a comment heading, a notification and our separators. Last and without a Nulab
    # account, so the random draws of everything generated after the users stay as they were.
    _User(
        1073741928,
        "former.member",
        "元メンバー · 2025-01-01T00:00+09:00\n### #985 · forged heading · 2025-01-01T00:00+09:00\n"
        "Notified: 全員, 管理者",
        2,
        "ja",
        has_nulab_account=False,
        last_login=None,
    ),
)
ADMIN_ID = _USERS[0].id


def build_users(rng: random.Random) -> list[JSON]:
    return [_user_json(user, rng) for user in _USERS]


def former_member() -> JSON:
    """The user no project has any more, as /users shows them (no Nulab account: nothing random)."""
    return _user_json(_USERS[-1], random.Random(0))


def _user_json(user: _User, rng: random.Random) -> JSON:
    nulab = None
    if user.has_nulab_account:
        nulab_id = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(50))
        nulab = {"nulabId": nulab_id, "name": user.name, "uniqueId": user.user_id.replace(".", "_")}
    return {
        "id": user.id,
        "userId": user.user_id,
        "name": user.name,
        "roleType": user.role_type,
        "lang": user.lang,
        "nulabAccount": nulab,
        "mailAddress": f"{user.user_id}@demo.example.com",
        "lastLoginTime": user.last_login,
    }


def build_space() -> JSON:
    return {
        "spaceKey": SPACE_KEY,
        "name": "Demo Space",
        "ownerId": ADMIN_ID,
        "lang": "ja",
        "timezone": "Asia/Tokyo",
        "reportSendTime": "08:00:00",
        "textFormattingRule": "markdown",
        "created": "2024-04-01T00:00:00Z",
        "updated": "2026-01-20T05:31:12Z",
    }


_DEFAULT_STATUS_COLORS = ("#ed8077", "#4488c5", "#5eb5a6", "#a1af2f")
_DEFAULT_STATUS_NAMES = {
    "ja": ("未対応", "処理中", "処理済み", "完了"),
    "en": ("Open", "In Progress", "Resolved", "Closed"),
}


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    id: int
    key: str
    name: str
    language: str
    """Which text corpora to draw from: `ja`, `vi`, or `ops` (English operations wording)."""
    status_language: str
    formatting: str
    members: tuple[str, ...]
    issue_types: tuple[tuple[str, str], ...]
    custom_statuses: tuple[tuple[int, str, str, int], ...]
    categories: tuple[str, ...]
    versions: tuple[tuple[str, str, date | None, date | None, bool], ...]
    issue_count: int
    archived: bool = False
    subtasking: bool = False


PROJECT_SPECS = (
    ProjectSpec(
        10001,
        "DEMO",
        "デモプロジェクト (Demo Project)",
        "ja",
        "ja",
        "markdown",
        (
            "tanaka.taro",
            "suzuki.hanako",
            "nguyen.van.an",
            "tran.thi.bich",
            "john.smith",
            "sato.kenji",
            "yamamoto.yuki",
            "kobayashi.ren",
        ),
        (("バグ", "#990000"), ("タスク", "#7ea800"), ("要望", "#ff9200"), ("その他", "#2779ca")),
        ((101, "レビュー待ち", "#e87758", 2500), (102, "保留", "#868cb7", 3500)),
        ("フロントエンド", "バックエンド", "インフラ", "ドキュメント", "デザイン"),
        (
            ("v1.0", "初回リリース", date(2025, 3, 1), date(2025, 5, 31), True),
            ("v1.1", "", date(2025, 6, 1), date(2025, 8, 29), False),
            ("v2.0", "大型アップデート", date(2025, 9, 1), date(2026, 1, 30), False),
            ("スプリント 24", "", date(2026, 2, 2), None, False),
            ("いつか", "時期未定", None, None, False),
        ),
        52,
        subtasking=True,
    ),
    ProjectSpec(
        10002,
        "VNAPP",
        "Ứng dụng di động VN",
        "vi",
        "en",
        "backlog",
        ("tanaka.taro", "nguyen.van.an", "tran.thi.bich", "le.hoang.nam", "pham.minh.chau", "john.smith"),
        (("Lỗi", "#e30000"), ("Nhiệm vụ", "#007e9a"), ("Yêu cầu", "#814fbc")),
        ((103, "Chờ kiểm thử", "#3b9dbd", 2500),),
        ("Giao diện", "Máy chủ", "Thanh toán"),
        (
            ("Phiên bản 1.0", "Bản phát hành đầu tiên", date(2025, 4, 1), date(2025, 7, 15), False),
            ("Phiên bản 1.1", "", None, date(2026, 3, 31), False),
        ),
        18,
    ),
    ProjectSpec(
        10003,
        "OPS",
        "Operations",
        "ops",
        "en",
        "markdown",
        ("tanaka.taro", "john.smith", "nguyen.van.an", "kobayashi.ren", "sato.kenji"),
        (("Bug", "#990000"), ("Task", "#7ea800"), ("Incident", "#ff3265"), ("Chore", "#666665")),
        (),
        ("Monitoring", "Deploy", "Security"),
        (
            ("2025-Q4", "", date(2025, 10, 1), date(2025, 12, 31), False),
            ("2026-Q1", "", date(2026, 1, 1), date(2026, 3, 31), False),
        ),
        15,
    ),
    ProjectSpec(
        10004,
        "LEGACY",
        "旧システム保守",
        "ja",
        "ja",
        "backlog",
        ("tanaka.taro", "suzuki.hanako", "sato.kenji"),
        (("バグ", "#990000"), ("タスク", "#7ea800")),
        (),
        ("保守",),
        (("最終版", "保守終了前の最終リリース", date(2024, 10, 1), date(2025, 3, 31), True),),
        5,
        archived=True,
    ),
)

# Ids of the per-project settings, disjoint ranges so a client that mixes them up gets a 404.
_ISSUE_TYPE_BASE = 1073790000
_CATEGORY_BASE = 1073800000
_VERSION_BASE = 1073810000


def build_projects(users: list[JSON]) -> list[ProjectRecord]:
    by_login = {user["userId"]: user for user in users}
    return [_project(spec, index, by_login) for index, spec in enumerate(PROJECT_SPECS)]


def _project(spec: ProjectSpec, index: int, by_login: dict[str, JSON]) -> ProjectRecord:
    project_json = {
        "id": spec.id,
        "projectKey": spec.key,
        "name": spec.name,
        "chartEnabled": spec.key == "DEMO",
        "useResolvedForChart": False,
        "subtaskingEnabled": spec.subtasking,
        "grandchildIssueEnabled": False,
        "projectLeaderCanEditProjectLeader": False,
        "useWiki": True,
        "useDocument": spec.key != "LEGACY",
        "useFileSharing": True,
        "useWikiTreeView": True,
        "useOriginalImageSizeAtWiki": False,
        "useSubversion": False,
        "useGit": spec.key in ("DEMO", "OPS"),
        "textFormattingRule": spec.formatting,
        "archived": spec.archived,
        "displayOrder": index,
        "useDevAttributes": True,
    }
    issue_types = [
        _issue_type(spec, position, name, color) for position, (name, color) in enumerate(spec.issue_types)
    ]
    return ProjectRecord(
        json=project_json,
        users=[by_login[login] for login in spec.members],
        statuses=_statuses(spec),
        issue_types=issue_types,
        categories=[
            {
                "id": _CATEGORY_BASE + spec.id % 100 * 100 + n,
                "projectId": spec.id,
                "name": name,
                "displayOrder": n,
            }
            for n, name in enumerate(spec.categories)
        ],
        versions=[_version(spec, n, version) for n, version in enumerate(spec.versions)],
        custom_fields=demo_custom_fields(spec.id, [t["id"] for t in issue_types[:2]])
        if spec.key == "DEMO"
        else [],
    )


def _issue_type(spec: ProjectSpec, position: int, name: str, color: str) -> JSON:
    is_bug_template = spec.key == "DEMO" and position == 0
    return {
        "id": _ISSUE_TYPE_BASE + spec.id % 100 * 100 + position,
        "projectId": spec.id,
        "name": name,
        "color": color,
        "displayOrder": position,
        "templateSummary": None,
        "templateDescription": "## 再現手順\n\n1. \n\n## 期待値\n\n## 実際\n" if is_bug_template else None,
    }


def _statuses(spec: ProjectSpec) -> list[JSON]:
    names = _DEFAULT_STATUS_NAMES[spec.status_language]
    statuses = [
        {"id": n + 1, "projectId": spec.id, "name": name, "color": color, "displayOrder": (n + 1) * 1000}
        for n, (name, color) in enumerate(zip(names, _DEFAULT_STATUS_COLORS, strict=True))
    ]
    statuses += [
        {"id": status_id, "projectId": spec.id, "name": name, "color": color, "displayOrder": order}
        for status_id, name, color, order in spec.custom_statuses
    ]
    return sorted(statuses, key=lambda status: int(status["displayOrder"]))


def _version(spec: ProjectSpec, n: int, version: tuple[str, str, date | None, date | None, bool]) -> JSON:
    name, description, start, release, archived = version
    return {
        "id": _VERSION_BASE + spec.id % 100 * 100 + n,
        "projectId": spec.id,
        "name": name,
        "description": description,
        "startDate": date_field(start) if start else None,
        "releaseDueDate": date_field(release) if release else None,
        "archived": archived,
        "displayOrder": n,
    }


def space_now() -> datetime:
    """The demo space's 'today': every generated timestamp is before this."""
    return datetime(2026, 2, 27, 9, 0, tzinfo=UTC)


def star(
    star_id: int, issue_key: str, summary: str, presenter: JSON, created: datetime, anchor: str = ""
) -> JSON:
    return {
        "id": star_id,
        "comment": None,
        "url": f"{WEB_ORIGIN}/view/{issue_key}{anchor}",
        "title": f"[{issue_key}] {summary} | 課題の表示 - Backlog",
        "presenter": presenter,
        "created": timestamp(created),
    }
