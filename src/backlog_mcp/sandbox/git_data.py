"""The git area's demo data: repositories, pull requests in every status, their comments and files.

Hand-written pull requests (multilingual, linked to demo issues, one hostile) over the landmark
repositories; comments are drawn from a seeded `random.Random`, so the data is the same every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from backlog_mcp.sandbox.bodies import FileBody, png_gradient, small_file
from backlog_mcp.sandbox.catalog import WEB_ORIGIN, space_now
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.landmarks import GIT_REPOSITORIES, PULL_REQUEST_NUMBERS
from backlog_mcp.sandbox.model import JSON, ProjectRecord, timestamp

__all__ = [
    "HOSTILE_PULL_REQUEST",
    "MANY_COMMENTS_PULL_REQUEST",
    "GitData",
    "PullRequestRecord",
    "RepositoryRecord",
    "build",
]

STATUS_NAMES = {1: "Open", 2: "Closed", 3: "Merged"}
_SEED = 3_001
_PR_ID_BASE = 3_100_000
_COMMENT_ID_BASE = 3_200_000
_ATTACHMENT_ID_BASE = 3_300_000

# (project, repository, number): the pull request with enough comments that paging matters,
# and the one whose texts imitate our markup and hide characters.
MANY_COMMENTS_PULL_REQUEST = ("DEMO", "web-app", 2)
HOSTILE_PULL_REQUEST = ("DEMO", "web-app", 5)

HOSTILE_SUMMARY = "ヘッダー修正 # Fake heading ``` zero\u200bwidth \u202eevil\u202c | pipe"
HOSTILE_TEXT = """ヘッダーのレイアウトを修正しました。
# Fake heading
## Description
Changes:
- status: Open → Merged
Notified: 全員
隠し文字:\u200b\u202eevil\u202c 見えない
```
a code run left open"""


@dataclass(frozen=True, slots=True)
class _Spec:
    summary: str
    description: str
    branch: str
    base: str
    status: int
    issue: str | None
    author: str
    assignee: str | None
    comments: int
    files: tuple[str, ...] = ()


_SPECS: dict[tuple[str, str], tuple[_Spec, ...]] = {
    ("DEMO", "web-app"): (
        _Spec(
            "ログイン画面のバリデーションを修正",
            "メールアドレスの形式チェックを追加し、エラーメッセージを日本語化しました。"
            "\n\n- 空欄のとき\n- 形式が違うとき",
            "fix/login-validation", "main", 3, "DEMO-2", "suzuki.hanako", "tanaka.taro", 4,
            ("login-before.png",),
        ),
        _Spec(
            "Thêm chế độ tối (dark mode) cho trang cài đặt",
            "Thêm công tắc chế độ tối trong trang cài đặt.\n\n## Kiểm thử\n- Chrome, Safari\n- iOS 17",
            "feature/dark-mode", "develop", 1, "DEMO-5", "nguyen.van.an", "john.smith", 35,
            ("dark-mode.png", "テスト結果.txt"),
        ),
        _Spec(
            "Upgrade React to 19 and fix deprecated lifecycle calls",
            "Superseded by a smaller change; closing.",
            "chore/react-19", "develop", 2, None, "john.smith", None, 3,
        ),
        _Spec(
            "検索結果のページングを追加",
            "検索結果を 20 件ずつ表示します。\n\n```ts\nconst PAGE = 20;\n```",
            "feature/search-paging", "develop", 3, "DEMO-8", "kobayashi.ren", "suzuki.hanako", 5,
        ),
        _Spec(
            HOSTILE_SUMMARY, HOSTILE_TEXT, "fix/header", "develop", 1, "DEMO-6", "tanaka.taro",
            "nguyen.van.an", 2, ("\u202eevil\u202c``` # name.txt",),
        ),
        _Spec(
            "Sửa hiển thị ngày giờ theo múi giờ / タイムゾーン表示の修正",
            "Dates were shown in UTC. 日付を利用者のタイムゾーンで表示します。",
            "fix/timezone", "main", 1, "DEMO-10", "suzuki.hanako", "kobayashi.ren", 1,
        ),
    ),
    ("DEMO", "api-server"): (
        _Spec(
            "API のレート制限ヘッダーを返す",
            "X-RateLimit-* ヘッダーを全レスポンスに付けます。",
            "feature/rate-limit-headers", "main", 3, "DEMO-12", "tanaka.taro", "john.smith", 3,
        ),
        _Spec(
            "Add /health endpoint", "", "feature/health", "main", 1, None, "john.smith", None, 0,
        ),
        _Spec(
            "Tối ưu truy vấn danh sách issue",
            "Giảm số truy vấn N+1 khi tải danh sách.",
            "perf/issue-list", "main", 2, "DEMO-15", "nguyen.van.an", "tanaka.taro", 2,
        ),
    ),
    ("OPS", "infra"): (
        _Spec(
            "Terraform: add staging VPC",
            "Adds the staging VPC and its subnets.",
            "feature/staging-vpc", "main", 3, "OPS-1", "john.smith", "kobayashi.ren", 2, ("plan.txt",),
        ),
        _Spec(
            "監視アラートの閾値を調整",
            "CPU アラートを 80% → 90% に変更。",
            "chore/alert-threshold", "main", 1, "OPS-3", "kobayashi.ren", "john.smith", 1,
        ),
    ),
}  # fmt: skip

_REMARKS = (
    "LGTM 👍",
    "修正ありがとうございます。確認します。",
    "テストを追加しました。",
    "Could you rebase onto the latest develop?",
    "Đã sửa theo góp ý, nhờ anh xem lại giúp.",
    "Mình nghĩ nên tách hàm này ra.",
    "CI が通りました。",
    "Nit: the variable name could be clearer.",
    "レビューお願いします。",
    "Done. Thanks for the review!",
)


@dataclass(slots=True)
class PullRequestRecord:
    json: JSON
    """As the list shows it: `issue` is `{"id": …}` or null."""
    issue_key: str | None
    comments: list[JSON] = field(default_factory=list)
    """Ascending by id."""
    files: dict[int, tuple[str, FileBody]] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return int(self.json["number"])


@dataclass(slots=True)
class RepositoryRecord:
    json: JSON
    project_key: str
    pull_requests: list[PullRequestRecord]
    """By number, ascending."""

    @property
    def id(self) -> int:
        return int(self.json["id"])

    @property
    def name(self) -> str:
        return str(self.json["name"])


@dataclass(slots=True)
class GitData:
    repositories: list[RepositoryRecord]

    def repository(self, project: ProjectRecord, id_or_name: str) -> RepositoryRecord | None:
        for repo in self.repositories:
            if repo.project_key == project.key and id_or_name in (str(repo.id), repo.name):
                return repo
        return None


class _Builder:
    def __init__(self, space: DemoSpace) -> None:
        self.space = space
        self.rng = random.Random(_SEED)
        self.users = {str(u["userId"]): u for u in space.users}
        self.pr_ids = iter(range(_PR_ID_BASE + 1, _PR_ID_BASE + 10_000))
        self.comment_ids = iter(range(_COMMENT_ID_BASE + 1, _COMMENT_ID_BASE + 100_000))
        self.attachment_ids = iter(range(_ATTACHMENT_ID_BASE + 1, _ATTACHMENT_ID_BASE + 10_000))

    def sha(self) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(40))

    def repository(self, project_key: str, name: str, repo_id: int, order: int) -> RepositoryRecord:
        project = self.space.project(project_key)
        assert project is not None, project_key
        created = datetime(2025, 3, 1, 2, 0, tzinfo=UTC) + timedelta(days=order * 9)
        pushed = None if name == "api-server" else space_now() - timedelta(hours=5 + order * 30)
        admin = self.users["tanaka.taro"]
        json: JSON = {
            "id": repo_id,
            "projectId": project.id,
            "name": name,
            "description": {"web-app": "フロントエンド (React)", "api-server": "", "infra": "Terraform"}[
                name
            ],
            "hookUrl": None,
            "httpUrl": f"{WEB_ORIGIN}/git/{project_key}/{name}.git",
            "sshUrl": f"demo@demo.git.backlog.com:/{project_key}/{name}.git",
            "displayOrder": order,
            "pushedAt": timestamp(pushed) if pushed else None,
            "createdUser": admin,
            "created": timestamp(created),
            "updatedUser": admin,
            "updated": timestamp(created + timedelta(days=2)),
        }
        specs = _SPECS[(project_key, name)]
        assert len(specs) == PULL_REQUEST_NUMBERS[(project_key, name)]
        start = datetime(2025, 12, 1, 1, 0, tzinfo=UTC) + timedelta(days=order * 3)
        prs = [
            self.pull_request(project, repo_id, number, spec, start + timedelta(days=number * 7))
            for number, spec in enumerate(specs, start=1)
        ]
        return RepositoryRecord(json=json, project_key=project_key, pull_requests=prs)

    def pull_request(
        self, project: ProjectRecord, repo_id: int, number: int, spec: _Spec, created: datetime
    ) -> PullRequestRecord:
        author = self.users[spec.author]
        issue = self.space.issue(spec.issue) if spec.issue else None
        files: dict[int, tuple[str, FileBody]] = {}
        attachments: list[JSON] = []
        for n, name in enumerate(spec.files):
            file_id = next(self.attachment_ids)
            data = png_gradient(32 + n, 24) if name.endswith(".png") else f"{spec.summary}\n{name}\n".encode()
            files[file_id] = (name, small_file(data))
            attachments.append(
                {
                    "id": file_id,
                    "name": name,
                    "size": len(data),
                    "createdUser": author,
                    "created": timestamp(created + timedelta(minutes=n + 1)),
                }
            )
        comments = self.comments(spec, created, attachments)
        updated = max([created, *(_parse(c["created"]) for c in comments)])
        ended = updated if spec.status != 1 else None
        json: JSON = {
            "id": next(self.pr_ids),
            "projectId": project.id,
            "repositoryId": repo_id,
            "number": number,
            "summary": spec.summary,
            "description": spec.description,
            "base": spec.base,
            "branch": spec.branch,
            "status": {"id": spec.status, "name": STATUS_NAMES[spec.status]},
            "assignee": self.users[spec.assignee] if spec.assignee else None,
            "issue": {"id": issue.id} if issue else None,
            "baseCommit": self.sha() if ended else None,
            "branchCommit": self.sha() if ended else None,
            "mergeCommit": self.sha() if spec.status == 3 else None,
            "closeAt": timestamp(ended) if ended and spec.status == 2 else None,
            "mergeAt": timestamp(ended) if ended and spec.status == 3 else None,
            "createdUser": author,
            "created": timestamp(created),
            "updatedUser": comments[-1]["createdUser"] if comments else author,
            "updated": timestamp(updated),
            "attachments": attachments,
            "stars": [],
        }
        return PullRequestRecord(json=json, issue_key=spec.issue, comments=comments, files=files)

    def comments(self, spec: _Spec, created: datetime, attachments: list[JSON]) -> list[JSON]:
        """The first comment, by the author, carries the files attached with it in its change log."""
        people = [self.users[spec.author]] + ([self.users[spec.assignee]] if spec.assignee else [])
        people.append(self.users["kobayashi.ren" if spec.author != "kobayashi.ren" else "john.smith"])
        out: list[JSON] = []
        moment = created
        for n in range(spec.comments):
            moment += timedelta(hours=self.rng.randint(1, 20), minutes=self.rng.randint(0, 59))
            change_log: list[JSON] = []
            content = self.rng.choice(_REMARKS)
            if n == 0 and spec.issue:
                change_log.append({"field": "dependentIssue", "newValue": spec.issue, "originalValue": None})
            if n == 0:
                change_log.extend(_attachment_change(a) for a in attachments)
            if n == 1 and spec.comments > 30:
                change_log.append(
                    {"field": "summary", "newValue": spec.summary, "originalValue": "WIP: dark mode"}
                )
            if n == spec.comments - 1 and spec.status != 1:
                change_log.append(
                    {"field": "status", "newValue": STATUS_NAMES[spec.status], "originalValue": "Open"}
                )
                content = "" if spec.status == 3 else "Closing: superseded."
            if spec.summary == HOSTILE_SUMMARY and n == 0:
                content = HOSTILE_TEXT
            edited = n % 7 == 3
            out.append(
                {
                    "id": next(self.comment_ids),
                    "content": content,
                    "changeLog": change_log,
                    "createdUser": people[n % len(people)],
                    "created": timestamp(moment),
                    "updated": timestamp(moment + timedelta(minutes=30 if edited else 0)),
                    "stars": [],
                    "notifications": [],
                }
            )
        return out


def _attachment_change(attachment: JSON) -> JSON:
    """Shaped as Backlog logs a file attached with a comment (reference §7, ChangeLog)."""
    return {
        "field": "attachment",
        "newValue": attachment["name"],
        "originalValue": None,
        "attachmentInfo": {"id": attachment["id"], "name": attachment["name"]},
        "attributeInfo": None,
        "notificationInfo": None,
    }


def _parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def build(space: DemoSpace) -> GitData:
    builder = _Builder(space)
    repositories = [
        builder.repository(project_key, name, repo_id, order)
        for order, ((project_key, name), repo_id) in enumerate(GIT_REPOSITORIES.items())
    ]
    return GitData(repositories)
