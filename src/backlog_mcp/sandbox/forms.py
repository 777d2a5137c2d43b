"""Form fields of a write request, read and refused as Backlog refuses them (400, code 7)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from starlette.datastructures import FormData

from backlog_mcp.sandbox.catalog import space_now
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import invalid
from backlog_mcp.sandbox.model import JSON, date_field, timestamp

__all__ = ["Form", "WriteClock", "write_clock"]

_INDEXED = re.compile(r"^(?P<name>.+?)\[\d*\]$")


class Form:
    """The fields of one request; `name[]` and `name[0]`, `name[1]` … both read as the list `name[]`."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self.values = values

    @classmethod
    def read(cls, data: FormData) -> Form:
        values: dict[str, list[str]] = {}
        for key, value in data.multi_items():
            if isinstance(value, str):  # an uploaded file belongs to `space/attachment` only
                found = _INDEXED.match(key)
                values.setdefault(f"{found['name']}[]" if found else key, []).append(value)
        return cls(values)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def text(self, name: str) -> str | None:
        values = self.values.get(name)
        return values[-1] if values else None

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None or not value.strip():
            raise invalid(name, f"{name} is required.")
        return value

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        return None if value is None or value == "" else _integer(name, value)

    def required_integer(self, name: str) -> int:
        return _integer(name, self.required_text(name))

    def integers(self, name: str) -> list[int]:
        return [_integer(name, value) for value in self.values.get(name, []) if value != ""]

    def hours(self, name: str) -> float | None:
        value = self.text(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except ValueError:
            raise invalid(name, f"{name} must be a number.") from None

    def day(self, name: str) -> str | None:
        """`yyyy-MM-dd` → the timestamp form a JST space returns."""
        value = self.text(name)
        if value is None or value == "":
            return None
        try:
            return date_field(date.fromisoformat(value))
        except ValueError:
            raise invalid(name, f"{name} must be a date in yyyy-MM-dd format.") from None


def _integer(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise invalid(name, f"{name} must be an integer.")
    return int(value)


class WriteClock:
    """Deterministic 'now' for writes: a minute after the demo space's now, then a minute per write,
    so every written object is the newest and tests see the same timestamps every run."""

    def __init__(self) -> None:
        self.ticks = 0

    def now(self) -> str:
        self.ticks += 1
        return timestamp(space_now() + timedelta(minutes=self.ticks))


def write_clock(space: DemoSpace) -> WriteClock:
    return WriteClock()


def named(items: list[JSON]) -> str | None:
    return ",".join(str(item["name"]) for item in items) or None
