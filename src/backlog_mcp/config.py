"""Configuration: one pydantic-settings class, read from the environment and `.env`.

Validated once at start-up. A bad value becomes a `ConfigError` whose one-line message names
the variable and shows an example, so the CLI can print it and exit 2 without a traceback.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from backlog_mcp.errors import ConfigError

__all__ = [
    "LOG_LEVELS",
    "Settings",
    "load_keyless_settings",
    "load_settings",
    "local_timezone_name",
    "zone_for",
]

_ENV_PREFIX = "BACKLOG_"
_API_SUFFIX = re.compile(r"/api/v2/?$", re.IGNORECASE)
# A host name or bracketed IPv6 address, then an optional port: nothing else belongs in the base URL.
_NETLOC = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
# A fixed offset from UTC, the fallback when the machine's zone has no IANA name we can find.
_OFFSET_ZONE = re.compile(r"UTC([+-])(0\d|1[0-4]):([0-5]\d)")
# What may replace `backlog_` at the start of a tool name (MCP allows a dot too; we keep to these).
_TOOL_PREFIX = re.compile(r"[A-Za-z0-9_-]+")
_CANONICAL_PREFIX = "backlog_"
_PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]*")
_MAX_TOOL_NAME = 128  # MCP's limit
_LOCALTIME = Path("/etc/localtime")
_ETC_TIMEZONE = Path("/etc/timezone")
_EXAMPLES = {
    "base_url": "BACKLOG_BASE_URL=https://your-space.backlog.com",
    "api_key": "BACKLOG_API_KEY=<key from Personal Settings → API>",
    "access_token": "BACKLOG_ACCESS_TOKEN=<OAuth 2.0 access token>",
    "timezone": "BACKLOG_TIMEZONE=Asia/Tokyo",
    "timeout_seconds": "BACKLOG_TIMEOUT_SECONDS=30",
    "max_retries": "BACKLOG_MAX_RETRIES=3",
    "rate_limit_max_wait_seconds": "BACKLOG_RATE_LIMIT_MAX_WAIT_SECONDS=30",
    "cache_ttl_seconds": "BACKLOG_CACHE_TTL_SECONDS=300",
    "workspace": "BACKLOG_WORKSPACE=~/backlog-mcp",
    "max_attachment_bytes": "BACKLOG_MAX_ATTACHMENT_BYTES=52428800",
    "toolsets": "BACKLOG_TOOLSETS=default,wiki",
    "tool_prefix": "BACKLOG_TOOL_PREFIX=work_",
    "enabled_tools": "BACKLOG_ENABLED_TOOLS=backlog_get_wiki_page",
    "disabled_tools": "BACKLOG_DISABLED_TOOLS=backlog_export_issue_context,backlog_get_priorities",
    "log_level": "BACKLOG_LOG_LEVEL=INFO",
    "read_only": "BACKLOG_READ_ONLY=false",
    "projects": "BACKLOG_PROJECTS=DEMO,WEB",
    "audit_log": "BACKLOG_AUDIT_LOG=~/backlog-mcp-audit.jsonl",
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Spellings Python's logging itself accepts for the same levels.
_LOG_LEVEL_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL"}
MIB = 1024 * 1024


def local_timezone_name() -> str:
    """The machine's time zone, as an IANA name when it can be told, else its UTC offset.

    Tried in order: `TZ` when it names an IANA zone (or a zoneinfo file), the zone /etc/localtime
    links to, /etc/timezone. When none gives a name (Windows, a copied /etc/localtime, a POSIX
    `TZ` such as `JST-9`), the current offset as `UTC+09:00`: dates still show the right offset,
    though a zone with daylight saving time then keeps today's offset all year.
    """
    tz = os.environ.get("TZ", "").strip().lstrip(":")
    if tz:  # the process's local time follows TZ, so the files below do not apply
        name = _zone_name_from_path(Path(tz)) if tz.startswith("/") else _known_name(tz)
        return name or _offset_name()
    return _zone_name_from_path(_LOCALTIME) or _etc_timezone() or _offset_name()


def _known_name(name: str) -> str | None:
    """`name` when it is an IANA zone this machine has."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def _zone_name_from_path(path: Path) -> str | None:
    """The IANA name of a zoneinfo file, from where its symlinks lead (`.../zoneinfo/Asia/Tokyo`)."""
    try:
        target = path.resolve(strict=True).as_posix()
    except (OSError, RuntimeError):
        return None
    marker = "zoneinfo/"
    return _known_name(target.split(marker, 1)[1]) if marker in target else None


def _etc_timezone() -> str | None:
    """The name in /etc/timezone (Debian and friends), if it is a known zone."""
    try:
        words = _ETC_TIMEZONE.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    return _known_name(words[0]) if words else None


def _offset_name() -> str:
    """The machine's current UTC offset as a zone name: `UTC+05:30`, or `UTC` for none."""
    offset = datetime.now().astimezone().utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"


def _offset_zone(name: str) -> tzinfo:
    """A zone fixed at the offset `name` (`UTC+05:30`) gives."""
    match = _OFFSET_ZONE.fullmatch(name)
    if match is None:
        raise ValueError(f"not a UTC offset: {name!r}")
    sign, hours, minutes = match[1], int(match[2]), int(match[3])
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
    return timezone(offset, name)


def zone_for(name: str) -> tzinfo:
    """The zone a validated `BACKLOG_TIMEZONE` names: an IANA zone or a fixed `UTC+09:00` offset."""
    return _offset_zone(name) if _OFFSET_ZONE.fullmatch(name) else ZoneInfo(name)


class Settings(BaseSettings):
    """Everything the server can be configured with (env wins over `.env`)."""

    model_config = SettingsConfigDict(
        env_prefix=_ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    base_url: str = Field(description="Space URL, e.g. https://your-space.backlog.com")
    api_key: SecretStr | None = Field(default=None, description="API key (sent as the apiKey parameter)")
    access_token: SecretStr | None = Field(default=None, description="OAuth 2.0 access token (Bearer)")
    timezone: str = Field(
        default_factory=local_timezone_name, description="IANA zone for dates (or an offset: UTC+09:00)"
    )
    timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    max_retries: int = Field(default=3, ge=0, le=10)
    # With the timeout (which also bounds a whole request, however slowly it trickles) and the
    # retry budget (no retry starts after 30 s), a failing call ends by about 50 s at worst:
    # inside the 60 s MCP clients commonly allow, so the model reads our reason, not their timeout.
    rate_limit_max_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    cache_ttl_seconds: float = Field(default=300.0, ge=0, le=86400)
    workspace: Path = Field(default=Path("~/backlog-mcp"), description="The one folder the server writes in")
    max_attachment_bytes: int = Field(default=50 * MIB, gt=0)
    toolsets: str = Field(
        default="default", description="Tool groups to serve, comma-separated: names, default or all"
    )
    # Before the tool lists: their validators accept names written with the prefix too.
    tool_prefix: str = Field(default=_CANONICAL_PREFIX, description="Replaces backlog_ in every tool name")
    enabled_tools: str = Field(default="", description="Tools served whatever BACKLOG_TOOLSETS says")
    disabled_tools: str = Field(default="", description="Tools never served")
    log_level: str = Field(default="WARNING", description="Level of the log lines written to stderr")
    # Writes are the operator's to allow: none is listed or callable until this is false.
    read_only: bool = Field(default=True, description="Serve no tool that writes to Backlog")
    projects: str = Field(default="", description="Allow-list of project keys; empty: every project")
    audit_log: Path | None = Field(default=None, description="File every write appends a JSON line to")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_not_set(cls, values: Any) -> Any:
        """A blank value (`BACKLOG_WORKSPACE=` left from a template) means not set, for every
        setting: its default applies, and a required one is reported missing."""
        if not isinstance(values, dict):
            return values
        return {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        level = _LOG_LEVEL_ALIASES.get(level, level)
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}; got {value!r}")
        return level

    @field_validator("toolsets")
    @classmethod
    def _known_toolsets(cls, value: str) -> str:
        # Imported here: the tool modules are the registry of names, and loading them is work a
        # `check` or `demo` run that never builds a server should not pay for at import time.
        from backlog_mcp.tools.toolsets import default_toolset_names, toolset_names

        known = toolset_names()
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        chosen: set[str] = set()
        unknown: list[str] = []
        for name in names or ["default"]:
            if name == "all":
                chosen.update(known)
            elif name == "default":
                chosen.update(default_toolset_names())
            elif name in known:
                chosen.add(name)
            else:
                unknown.append(name)
        if unknown:
            raise ValueError(
                f"has unknown toolsets {', '.join(unknown)}; choose from {', '.join(known)}, default or all"
            )
        return ",".join(n for n in known if n in chosen)

    @property
    def enabled_toolsets(self) -> tuple[str, ...]:
        return tuple(self.toolsets.split(","))

    @field_validator("tool_prefix")
    @classmethod
    def _valid_prefix(cls, value: str) -> str:
        from backlog_mcp.tools.toolsets import toolset_of  # see _known_toolsets

        prefix = value.strip()
        if not _TOOL_PREFIX.fullmatch(prefix):
            raise ValueError(f"must be letters, digits, _ or -, like work_; got {prefix!r}")
        longest = max(len(name) for name in toolset_of()) - len(_CANONICAL_PREFIX)
        if len(prefix) + longest > _MAX_TOOL_NAME:
            raise ValueError(
                f"is {len(prefix)} characters; at most {_MAX_TOOL_NAME - longest} keep every tool name "
                f"within MCP's {_MAX_TOOL_NAME}"
            )
        return prefix

    @field_validator("enabled_tools", "disabled_tools")
    @classmethod
    def _known_tools(cls, value: str, info: ValidationInfo) -> str:
        """Canonical (`backlog_`) names in the registry's order; a name may carry the prefix instead."""
        from backlog_mcp.tools.toolsets import toolset_names, toolset_of  # see _known_toolsets

        known = list(toolset_of())
        prefix = info.data.get("tool_prefix", _CANONICAL_PREFIX)
        chosen: set[str] = set()
        unknown: list[str] = []
        for name in (n.strip() for n in value.split(",")):
            canonical = _CANONICAL_PREFIX + name.removeprefix(prefix) if name.startswith(prefix) else name
            if canonical.lower() in known:
                chosen.add(canonical.lower())
            elif name.lower() in known:
                chosen.add(name.lower())
            elif name.lower() in toolset_names():
                unknown.append(f"{name!r} (a toolset: name it in BACKLOG_TOOLSETS)")
            elif name:
                closest = difflib.get_close_matches(canonical.lower(), known, n=1, cutoff=0.0)
                unknown.append(f"{name!r} (closest: {closest[0]})" if closest else repr(name))
        if unknown:
            count = "an unknown tool" if len(unknown) == 1 else "unknown tools"
            # No "see `backlog-mcp tools`": that command reads the same settings, and would stop here too.
            raise ValueError(f"has {count} {', '.join(unknown)}")
        return ",".join(n for n in known if n in chosen)

    @property
    def enabled_tool_names(self) -> tuple[str, ...]:
        return tuple(n for n in self.enabled_tools.split(",") if n)

    @property
    def disabled_tool_names(self) -> tuple[str, ...]:
        return tuple(n for n in self.disabled_tools.split(",") if n)

    @field_validator("workspace")
    @classmethod
    def _absolute_workspace(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("audit_log")
    @classmethod
    def _audit_file(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        path = value.expanduser().resolve()
        if path.is_dir():
            raise ValueError(f"names the folder {path}; give a file in it, like {path / 'audit.jsonl'}")
        if not path.parent.is_dir():
            raise ValueError(f"is in {path.parent}, which does not exist; create it or choose another file")
        return path

    @field_validator("projects")
    @classmethod
    def _project_keys(cls, value: str) -> str:
        keys = [k.strip().upper() for k in value.replace("\u3001", ",").split(",") if k.strip()]
        bad = [k for k in keys if not _PROJECT_KEY.fullmatch(k)]
        if bad:
            raise ValueError(f"must be project keys (letters, digits, _), comma-separated; got {bad[0]!r}")
        return ",".join(dict.fromkeys(keys))

    @property
    def project_keys(self) -> frozenset[str]:
        """The allow-list; empty when every project is allowed."""
        return frozenset(k for k in self.projects.split(",") if k)

    @field_validator("api_key", "access_token", mode="before")
    @classmethod
    def _blank_is_not_given(cls, value: object) -> object:
        """Strip pasted whitespace (a blank value never gets here: see `_blank_is_not_set`)."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("base_url")
    @classmethod
    def _normalise_base_url(cls, value: str) -> str:
        url = value.strip()
        if not url:
            raise ValueError("is not set")
        if re.search(r"\s", url):
            raise ValueError("must not contain spaces")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not _NETLOC.fullmatch(parts.netloc):
            raise ValueError("must be the space URL, like https://your-space.backlog.com")
        try:
            port_ok = parts.port is None or parts.port > 0
        except ValueError:  # out of range
            port_ok = False
        if not port_ok:
            raise ValueError("has a port that is not a number from 1 to 65535")
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        path = _API_SUFFIX.sub("", parts.path.rstrip("/")).rstrip("/")  # tolerate a pasted /api/v2
        if path:
            raise ValueError(f"must be only the space address, without the path {path!r} (use {origin})")
        if parts.query or parts.fragment:  # not echoed: a pasted query may carry the key
            raise ValueError(f"must be only the space address, without a query or fragment (use {origin})")
        return origin

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        value = value.strip()
        if _OFFSET_ZONE.fullmatch(value):
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> tzinfo:
        return zone_for(self.timezone)


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings once; a key or token is required.

    Raises:
        ConfigError: one line naming the variable, what is wrong and an example.
    """
    settings = load_keyless_settings(**overrides)
    if settings.api_key is None and settings.access_token is None:
        raise ConfigError(
            "Configuration error: set BACKLOG_API_KEY (or BACKLOG_ACCESS_TOKEN for OAuth 2.0). "
            f"Example: {_EXAMPLES['api_key']}"
        )
    return settings


def load_keyless_settings(**overrides: Any) -> Settings:
    """`load_settings` for a server over HTTP, which may have no key of its own: each request then
    brings its user's."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except SettingsError as exc:  # a value the environment source itself could not parse
        raise ConfigError(f"Configuration error: {exc}.") from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    if not field:  # a model-level check: its message already names the variables
        return f"Configuration error: {message}. Example: {_EXAMPLES['api_key']}"
    variable = _ENV_PREFIX + field.upper()
    if error["type"] == "missing":
        message = "is not set"
    example = _EXAMPLES.get(field, f"{variable}=...")
    return f"Configuration error: {variable} {message}. Example: {example}"
