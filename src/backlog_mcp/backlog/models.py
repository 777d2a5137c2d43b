"""Pydantic models of the Backlog API v2 payloads the server reads.

Tolerant by design: real spaces send nulls where docs show values, omit fields that older
payloads never had, and add fields we do not know yet. Every field that Backlog may leave
out has a default, unknown fields are ignored, and nothing here rejects a real response.

The shared base model applies the same rules to every field, so new fields get them for free:

- `null` in a field whose type has no `None` means "absent": the field takes its default
  (`""`, `False`, `[]`, ...). A field without a default (the ids and keys the server uses to
  identify things) still rejects `null`, with a message saying so.
- `null` items inside a list are dropped.
- `""` in a date or number field means "absent" as well.
- Numbers in text fields become text (change-log values are strings, or numbers, or null).
- Text shows what a person sees: characters that display as nothing are removed (see `visible`).
"""

from __future__ import annotations

import re
import types
from datetime import datetime
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

__all__ = [
    "Attachment",
    "AttributeInfo",
    "Category",
    "ChangeLogEntry",
    "Comment",
    "CommentNotification",
    "Count",
    "CustomFieldValue",
    "Issue",
    "IssueType",
    "NamedRef",
    "Priority",
    "Project",
    "RateLimit",
    "RateLimitBucket",
    "Resolution",
    "SharedFile",
    "Space",
    "Status",
    "User",
    "Version",
    "visible",
]

# Characters that display as nothing: C0/C1 controls (tab and line breaks aside), the soft
# hyphen, bidi marks and overrides (which reorder what a reader sees), zero-width spaces and
# joiners of words, the BOM, interlinear annotation marks, and Unicode tag characters (which
# spell hidden ASCII an agent would read but a person would not). ZWJ and ZWNJ (U+200C/D)
# stay: emoji sequences and several scripts need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


def visible(text: str) -> str:
    """`text` without the characters that display as nothing: Backlog's text is someone else's,
    and must not carry what a person reviewing it cannot see."""
    return _INVISIBLE.sub("", text)


def _members(annotation: Any) -> tuple[Any, ...]:
    """The members of a union annotation (`X | None` -> `(X, NoneType)`), or the annotation alone."""
    if get_origin(annotation) in (Union, types.UnionType):
        return get_args(annotation)
    return (annotation,)


def _accepts_none(annotation: Any) -> bool:
    return annotation is Any or any(m is type(None) or m is None for m in _members(annotation))


def _is_list(annotation: Any) -> bool:
    return any(get_origin(m) is list for m in _members(annotation))


def _accepts_text(annotation: Any) -> bool:
    return annotation is Any or str in _members(annotation)


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        coerce_numbers_to_str=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _tolerate_absent(cls, value: Any, info: ValidationInfo) -> Any:
        """Read `null` (and `""` outside text fields) as "absent"; drop `null` list items."""
        if info.field_name is None:  # pragma: no cover - pydantic always names the field here
            return value
        field = cls.model_fields[info.field_name]
        annotation = field.annotation
        if value == "" and not _accepts_text(annotation):
            value = None
        if value is None:
            if _accepts_none(annotation):
                return None
            if field.is_required():
                raise PydanticCustomError("null_value", "required value is null")
            return field.get_default(call_default_factory=True, validated_data=info.data)
        if isinstance(value, list) and _is_list(annotation):
            return [item for item in value if item is not None]
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _visible_only(cls, value: Any) -> Any:
        if isinstance(value, str):
            return visible(value)
        if isinstance(value, list) and value and isinstance(value[0], str):
            return [visible(item) if isinstance(item, str) else item for item in value]
        return value


class NamedRef(_Model):
    """Anything Backlog sends as `{id, name}` (old payloads embed only these two)."""

    id: int
    name: str = ""


class Priority(NamedRef):
    pass


class Resolution(NamedRef):
    pass


class User(_Model):
    id: int
    user_id: str | None = None
    name: str = ""
    role_type: int | None = None
    lang: str | None = None
    mail_address: str | None = None
    last_login_time: datetime | None = None


class Status(_Model):
    id: int
    project_id: int | None = None
    name: str = ""
    color: str | None = None
    display_order: int | None = None


class IssueType(_Model):
    id: int
    project_id: int | None = None
    name: str = ""
    color: str | None = None
    display_order: int | None = None


class Category(_Model):
    id: int
    project_id: int | None = None
    name: str = ""
    display_order: int | None = None


class Version(_Model):
    """A version or milestone: Backlog uses one object for both."""

    id: int
    project_id: int | None = None
    name: str = ""
    description: str | None = None
    start_date: datetime | None = None
    release_due_date: datetime | None = None
    archived: bool = False
    display_order: int | None = None


class CustomFieldValue(_Model):
    """A custom field on an issue; `value`'s JSON type depends on `field_type_id`."""

    id: int
    field_type_id: int | None = None
    name: str = ""
    value: Any = None
    other_value: str | None = None


class Attachment(_Model):
    id: int
    name: str = ""
    size: int | None = None
    created_user: User | None = None
    created: datetime | None = None


class SharedFile(_Model):
    id: int
    dir: str = ""
    name: str = ""
    size: int | None = None


class Issue(_Model):
    id: int
    project_id: int | None = None
    issue_key: str
    key_id: int | None = None
    issue_type: IssueType | None = None
    summary: str = ""
    description: str | None = None
    resolution: Resolution | None = None
    priority: Priority | None = None
    status: Status | None = None
    assignee: User | None = None
    category: list[Category] = Field(default_factory=list)
    versions: list[Version] = Field(default_factory=list)
    milestone: list[Version] = Field(default_factory=list)
    start_date: datetime | None = None
    due_date: datetime | None = None
    estimated_hours: float | None = None
    actual_hours: float | None = None
    parent_issue_id: int | None = None
    created_user: User | None = None
    created: datetime | None = None
    updated_user: User | None = None
    updated: datetime | None = None
    custom_fields: list[CustomFieldValue] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    shared_files: list[SharedFile] = Field(default_factory=list)


class AttributeInfo(_Model):
    """Set on a change of a custom field, whose `field` is then the field's name (free text)."""

    id: int | None = None
    type_id: int | None = None


class Count(_Model):
    """`{"count": N}`: required, since a count that is not there is not zero."""

    count: int


class ChangeLogEntry(_Model):
    field: str = ""
    new_value: str | None = None
    original_value: str | None = None
    attachment_info: NamedRef | None = None
    attribute_info: AttributeInfo | None = None

    @property
    def custom_field(self) -> bool:
        """A custom field's change: its name may be anything, `status` and `attachment` included."""
        return self.attribute_info is not None


class CommentNotification(_Model):
    id: int | None = None
    user: User | None = None
    reason: int | None = None


class Comment(_Model):
    id: int
    content: str | None = None
    change_log: list[ChangeLogEntry] | None = None
    created_user: User | None = None
    created: datetime | None = None
    updated: datetime | None = None
    notifications: list[CommentNotification] = Field(default_factory=list)


class Project(_Model):
    id: int
    project_key: str
    name: str = ""
    archived: bool = False
    text_formatting_rule: str | None = None
    subtasking_enabled: bool | None = None
    display_order: int | None = None


class Space(_Model):
    space_key: str = ""
    name: str = ""
    lang: str | None = None
    timezone: str | None = None
    text_formatting_rule: str | None = None


class RateLimitBucket(_Model):
    # Optional, so that one bucket sent with a null cannot fail the reading of the others.
    limit: int | None = None
    remaining: int | None = None
    reset: int | None = None


class RateLimit(_Model):
    read: RateLimitBucket | None = None
    update: RateLimitBucket | None = None
    search: RateLimitBucket | None = None
    icon: RateLimitBucket | None = None
