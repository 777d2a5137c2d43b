"""The space area: the space itself, the user the key belongs to, the rate limit, and the
space-wide reference lists (priorities, resolutions)."""

from __future__ import annotations

from backlog_mcp.backlog.client import EndpointGroup
from backlog_mcp.backlog.models import Model, Priority, Resolution, User

__all__ = ["RateLimit", "RateLimitBucket", "Space", "SpaceEndpoints"]


class Space(Model):
    space_key: str = ""
    name: str = ""
    lang: str | None = None
    timezone: str | None = None
    text_formatting_rule: str | None = None


class RateLimitBucket(Model):
    # Optional, so that one bucket sent with a null cannot fail the reading of the others.
    limit: int | None = None
    remaining: int | None = None
    reset: int | None = None


class RateLimit(Model):
    read: RateLimitBucket | None = None
    update: RateLimitBucket | None = None
    search: RateLimitBucket | None = None
    icon: RateLimitBucket | None = None


class SpaceEndpoints(EndpointGroup):
    async def get_space(self) -> Space:
        return await self.client.get_model(Space, "space", what="the space")

    async def get_myself(self) -> User:
        return await self.client.get_model(User, "users/myself", what="the current user")

    async def get_rate_limit(self) -> RateLimit:
        data = await self.client.get_json("rateLimit", what="the rate limit")
        return RateLimit.model_validate((data or {}).get("rateLimit", {}))

    async def get_priorities(self) -> list[Priority]:
        return await self.client.get_model(list[Priority], "priorities", what="priorities")

    async def get_resolutions(self) -> list[Resolution]:
        return await self.client.get_model(list[Resolution], "resolutions", what="resolutions")
