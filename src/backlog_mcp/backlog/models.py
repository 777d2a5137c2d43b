"""The base of every Backlog payload model, and the payloads more than one area shares.

An area's own payloads live in its module (`backlog/issues.py`, `backlog/wiki.py`, …).

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

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

__all__ = [
    "Attachment",
    "Count",
    "Model",
    "NamedRef",
    "Priority",
    "Resolution",
    "SharedFile",
    "User",
    "visible",
]

# Characters that display as nothing: C0/C1 controls (tab and line breaks aside), the soft
# hyphen, bidi marks, overrides and isolates (which reorder what a reader sees), zero-width spaces
# and non-joiners, word joiners, the BOM, interlinear annotation marks, and Unicode tag characters
# (which spell hidden ASCII an agent would read but a person would not; a flag's tag sequence
# falls back to its black flag).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200c\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
# Pictographs an emoji ZWJ sequence is built of (Unicode's Extended_Pictographic, to the block:
# Python's unicodedata does not carry the property), skin tones and regional indicators included.
_PICTOGRAPH = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf"
    "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf"
    "\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001faff"
)
# The zero-width joiner outside an emoji sequence (a pictograph, maybe with its emoji
# presentation selector U+FE0F, then ZWJ, then a pictograph): it joins nothing a reader sees
# there. Inside one (👩‍💻) it is what makes the emoji.
_STRAY_JOINER = re.compile(f"(?<![{_PICTOGRAPH}])(?<![{_PICTOGRAPH}]\ufe0f)\u200d|\u200d(?![{_PICTOGRAPH}])")


def visible(text: str) -> str:
    """`text` without the characters that display as nothing: Backlog's text is someone else's,
    and must not carry what a person reviewing it cannot see. The zero-width joiner stays only
    inside emoji sequences, judged once the other invisible characters are gone."""
    return _STRAY_JOINER.sub("", _INVISIBLE.sub("", text))


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


class Model(BaseModel):
    """The base of every payload model: Backlog's camelCase names, tolerant as the module says."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        coerce_numbers_to_str=True,
        # Each model's validator is built on its first use, not at import: a server loads every
        # area's models, and most calls touch a few of them (start-up time, see bench/startup.py).
        defer_build=True,
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


class NamedRef(Model):
    """Anything Backlog sends as `{id, name}` (old payloads embed only these two)."""

    id: int
    name: str = ""


class Priority(NamedRef):
    pass


class Resolution(NamedRef):
    pass


class User(Model):
    id: int
    user_id: str | None = None
    name: str = ""
    role_type: int | None = None
    lang: str | None = None
    mail_address: str | None = None
    last_login_time: datetime | None = None


class Attachment(Model):
    id: int
    name: str = ""
    size: int | None = None
    created_user: User | None = None
    created: datetime | None = None


class SharedFile(Model):
    id: int
    dir: str = ""
    name: str = ""
    size: int | None = None


class Count(Model):
    """`{"count": N}`: required, since a count that is not there is not zero."""

    count: int
