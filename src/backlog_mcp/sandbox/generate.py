"""Issues, comments and attachments of the demo space, generated from a seeded `random.Random`.

Pass 1 drafts every issue (random, then the pinned ones overridden), pass 2 writes comment
histories, pass 3 hands out ids in creation order and renders the JSON once.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from backlog_mcp.sandbox.bodies import png_gradient, small_file, synthetic_log
from backlog_mcp.sandbox.catalog import PRIORITIES, RESOLUTIONS, ProjectSpec, space_now
from backlog_mcp.sandbox.descriptions import LONG_MARKDOWN_EN, LONG_MARKDOWN_JA
from backlog_mcp.sandbox.drafts import AttachmentDraft, IssueDraft
from backlog_mcp.sandbox.history import CLOSED_STATUS_IDS, fill_history, status_path
from backlog_mcp.sandbox.model import JSON, IssueRecord, ProjectRecord, date_field, timestamp
from backlog_mcp.sandbox.pinned import finish_pinned, pin_issues
from backlog_mcp.sandbox.render import render_issue
from backlog_mcp.sandbox.texts import (
    SHORT_DESCRIPTIONS_EN,
    SHORT_DESCRIPTIONS_JA,
    SUMMARY_PARTS,
    VN_BACKLOG_DESCRIPTIONS,
)

__all__ = ["ISSUE_ID_BASE", "generate_issues"]

ISSUE_ID_BASE = 1074000000
COMMENT_ID_BASE = 1075000000
ATTACHMENT_ID_BASE = 1076000000
SHARED_FILE_ID_BASE = 1079000000

_ACTIVE_PERIOD = (datetime(2025, 3, 3, tzinfo=UTC), datetime(2026, 2, 20, tzinfo=UTC))
_ARCHIVED_PERIOD = (datetime(2024, 10, 1, tzinfo=UTC), datetime(2025, 3, 20, tzinfo=UTC))
_COMMENT_COUNTS = (0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12, 15)
_HOURS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)


def generate_issues(
    projects: list[ProjectRecord], specs: tuple[ProjectSpec, ...], rng: random.Random
) -> list[IssueRecord]:
    drafts: list[IssueDraft] = []
    shared_file_ids = itertools.count(SHARED_FILE_ID_BASE, 7)
    for project, spec in zip(projects, specs, strict=True):
        drafts += _draft_project(project, spec, rng, shared_file_ids)
    pin_issues({draft.key: draft for draft in drafts}, rng)
    now = space_now()
    for draft in drafts:
        fill_history(draft, rng, draft.project.users, now)
        _settle_resolution(draft, rng)
    finish_pinned({draft.key: draft for draft in drafts})
    _assign_ids(drafts, rng)
    return _render_all(drafts)


def _draft_project(
    project: ProjectRecord, spec: ProjectSpec, rng: random.Random, shared_file_ids: itertools.count[int]
) -> list[IssueDraft]:
    first, last = _ARCHIVED_PERIOD if spec.archived else _ACTIVE_PERIOD
    span = (last - first).total_seconds()
    moments = sorted(first + timedelta(seconds=rng.uniform(0, span)) for _ in range(spec.issue_count))
    summaries = _summaries(spec, rng)
    shared_pool = _shared_files(project, rng, shared_file_ids)
    return [
        _draft_issue(project, spec, rng, key_id, created, summaries[key_id - 1], shared_pool)
        for key_id, created in enumerate(moments, start=1)
    ]


def _summaries(spec: ProjectSpec, rng: random.Random) -> list[str]:
    languages = ("ja", "en") if spec.key == "DEMO" else (spec.language,)
    pool = [
        subject + problem
        for language in languages
        for subject, problem in itertools.product(*SUMMARY_PARTS[language])
    ]
    return rng.sample(pool, spec.issue_count)


def _draft_issue(
    project: ProjectRecord,
    spec: ProjectSpec,
    rng: random.Random,
    key_id: int,
    created: datetime,
    summary: str,
    shared_pool: list[JSON],
) -> IssueDraft:
    members = project.users
    final_status = _pick_status(project, spec, rng)
    start = created.date() + timedelta(days=rng.randint(0, 10)) if rng.random() < 0.5 else None
    due = (start or created.date()) + timedelta(days=rng.randint(3, 60)) if rng.random() < 0.7 else None
    estimated = rng.choice(_HOURS) if rng.random() < 0.55 else None
    in_progress = final_status["id"] != 1
    actual = round(estimated * rng.uniform(0.5, 1.8) * 4) / 4 if estimated and in_progress else None
    draft = IssueDraft(
        project=project,
        spec=spec,
        key_id=key_id,
        created=created,
        created_user=rng.choice([u for u in members if u["roleType"] in (1, 2, 3, 5)]),
        summary=summary,
        description=_description(spec, rng),
        issue_type=rng.choice(project.issue_types),
        status=final_status,
        priority=rng.choices(PRIORITIES, weights=(2, 6, 2))[0],
        assignee=rng.choice([u for u in members if u["roleType"] in (1, 2, 3)])
        if rng.random() < 0.85
        else None,
        categories=rng.sample(project.categories, rng.choices((0, 1, 2), weights=(4, 5, 1))[0]),
        versions=rng.sample(project.versions, 1) if rng.random() < 0.35 else [],
        milestones=rng.sample(project.versions, 1) if rng.random() < 0.6 else [],
        start=start,
        due=due,
        estimated=estimated,
        actual=actual,
        comment_count=rng.choice(_COMMENT_COUNTS),
    )
    all_statuses = [int(status["id"]) for status in project.statuses]
    draft.status_path = status_path(rng, int(final_status["id"]), all_statuses, wander=rng.choice((0, 0, 1)))
    draft.custom_values = _random_custom_values(draft, rng)
    draft.attachments = _random_attachments(draft, rng) if rng.random() < 0.2 else []
    if rng.random() < 0.15:
        presenters = rng.sample(members, min(len(members), rng.randint(1, 2)))
        draft.stars = [(user, created + timedelta(hours=rng.randint(1, 200))) for user in presenters]
    if shared_pool and rng.random() < 0.1:
        draft.shared_files = [rng.choice(shared_pool)]
    return draft


def _pick_status(project: ProjectRecord, spec: ProjectSpec, rng: random.Random) -> JSON:
    if spec.archived:
        weights = [1 if status["id"] != 4 else 12 for status in project.statuses]
    else:
        default_weights = {1: 30, 2: 25, 3: 15, 4: 20}
        weights = [default_weights.get(int(status["id"]), 5) for status in project.statuses]
    return rng.choices(project.statuses, weights=weights)[0]


def _description(spec: ProjectSpec, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        return ""
    if spec.language == "vi":
        return rng.choice(VN_BACKLOG_DESCRIPTIONS)
    if spec.language == "ops":
        return LONG_MARKDOWN_EN if roll > 0.85 else rng.choice(SHORT_DESCRIPTIONS_EN)
    if roll > 0.9:
        return rng.choice((LONG_MARKDOWN_JA, LONG_MARKDOWN_EN))
    return rng.choice(SHORT_DESCRIPTIONS_EN if roll > 0.75 else SHORT_DESCRIPTIONS_JA)


def _random_custom_values(draft: IssueDraft, rng: random.Random) -> dict[int, tuple[object, str | None]]:
    values: dict[int, tuple[object, str | None]] = {}
    for field in draft.project.custom_fields:
        if rng.random() < 0.65:
            continue
        type_id = field["typeId"]
        value: object
        if type_id in (1, 2):
            value = rng.choice(("株式会社サンプル", "Công ty TNHH Ví dụ", "Example Corp.", "山田商店"))
        elif type_id == 3:
            value = float(rng.choice((1, 2, 3, 5, 8, 13)))
        elif type_id == 4:
            value = date_field(draft.created.date() + timedelta(days=rng.randint(10, 90)))
        elif type_id in (5, 8):
            value = rng.choice(field["items"])
        else:
            value = rng.sample(field["items"], rng.randint(1, 2))
        values[int(field["id"])] = (value, None)
    return values


def _random_attachments(draft: IssueDraft, rng: random.Random) -> list[AttachmentDraft]:
    options = [
        ("スクリーンショット.png", small_file(png_gradient(24, 24))),
        ("error.log", synthetic_log(rng.randint(2_000, 20_000), seed=draft.key_id)),
        ("仕様メモ.txt", small_file("仕様メモ\n- 項目 A\n- 項目 B\n".encode())),
        ("report.csv", small_file(b"date,count\n2025-10-01,12\n2025-10-02,15\n")),
        ("ảnh chụp.png", small_file(png_gradient(16, 16))),
    ]
    chosen = rng.sample(options, rng.randint(1, 2))
    return [
        AttachmentDraft(name, body, draft.created_user, draft.created, via_comment=rng.random() < 0.5)
        for name, body in chosen
    ]


def _shared_files(project: ProjectRecord, rng: random.Random, ids: itertools.count[int]) -> list[JSON]:
    names = (("/仕様書/", "画面仕様書 v3.xlsx"), ("/design/", "logo.svg"), ("/議事録/", "2025-10-01 定例.md"))
    users = project.users
    files = []
    for directory, name in names:
        created = datetime(2025, 2, rng.randint(1, 28), rng.randint(0, 23), tzinfo=UTC)
        updater = rng.choice(users) if rng.random() < 0.5 else None
        files.append(
            {
                "id": next(ids),
                "projectId": project.id,
                "type": "file",
                "dir": directory,
                "name": name,
                "size": rng.randint(1_000, 900_000),
                "createdUser": rng.choice(users),
                "created": timestamp(created),
                "updatedUser": updater,
                "updated": timestamp(created + timedelta(days=3) if updater else created),
            }
        )
    return files


def _settle_resolution(draft: IssueDraft, rng: random.Random) -> None:
    """Issues born closed (no comments) still need a resolution; open ones must not have one."""
    if draft.status["id"] not in CLOSED_STATUS_IDS:
        draft.resolution = None
    elif draft.resolution is None:
        draft.resolution = RESOLUTIONS[0] if rng.random() < 0.8 else rng.choice(RESOLUTIONS[1:])


def _assign_ids(drafts: list[IssueDraft], rng: random.Random) -> None:
    """Ids grow with creation time across the whole space, with gaps, as in a real space."""
    ids = _gapped_ids(ISSUE_ID_BASE, rng, 9)
    for draft in sorted(drafts, key=lambda d: (d.created, d.project.id)):
        draft.id = next(ids)
    ids = _gapped_ids(ATTACHMENT_ID_BASE, rng, 5)
    attachments = [(a, d.id) for d in drafts for a in d.attachments]
    for attachment, _ in sorted(attachments, key=lambda pair: (pair[0].created, pair[1])):
        attachment.id = next(ids)
    ids = _gapped_ids(COMMENT_ID_BASE, rng, 25)
    comments = [(c, d.id) for d in drafts for c in d.comments]
    for comment, _ in sorted(comments, key=lambda pair: (pair[0].created, pair[1])):
        comment.id = next(ids)


def _gapped_ids(base: int, rng: random.Random, max_gap: int) -> Iterator[int]:
    return itertools.accumulate((rng.randint(1, max_gap) for _ in itertools.count()), initial=base)


def _render_all(drafts: list[IssueDraft]) -> list[IssueRecord]:
    id_by_key = {draft.key: draft.id for draft in drafts}
    star_ids = itertools.count(1077000000, 3)
    notification_ids = itertools.count(1078000000, 2)
    records = []
    for draft in sorted(drafts, key=lambda d: d.id):
        parent_id = id_by_key[f"{draft.spec.key}-{draft.parent_key_id}"] if draft.parent_key_id else None
        records.append(render_issue(draft, parent_id, star_ids, notification_ids))
    by_id = {record.id: record for record in records}
    for record in records:
        parent_id = record.json["parentIssueId"]
        if parent_id is not None:
            by_id[parent_id].child_ids.append(record.id)
    return records
