"""Configuration: one pydantic-settings class, read from the environment and `.env`.

Validated once at start-up. A bad value becomes a `ConfigError` whose one-line message names
the variable and shows an example, so the CLI can print it and exit 2 without a traceback.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from backlog_mcp.errors import ConfigError

__all__ = ["TOOLSET_NAMES", "Settings", "load_settings", "local_timezone_name"]

_ENV_PREFIX = "BACKLOG_"
_API_SUFFIX = re.compile(r"/api/v2/?$", re.IGNORECASE)
_EXAMPLES = {
    "base_url": "BACKLOG_BASE_URL=https://your-space.backlog.com",
    "api_key": "BACKLOG_API_KEY=<key from Personal Settings → API>",
    "access_token": "BACKLOG_ACCESS_TOKEN=<OAuth 2.0 access token>",
    "timezone": "BACKLOG_TIMEZONE=Asia/Tokyo",
    "timeout_seconds": "BACKLOG_TIMEOUT_SECONDS=30",
    "max_retries": "BACKLOG_MAX_RETRIES=3",
    "rate_limit_max_wait_seconds": "BACKLOG_RATE_LIMIT_MAX_WAIT_SECONDS=60",
    "cache_ttl_seconds": "BACKLOG_CACHE_TTL_SECONDS=300",
    "workspace": "BACKLOG_WORKSPACE=~/backlog-mcp",
    "max_attachment_bytes": "BACKLOG_MAX_ATTACHMENT_BYTES=52428800",
    "toolsets": "BACKLOG_TOOLSETS=issues,projects",
}
TOOLSET_NAMES = ("issues", "projects", "attachments", "export")
MIB = 1024 * 1024


def local_timezone_name() -> str:
    """The machine's IANA zone name (`TZ`, then /etc/localtime), or UTC when it cannot be told."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and ("/" in tz or tz == "UTC"):
        return tz
    try:
        target = str(Path("/etc/localtime").resolve(strict=True))
    except OSError:
        return "UTC"
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else "UTC"


class Settings(BaseSettings):
    """Everything the server can be configured with (env wins over `.env`)."""

    model_config = SettingsConfigDict(
        env_prefix=_ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    base_url: str = Field(description="Space URL, e.g. https://your-space.backlog.com")
    api_key: SecretStr | None = Field(default=None, description="API key (sent as the apiKey parameter)")
    access_token: SecretStr | None = Field(default=None, description="OAuth 2.0 access token (Bearer)")
    timezone: str = Field(default_factory=local_timezone_name, description="IANA zone for dates")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_retries: int = Field(default=3, ge=0, le=10)
    rate_limit_max_wait_seconds: float = Field(default=60.0, ge=0, le=600)
    cache_ttl_seconds: float = Field(default=300.0, ge=0, le=86400)
    workspace: Path = Field(default=Path("~/backlog-mcp"), description="The one folder the server writes in")
    max_attachment_bytes: int = Field(default=50 * MIB, gt=0)
    toolsets: str = Field(default="all", description="Tool groups to serve, comma-separated")

    @field_validator("toolsets")
    @classmethod
    def _known_toolsets(cls, value: str) -> str:
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        if not names or names == ["all"]:
            return ",".join(TOOLSET_NAMES)
        unknown = [n for n in names if n not in TOOLSET_NAMES]
        if unknown:
            raise ValueError(
                f"has unknown toolsets {', '.join(unknown)}; choose from {', '.join(TOOLSET_NAMES)}"
            )
        return ",".join(n for n in TOOLSET_NAMES if n in names)

    @property
    def enabled_toolsets(self) -> tuple[str, ...]:
        return tuple(self.toolsets.split(","))

    @field_validator("workspace")
    @classmethod
    def _absolute_workspace(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("base_url")
    @classmethod
    def _normalise_base_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        url = _API_SUFFIX.sub("", url).rstrip("/")
        if not re.match(r"^https?://[^/\s]+(/[^\s]*)?$", url):
            raise ValueError("must be the space URL, like https://your-space.backlog.com")
        return url

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> Settings:
        if self.api_key is None and self.access_token is None:
            raise ValueError("set BACKLOG_API_KEY (or BACKLOG_ACCESS_TOKEN for OAuth 2.0)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings once.

    Raises:
        ConfigError: one line naming the variable, what is wrong and an example.
    """
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
