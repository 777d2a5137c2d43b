"""The demo project's custom fields: one of each of Backlog's eight types, shaped as its API sends them."""

from __future__ import annotations

from backlog_mcp.sandbox.model import JSON

__all__ = ["demo_custom_fields"]

_CUSTOM_FIELD_BASE = 1073820000


def _items(*names: str) -> list[JSON]:
    return [{"id": n + 1, "name": name, "displayOrder": n} for n, name in enumerate(names)]


def demo_custom_fields(project_id: int, bug_and_task_ids: list[int]) -> list[JSON]:
    """One field of each of the 8 types; the text area only applies to バグ and タスク."""
    base = {"projectId": project_id, "description": "", "required": False, "applicableIssueTypes": []}
    fid = _CUSTOM_FIELD_BASE + 1
    return [
        {**base, "id": fid, "typeId": 1, "name": "顧客名"},
        {**base, "id": fid + 1, "typeId": 2, "name": "補足情報", "applicableIssueTypes": bug_and_task_ids},
        {
            **base,
            "id": fid + 2,
            "typeId": 3,
            "name": "見積ポイント",
            "description": "ストーリーポイント (0〜100)",
            "min": 0.0,
            "max": 100.0,
            "initialValue": None,
            "unit": "pt",
        },
        {
            **base,
            "id": fid + 3,
            "typeId": 4,
            "name": "リリース予定日",
            "min": None,
            "max": None,
            "initialDate": {"id": 1},
        },
        {
            **base,
            "id": fid + 4,
            "typeId": 5,
            "name": "影響範囲",
            "items": _items("小", "中", "大"),
            "allowAddItem": False,
        },
        {
            **base,
            "id": fid + 5,
            "typeId": 6,
            "name": "対象ブラウザ",
            "items": _items("Chrome", "Firefox", "Safari", "Edge"),
            "allowAddItem": True,
        },
        {
            **base,
            "id": fid + 6,
            "typeId": 7,
            "name": "確認事項",
            "items": _items("テスト済み", "レビュー済み", "ドキュメント更新済み"),
            "allowAddItem": False,
            "allowInput": True,
        },
        {
            **base,
            "id": fid + 7,
            "typeId": 8,
            "name": "環境",
            "items": _items("本番", "ステージング", "開発"),
            "allowAddItem": False,
            "allowInput": True,
        },
    ]
