"""The payload models against real Backlog bodies with nulls, missing and unknown fields.

Bodies to break come from the sandbox's demo space (built field for field to the reference);
the bodies that must parse as they are live in tests/fixtures/backlog/, trimmed from Nulab's
client test data and the API docs' examples (its README says where each came from).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args
from urllib.parse import parse_qsl

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from backlog_mcp.areas import area_modules
from backlog_mcp.backlog import models
from backlog_mcp.backlog.client import BacklogClient, make_http_client
from backlog_mcp.backlog.documents import Document, DocumentComment, DocumentTree
from backlog_mcp.backlog.files import SharedFileEntry
from backlog_mcp.backlog.git import PullRequest, Repository
from backlog_mcp.backlog.issues import Comment, CustomField, Issue, IssueEndpoints, RelatedIssue
from backlog_mcp.backlog.models import Attachment, Count, Priority, Resolution, SharedFile, User
from backlog_mcp.backlog.notifications import Notification, Watching
from backlog_mcp.backlog.projects import Category, IssueType, Project, Status, Version
from backlog_mcp.backlog.space import Activity, RateLimit, Space
from backlog_mcp.backlog.wiki import WikiPage, WikiPageSummary
from backlog_mcp.errors import BacklogResponseError
from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.data import DemoSpace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "backlog"
_DEMO = DemoSpace().issue("DEMO-1") or pytest.fail("the demo space has DEMO-1")

JSON = Any
KeyPath = tuple[str | int, ...]


def _load(name: str) -> JSON:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _issue() -> dict[str, JSON]:
    """The demo parent issue: assignee, categories, versions, milestones, custom fields, attachments."""
    # Through JSON, as a client receives it: the demo shares objects (a version is also a milestone).
    data: dict[str, JSON] = json.loads(json.dumps(_DEMO.json))
    return data


_full_issue = _issue


def _comment() -> dict[str, JSON]:
    """A demo comment with a change log and notifications."""
    data: dict[str, JSON] = json.loads(json.dumps(_DEMO.comments[0]))
    assert data["changeLog"]
    assert data["notifications"]
    return data


def _set(data: JSON, path: KeyPath, value: JSON) -> None:
    *head, last = path
    for key in head:
        data = data[key]
    data[last] = value


def _delete(data: JSON, path: KeyPath) -> None:
    *head, last = path
    for key in head:
        data = data[key]
    del data[last]


def _paths(data: JSON, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key path (dict keys and list indices) inside `data`, parents before children."""
    items: list[tuple[str | int, JSON]]
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


# -- every fixture parses as it is ------------------------------------------------------------

_FIXTURE_MODELS: list[tuple[str, Any]] = [
    ("GET_issues.backlog4j.json", list[Issue]),
    ("GET_issues.docs.json", list[Issue]),
    ("GET_issues_issueIdOrKey.backlog4j.json", Issue),
    ("GET_issues_issueIdOrKey.customFields.backlog4j.json", Issue),
    ("GET_issues_issueIdOrKey.docs.json", Issue),
    ("GET_issues_issueIdOrKey_comments.backlog4j.json", list[Comment]),
    ("GET_issues_issueIdOrKey_comments.docs.json", list[Comment]),
    ("GET_issues_issueIdOrKey_comments_commentId.backlog4j.json", Comment),
    ("GET_priorities.backlog4j.json", list[Priority]),
    ("GET_resolutions.backlog4j.json", list[Resolution]),
    ("GET_projects.backlog4j.json", list[Project]),
    ("GET_projects.docs.json", list[Project]),
    ("GET_projects_projectIdOrKey.docs.json", Project),
    ("GET_projects_projectIdOrKey_categories.backlog4j.json", list[Category]),
    ("GET_projects_projectIdOrKey_issueTypes.docs.json", list[IssueType]),
    ("GET_projects_projectIdOrKey_statuses.docs.json", list[Status]),
    ("GET_projects_projectIdOrKey_versions.backlog4j.json", list[Version]),
    ("GET_projects_projectIdOrKey_users.docs.json", list[User]),
    ("GET_users.backlog4j.json", list[User]),
    ("GET_users_myself.docs.json", User),
    ("GET_space.docs.json", Space),
    ("GET_notifications.backlog4j.json", list[Notification]),
    ("GET_notifications.docs.json", list[Notification]),
    ("GET_users_userId_watchings.docs.json", list[Watching]),
    ("GET_watchings_watchingId.backlog4j.json", Watching),
]


def test_every_fixture_file_is_used() -> None:
    used = {name for name, _ in _FIXTURE_MODELS} | {"GET_rateLimit.docs.json"}
    assert {p.name for p in FIXTURES.glob("*.json")} == used


@pytest.mark.parametrize(("name", "model"), _FIXTURE_MODELS)
def test_reference_fixture_parses(name: str, model: Any) -> None:
    parsed = TypeAdapter(model).validate_python(_load(name))
    items = parsed if isinstance(parsed, list) else [parsed]
    assert items
    assert all(isinstance(item, BaseModel) for item in items)


def test_rate_limit_fixture_parses() -> None:
    limits = RateLimit.model_validate(_load("GET_rateLimit.docs.json")["rateLimit"])
    assert limits.read is not None
    assert limits.read.limit == 600


# -- null where a value is expected -----------------------------------------------------------

_ISSUE_NULLS: list[tuple[KeyPath, Callable[[Issue], object], object]] = [
    (("assignee", "name"), lambda i: i.assignee and i.assignee.name, ""),
    (("assignee", "userId"), lambda i: i.assignee and i.assignee.user_id, None),
    (("createdUser", "name"), lambda i: i.created_user and i.created_user.name, ""),
    (("status", "name"), lambda i: i.status and i.status.name, ""),
    (("issueType", "name"), lambda i: i.issue_type and i.issue_type.name, ""),
    (("priority", "name"), lambda i: i.priority and i.priority.name, ""),
    (("summary",), lambda i: i.summary, ""),
    (("category",), lambda i: i.category, []),
    (("versions",), lambda i: i.versions, []),
    (("milestone",), lambda i: i.milestone, []),
    (("attachments",), lambda i: i.attachments, []),
    (("customFields",), lambda i: i.custom_fields, []),
    (("sharedFiles",), lambda i: i.shared_files, []),
    (("milestone", 0, "archived"), lambda i: i.milestone[0].archived, False),
    (("milestone", 0, "name"), lambda i: i.milestone[0].name, ""),
    (("attachments", 0, "name"), lambda i: i.attachments[0].name, ""),
    (("attachments", 0, "size"), lambda i: i.attachments[0].size, None),
    (("assignee",), lambda i: i.assignee, None),
    (("created",), lambda i: i.created, None),
]


@pytest.mark.parametrize(("path", "read", "expected"), _ISSUE_NULLS, ids=[str(p) for p, _, _ in _ISSUE_NULLS])
def test_issue_null_field_takes_its_default(
    path: KeyPath, read: Callable[[Issue], object], expected: object
) -> None:
    data = _issue()
    _set(data, path, None)
    assert read(Issue.model_validate(data)) == expected


@pytest.mark.parametrize("key", ["category", "versions", "milestone", "customFields", "attachments"])
def test_full_issue_null_list_is_empty(key: str) -> None:
    data = _full_issue()
    assert data[key], "the fixture should have items here"
    data[key] = None
    issue = Issue.model_validate(data)
    assert getattr(issue, _field(key)) == []


def _field(alias: str) -> str:
    return next(name for name, f in Issue.model_fields.items() if f.alias == alias)


def test_null_items_inside_lists_are_dropped() -> None:
    data = _full_issue()
    versions = [v["name"] for v in data["versions"]]
    categories = [c["name"] for c in data["category"]]
    data["versions"].insert(1, None)
    data["category"].append(None)
    issue = Issue.model_validate(data)
    assert [v.name for v in issue.versions] == versions
    assert [c.name for c in issue.category] == categories


def test_missing_fields_take_defaults() -> None:
    data = _issue()
    for key in ("summary", "assignee", "category", "milestone", "attachments", "customFields", "created"):
        del data[key]
    del data["status"]["name"]
    issue = Issue.model_validate(data)
    assert issue.summary == ""
    assert issue.assignee is None
    assert (issue.category, issue.milestone, issue.attachments, issue.custom_fields) == ([], [], [], [])
    assert issue.created is None
    assert issue.status is not None
    assert issue.status.name == ""


def test_unknown_fields_are_ignored_at_every_level() -> None:
    data = _issue()
    assignee, milestone = data["assignee"]["userId"], data["milestone"][0]["name"]
    for path in list(_paths(data)):
        parent: JSON = data
        for key in path:
            parent = parent[key]
        if isinstance(parent, dict):
            parent["someFutureField"] = {"nested": [1, None]}
    data["someFutureField"] = None
    issue = Issue.model_validate(data)
    assert issue.issue_key == "DEMO-1"
    assert issue.assignee is not None
    assert issue.assignee.user_id == assignee
    assert issue.milestone[0].name == milestone


def test_empty_string_dates_and_numbers_mean_absent() -> None:
    data = _issue()
    data["startDate"] = data["dueDate"] = data["estimatedHours"] = data["description"] = ""
    data["milestone"][0]["releaseDueDate"] = ""
    issue = Issue.model_validate(data)
    assert issue.start_date is None
    assert issue.due_date is None
    assert issue.estimated_hours is None
    assert issue.milestone[0].release_due_date is None
    assert issue.description == ""  # an empty text stays empty text


# -- comments ---------------------------------------------------------------------------------


def test_comment_null_notifications_and_change_log() -> None:
    data = _comment()
    data["notifications"] = None
    data["changeLog"] = None
    comment = Comment.model_validate(data)
    assert comment.notifications == []
    assert comment.change_log is None


def test_comment_null_notification_user_name() -> None:
    data = _comment()
    data["notifications"][0]["user"]["name"] = None
    data["notifications"][0]["reason"] = None
    comment = Comment.model_validate(data)
    user = comment.notifications[0].user
    assert user is not None
    assert user.name == ""
    assert comment.notifications[0].reason is None


@pytest.mark.parametrize(("raw", "text"), [(3, "3"), (2.5, "2.5"), (0, "0"), (None, None), ("", "")])
def test_change_log_values_accept_numbers(raw: object, text: str | None) -> None:
    data = _comment()
    data["changeLog"][0]["newValue"] = raw
    data["changeLog"][0]["originalValue"] = raw
    entry = Comment.model_validate(data).change_log
    assert entry is not None
    assert entry[0].new_value == text
    assert entry[0].original_value == text


def test_change_log_null_field_and_null_entries() -> None:
    data = _comment()
    data["changeLog"][0]["field"] = None
    data["changeLog"].append(None)
    entries = Comment.model_validate(data).change_log
    assert entries is not None
    assert len(entries) == 1
    assert entries[0].field == ""


# -- identifying values stay strict, with a clear message --------------------------------------


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        (("id",), ("id",)),
        (("issueKey",), ("issueKey",)),
        (("assignee", "id"), ("assignee", "id")),
        (("milestone", 0, "id"), ("milestone", 0, "id")),
    ],
)
def test_null_identifier_is_a_clear_error(path: KeyPath, loc: KeyPath) -> None:
    data = _issue()
    _set(data, path, None)
    with pytest.raises(ValidationError) as caught:
        Issue.model_validate(data)
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [loc]
    assert errors[0]["msg"] == "required value is null"


def test_missing_identifier_is_an_error() -> None:
    data = _issue()
    del data["issueKey"]
    with pytest.raises(ValidationError, match="issueKey"):
        Issue.model_validate(data)


BACKLOG = {
    "X-RateLimit-Limit": "600",
    "X-RateLimit-Remaining": "599",
    "X-RateLimit-Reset": "1605484860",
}  # what every Backlog answer carries


@pytest.mark.anyio
async def test_client_names_the_null_identifier() -> None:
    data = _issue()
    data["assignee"]["id"] = None
    transport = httpx2.MockTransport(lambda _: httpx2.Response(200, json=data, headers=BACKLOG))
    api = IssueEndpoints(
        BacklogClient(make_http_client("https://space.backlog.com", timeout_seconds=5, transport=transport))
    )
    with pytest.raises(BacklogResponseError, match=r"assignee\.id: required value is null"):
        await api.get_issue("BLG-1")


@pytest.mark.anyio
async def test_client_reads_issue_with_nulls() -> None:
    data = _issue()
    data["assignee"]["name"] = data["summary"] = data["category"] = data["milestone"] = None
    transport = httpx2.MockTransport(lambda _: httpx2.Response(200, json=data, headers=BACKLOG))
    api = IssueEndpoints(
        BacklogClient(make_http_client("https://space.backlog.com", timeout_seconds=5, transport=transport))
    )
    issue = await api.get_issue("BLG-1")
    assert issue.summary == ""
    assert issue.milestone == []


# -- any mix of nulls and missing keys --------------------------------------------------------

_IDENTIFIERS = {"id", "issueKey"}


def _tolerated_paths(data: JSON) -> list[KeyPath]:
    return [p for p in _paths(data) if p[-1] not in _IDENTIFIERS]


_ISSUE_PATHS = _tolerated_paths(_issue())


def _apply(data: JSON, edits: list[tuple[KeyPath, bool]]) -> None:
    """Null (or delete) each path; deepest first so list indices and parents stay valid."""
    for path, delete in sorted(edits, key=lambda e: len(e[0]), reverse=True):
        try:
            if delete and not isinstance(path[-1], int):
                _delete(data, path)
            else:
                _set(data, path, None)
        except (KeyError, IndexError, TypeError):
            pass  # a parent was nulled or removed already


_edits = st.lists(st.tuples(st.sampled_from(_ISSUE_PATHS), st.booleans()), max_size=25)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(edits=_edits)
def test_issue_survives_random_nulls_and_missing_keys(edits: list[tuple[KeyPath, bool]]) -> None:
    data = copy.deepcopy(_issue())
    _apply(data, edits)
    issue = Issue.model_validate(data)
    assert issue.id == data["id"]
    assert issue.issue_key == data["issueKey"]
    assert isinstance(issue.summary, str)
    for items in (issue.category, issue.versions, issue.milestone, issue.attachments, issue.custom_fields):
        assert isinstance(items, list)
        assert None not in items


# -- every payload model, fed the sandbox's bodies, nulled and cut at random --------------------

# What each endpoint the server reads answers with, as the sandbox serves it over HTTP.
_ENDPOINTS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("space", Space),
    ("users/myself", User),
    ("users", User),
    ("rateLimit", RateLimit),
    ("priorities", Priority),
    ("resolutions", Resolution),
    ("projects", Project),
    ("projects/DEMO", Project),
    ("projects/DEMO/users", User),
    ("projects/DEMO/statuses", Status),
    ("projects/DEMO/issueTypes", IssueType),
    ("projects/DEMO/categories", Category),
    ("projects/DEMO/versions", Version),
    ("issues", Issue),
    ("issues/DEMO-1", Issue),
    ("issues/DEMO-1/comments", Comment),
    ("issues/DEMO-1/attachments", Attachment),
    ("issues/{shared}/sharedFiles", SharedFile),
    ("issues/count", Count),
    ("issues/DEMO-1/comments/count", Count),
    ("projects/DEMO/git/repositories", Repository),
    ("projects/DEMO/git/repositories/web-app/pullRequests", PullRequest),
    ("projects/DEMO/git/repositories/web-app/pullRequests/2", PullRequest),
    ("projects/DEMO/git/repositories/web-app/pullRequests/2/comments", Comment),
    ("notifications", Notification),
    ("users/1073741901/watchings", Watching),
    ("issues/DEMO-1/relatedIssues", RelatedIssue),
    ("projects/DEMO/customFields", CustomField),
    ("documents?offset=0&count=100", Document),
    ("documents/tree?projectIdOrKey=DEMO", DocumentTree),
    ("documents/019a1c2e5b7d7c3f9e4a6b8c0d2e4f61/comments", DocumentComment),
    ("space/activities?count=100", Activity),
    ("wikis/2001099", WikiPage),
    ("wikis/2001001", WikiPageSummary),  # the list wants a projectIdOrKey; a page holds a summary's fields
    ("projects/DEMO/files/metadata/docs", SharedFileEntry),
)
_PAYLOAD_MODELS = tuple(dict.fromkeys(model for _, model in _ENDPOINTS))


def _nested_models(
    model: type[BaseModel], seen: set[type[BaseModel]] | None = None
) -> Iterator[type[BaseModel]]:
    """`model` and every model its fields hold, at any depth (a tree's node holds its own kind)."""
    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    yield model
    for field in model.model_fields.values():
        for member in (field.annotation, *get_args(field.annotation)):
            for inner in (member, *get_args(member)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    yield from _nested_models(inner, seen)


# The only keys whose absence may fail a body: what identifies a thing, and a count.
_REQUIRED = {
    name if field.alias is None else field.alias
    for top in _PAYLOAD_MODELS
    for model in _nested_models(top)
    for name, field in model.model_fields.items()
    if field.is_required()
}


@functools.cache  # not a fixture: hypothesis would print all of it with every failing example
def _bodies() -> dict[type[BaseModel], list[JSON]]:
    """Per model, the bodies to break: the sandbox's answers (list items one by one) and the fixtures'."""
    shared = next(i.json["issueKey"] for i in DemoSpace().issues if i.json["sharedFiles"])
    found: dict[type[BaseModel], list[JSON]] = {model: [] for model in _PAYLOAD_MODELS}
    with (
        SandboxServer() as sandbox,
        httpx2.Client(base_url=f"{sandbox.base_url}/api/v2/", params={"apiKey": sandbox.api_key}) as http,
    ):
        for path, model in _ENDPOINTS:
            target, _, query = path.format(shared=shared).partition("?")
            answer = http.get(target, params=dict(parse_qsl(query)))
            assert answer.status_code == 200, path
            body = answer.json()
            found[model].extend(
                body if isinstance(body, list) else [body["rateLimit"] if model is RateLimit else body]
            )
    for name, shape in _FIXTURE_MODELS:
        body = _load(name)
        found[get_args(shape)[0] if get_args(shape) else shape].extend(
            body if isinstance(body, list) else [body]
        )
    found[RateLimit].append(_load("GET_rateLimit.docs.json")["rateLimit"])
    return found


def test_every_payload_model_is_fed_real_bodies() -> None:
    bodies = _bodies()
    declared = {
        m
        for module in (models, *area_modules("backlog"))
        for name in module.__all__
        if isinstance(m := getattr(module, name), type) and issubclass(m, BaseModel) and m is not models.Model
    }
    assert {nested for top in _PAYLOAD_MODELS for nested in _nested_models(top)} == declared
    assert all(bodies[model] for model in _PAYLOAD_MODELS)
    assert {"id", "issueKey", "projectKey", "count", "number"} == _REQUIRED


def _null_items(value: object) -> bool:
    """Whether a parsed payload holds a `None` inside a list, anywhere but in raw JSON (`Any`)."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return any(_null_items(getattr(value, n)) for n, f in fields.items() if f.annotation is not Any)
    if isinstance(value, list):
        return None in value or any(_null_items(item) for item in value)
    return False


_pick = st.integers(min_value=0, max_value=10**6)  # an index, taken modulo what there is to pick from


@pytest.mark.parametrize("model", _PAYLOAD_MODELS, ids=lambda m: m.__name__)
@settings(max_examples=60, deadline=None)
@given(
    pick=_pick,
    picked_edits=st.lists(st.tuples(_pick, st.booleans()), max_size=12),
    picked_identifier=st.lists(st.tuples(_pick, st.booleans()), max_size=1),
)
def test_every_payload_model_survives_random_nulls_and_missing_keys_except_in_its_identifiers(
    model: type[BaseModel],
    pick: int,
    picked_edits: list[tuple[int, bool]],
    picked_identifier: list[tuple[int, bool]],
) -> None:
    bodies = _bodies()[model]
    data = copy.deepcopy(bodies[pick % len(bodies)])
    # Mostly fields that may be absent; now and then one that may not, to see how that fails.
    paths = [p for p in _paths(data) if p[-1] not in _REQUIRED]
    identifiers = [p for p in _paths(data) if p[-1] in _REQUIRED]
    edits = [(paths[i % len(paths)], delete) for i, delete in picked_edits if paths]
    edits += [(identifiers[i % len(identifiers)], delete) for i, delete in picked_identifier if identifiers]
    _apply(data, edits)
    touched = {path[-1] for path, _ in edits}
    try:
        parsed, failure = model.model_validate(data), None
    except ValidationError as exc:
        parsed, failure = None, exc
    if failure is not None:
        for error in failure.errors():
            assert error["loc"][-1] in _REQUIRED & touched, error
            assert error["msg"] in ("required value is null", "Field required")
            assert ".".join(map(str, error["loc"])) in str(failure)  # the message names the field
        return
    assert not _null_items(parsed)
    for name, field in model.model_fields.items():
        if field.is_required():
            assert getattr(parsed, name) == data[field.alias or name]


# --- Untrusted text: what a person cannot see does not reach the model -------------------------

# Always removed, wherever they stand (the issue's list: zero-width space and non-joiner, word
# joiner, BOM, bidi embeddings/overrides and isolates, tag characters).
ALWAYS_REMOVED = [
    "\u200b", "\u200c", "\u2060", "\ufeff",
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
    *(chr(c) for c in range(0xE0000, 0xE0080)),
]  # fmt: skip
ZWJ = "\u200d"
EMOJI_SEQUENCES = [
    "👩\u200d💻",  # woman technologist
    "👨\u200d👩\u200d👧",  # family
    "👩🏽\u200d💻",  # with a skin tone
    "❤\ufe0f\u200d🔥",  # heart on fire: the presentation selector before the joiner
    "🏳\ufe0f\u200d🌈",  # rainbow flag
    "🧑\u200d🤝\u200d🧑",  # people holding hands
]


@pytest.mark.parametrize("char", ALWAYS_REMOVED, ids=lambda c: f"U+{ord(c):04X}")
def test_visible_removes_each_invisible_and_bidi_control_character(char: str) -> None:
    assert models.visible(f"a{char}b") == "ab"
    assert models.visible(f"👩{char}💻") == "👩💻"  # between pictographs too


@pytest.mark.parametrize("sequence", EMOJI_SEQUENCES)
def test_visible_keeps_the_zero_width_joiner_inside_emoji_sequences(sequence: str) -> None:
    assert models.visible(sequence) == sequence
    assert models.visible(f"担当: {sequence}。") == f"担当: {sequence}。"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("a\u200db", "ab"),  # between letters: it joins nothing a reader sees
        ("\u200d👩", "👩"),  # leading
        ("👩\u200d", "👩"),  # trailing
        ("👩\u200da", "👩a"),  # a pictograph on one side only
        ("क\u094d\u200dष", "क\u094dष"),  # Devanagari half-form: removed too, as the issue says
        ("👩\u200b\u200d💻", "👩\u200d💻"),  # judged once the zero-width space is gone
        ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", "🏴"),  # tag sequence
    ],
)
def test_visible_removes_the_zero_width_joiner_outside_emoji_sequences(given: str, shown: str) -> None:
    assert models.visible(given) == shown


def test_every_payload_model_applies_visible_to_its_text() -> None:
    user = User.model_validate({"id": 1, "name": "山田\u200b\u202e太郎 👩\u200d💻\u200d"})
    assert user.name == "山田太郎 👩\u200d💻"


_clean_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn")),
        st.sampled_from(["\n", "\t", "👩", "💻", "🔥", "\ufe0f"]),
    ),
    max_size=40,
)


@given(
    text=st.lists(st.one_of(_clean_text, st.sampled_from(EMOJI_SEQUENCES)), max_size=6).map("".join),
    inserted=st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(ALWAYS_REMOVED)), max_size=8),
)
@settings(max_examples=200, deadline=None)
def test_visible_undoes_any_invisible_characters_slipped_into_text(
    text: str, inserted: list[tuple[int, str]]
) -> None:
    tampered = text
    for position, char in inserted:
        at = position % (len(tampered) + 1)
        tampered = tampered[:at] + char + tampered[at:]
    assert models.visible(tampered) == models.visible(text) == text


@given(st.text(alphabet=st.sampled_from(["a", "👩", "💻", "\ufe0f", ZWJ, "\u200b", "\U000e0041", "\n"])))
@settings(max_examples=200, deadline=None)
def test_visible_is_idempotent_and_keeps_a_joiner_only_between_pictographs(text: str) -> None:
    shown = models.visible(text)
    assert models.visible(shown) == shown
    assert not any(c in shown for c in ALWAYS_REMOVED)
    for at, char in enumerate(shown):
        if char == ZWJ:
            before = shown[max(at - 2, 0) : at].replace("\ufe0f", "")[-1:]
            assert before in ("👩", "💻"), repr(shown)
            assert shown[at + 1 : at + 2] in ("👩", "💻"), repr(shown)
