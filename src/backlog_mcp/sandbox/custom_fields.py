"""The demo project's custom fields (one of each of Backlog's eight types, shaped as its API sends
them), and the `customField_…` filters of `GET /issues`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from backlog_mcp.sandbox.errors import invalid
from backlog_mcp.sandbox.model import JSON, IssueRecord, jst_date

__all__ = ["custom_field_predicates", "demo_custom_fields"]

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


# The filters of GET /issues on custom fields.
# `customField_{id}` (text), `_min`/`_max` (numeric, date), `[]` or `[n]` (list items: the
# documented bracket form, and the indexed one Nulab's JS client sends).
_CUSTOM_PARAM = re.compile(r"^customField_(\d+)(_min|_max|\[\d*\])?$")
_TEXT_TYPES, _RANGE_TYPES, _LIST_TYPES = (1, 2), (3, 4), (5, 6, 7, 8)


def custom_field_predicates(
    query: Iterable[tuple[str, str]], custom_field_types: Mapping[int, int]
) -> list[Callable[[IssueRecord], bool]]:
    """The conditions of the `customField_…` parameters in `query`, checked as Backlog checks them.

    `custom_field_types`: every custom field's ID → its type ID.
    """
    texts: dict[int, str] = {}
    bounds: dict[int, dict[str, str]] = {}
    items: dict[int, set[int]] = {}
    for name, value in query:
        match = _CUSTOM_PARAM.match(name)
        if match is None:
            continue
        field_id, suffix = int(match[1]), match[2] or ""
        type_id = custom_field_types.get(field_id)
        if type_id is None:
            raise invalid(name, "No such custom field.")
        if not suffix:
            if type_id not in _TEXT_TYPES:
                raise invalid(name, "Only text custom fields take a keyword.")
            texts[field_id] = value
        elif suffix in ("_min", "_max"):
            if type_id not in _RANGE_TYPES:
                raise invalid(name, "Only numeric and date custom fields take _min and _max.")
            bounds.setdefault(field_id, {})[suffix] = value
        else:
            if type_id not in _LIST_TYPES:
                raise invalid(name, "Only list custom fields take item IDs.")
            if not (value.isascii() and value.isdigit()):
                raise invalid(name, f"{name} must be an integer.")
            items.setdefault(field_id, set()).add(int(value))
    predicates = [_custom_text(field_id, text) for field_id, text in texts.items()]
    predicates += [_custom_range(i, custom_field_types[i] == 4, given) for i, given in bounds.items()]
    predicates += [_custom_items(field_id, wanted) for field_id, wanted in items.items()]
    return predicates


def _custom_value(issue: IssueRecord, field_id: int) -> Any:
    return next((f["value"] for f in issue.json["customFields"] if f["id"] == field_id), None)


def _custom_text(field_id: int, text: str) -> Callable[[IssueRecord], bool]:
    needle = text.casefold()
    return lambda issue: needle in str(_custom_value(issue, field_id) or "").casefold()


def _custom_range(field_id: int, is_date: bool, given: dict[str, str]) -> Callable[[IssueRecord], bool]:
    def bound(suffix: str) -> date | float | None:
        text = given.get(suffix)
        if text is None:
            return None
        try:
            return datetime.strptime(text, "%Y-%m-%d").date() if is_date else float(text)
        except ValueError:
            what = "a date in yyyy-MM-dd format" if is_date else "a number"
            raise invalid(f"customField_{field_id}{suffix}", f"It must be {what}.") from None

    low, high = bound("_min"), bound("_max")

    def matches(issue: IssueRecord) -> bool:
        value = _custom_value(issue, field_id)
        if value is None:
            return False
        actual = jst_date(value) if is_date else float(value)
        return (low is None or low <= actual) and (high is None or actual <= high)  # type: ignore[operator]

    return matches


def _custom_items(field_id: int, wanted: set[int]) -> Callable[[IssueRecord], bool]:
    def matches(issue: IssueRecord) -> bool:
        value = _custom_value(issue, field_id)
        chosen = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        return any(int(item["id"]) in wanted for item in chosen)

    return matches
