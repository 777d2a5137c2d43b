"""The MCP server: the areas' tools registered from the area registry; one HTTP client per
process, one Backlog client per account it acts as (its own, and over HTTP each caller's)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx2
from mcp import MCPError
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import INVALID_PARAMS, CallToolResult, GetPromptResult, InputRequiredResult, TextContent
from pydantic import AnyUrl, ValidationError

from backlog_mcp import __version__
from backlog_mcp.backlog.connect import Credential, backlog_for, http_client_for, own_credential
from backlog_mcp.backlog.resolve import Resolver
from backlog_mcp.config import Settings
from backlog_mcp.errors import BacklogError, BacklogNotFoundError
from backlog_mcp.prompts import register_prompts_and_resources
from backlog_mcp.quote import echo
from backlog_mcp.redact import install_log_redaction, redact
from backlog_mcp.render.text import RenderContext, rate_limit_note
from backlog_mcp.tools.errors import describe_validation_error, lister_hint
from backlog_mcp.tools.registry import build_tool
from backlog_mcp.tools.scope import ProjectScope
from backlog_mcp.tools.state import Accounts, AppState, app_state
from backlog_mcp.tools.surface import Surface
from backlog_mcp.tools.toolsets import toolset_names
from backlog_mcp.tools.writes import AuditLog

__all__ = ["BacklogMCPServer", "UserLimits", "build_server"]

logger = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Read-only access to a Nulab Backlog space. Lists show their total and the exact arguments "
    "for the next page."
)
WRITES = (
    "Access to a Nulab Backlog space, writes included. Write tools take dryRun: true to show "
    "what would be sent without sending it. Lists show their total and the exact arguments for the next page."
)
# Said only when the tools it names are served: instructions pointing to tools a client does not
# have would send the model looking for them.
LOOKUPS = (
    "Filters take numeric IDs: look them up with backlog_get_statuses / _users / _categories / "
    "_milestones / _issue_types / _priorities."
)
WHO_AM_I = 'backlog_get_space names you (your user ID for "my" questions) and the space.'


def _instructions(surface: Surface) -> str:
    writes = any(t.writes for t in surface.served())
    parts = [WRITES if writes else INSTRUCTIONS]
    if "backlog_get_statuses" in surface.served_names:
        parts.append(LOOKUPS)
    if "backlog_get_space" in surface.served_names:
        parts.append(WHO_AM_I)
    return surface.rename(" ".join(parts))


class BacklogMCPServer(MCPServer[Accounts]):
    """`MCPServer` whose tool failures always reach the model as one clear, secret-free sentence,
    and whose every answer names our tools as this server serves them (BACKLOG_TOOL_PREFIX)."""

    def __init__(
        self, *args: Any, secrets: tuple[str, ...] = (), surface: Surface | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._secrets = secrets
        self._surface = surface or Surface(toolsets=toolset_names())

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Accounts, Any] | None = None
    ) -> Any:
        refusal = self._surface.refusal(name)
        if refusal is not None:
            # The SDK would say only "Unknown tool": say why it is not served, or what is closest.
            raise ToolError(refusal)
        rename = self._surface.rename
        try:
            result = await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                tool = next((t for t in await self.list_tools() if t.name == name), None)
                accepted = list(tool.input_schema.get("properties", {})) if tool else []
                message = describe_validation_error(cause, accepted)
            elif isinstance(cause, BacklogError):
                message = str(cause)
                hint = lister_hint(message) if isinstance(cause, BacklogNotFoundError) else None
                message = f"{message} {hint}" if hint else message
            elif isinstance(exc, UnexpectedToolError) or rename(str(exc)) == str(exc):
                raise
            else:  # a tool's own sentence, naming another tool
                raise ToolError(rename(str(exc))) from cause
            message = rename(redact(message, self._secrets))
            raise ToolError(f"Error executing tool {name}: {message}") from None
        return _renamed(_with_unserved_note(_with_rate_limit_note(result, context), self._surface), rename)

    async def get_prompt(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        context: Context[Accounts, Any] | None = None,
    ) -> Any:
        # The SDK reports an unknown name as a plain ValueError, which current-protocol clients
        # see only as "Internal server error"; say which prompts exist instead.
        known = sorted(p.name for p in await self.list_prompts())
        if name not in known:
            offered = f"available: {', '.join(known)}" if known else "none is served (BACKLOG_TOOLSETS)"
            raise MCPError(INVALID_PARAMS, f"Unknown prompt {echo(name)}; {offered}.")
        result = await super().get_prompt(name, arguments, context)
        if not isinstance(result, GetPromptResult):
            return result
        messages = [
            m.model_copy(update={"content": _renamed_block(m.content, self._surface.rename)})
            for m in result.messages
        ]
        return result.model_copy(update={"messages": messages})

    async def read_resource(self, uri: AnyUrl | str, context: Context[Accounts, Any] | None = None) -> Any:
        result = await super().read_resource(uri, context)
        if isinstance(result, InputRequiredResult):
            return result
        rename = self._surface.rename
        return [
            replace(item, content=rename(item.content)) if isinstance(item.content, str) else item
            for item in result
        ]


def _with_unserved_note(result: Any, surface: Surface) -> Any:
    """Adds a line when the answer points to a tool that is not served here."""
    if not isinstance(result, CallToolResult) or result.is_error:
        return result
    text = "\n".join(b.text for b in result.content if isinstance(b, TextContent))
    note = surface.unserved_note(text)
    if note is None:
        return result
    content = list(result.content)
    # On its own line of the answer's text: a client that joins blocks without a break would
    # otherwise run it into the answer's last line.
    last = next((i for i in reversed(range(len(content))) if isinstance(content[i], TextContent)), None)
    if last is None:
        content.append(TextContent(type="text", text=note))
    else:
        block = content[last]
        assert isinstance(block, TextContent)
        content[last] = block.model_copy(update={"text": f"{block.text.rstrip()}\n{note}"})
    return result.model_copy(update={"content": content})


def _renamed_block(block: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(block, TextContent):
        return block.model_copy(update={"text": rename(block.text)})
    return block


def _renamed(result: Any, rename: Callable[[str], str]) -> Any:
    """The tool's answer with our tools named as served: renderers write the canonical names."""
    if not isinstance(result, CallToolResult):
        return result
    return result.model_copy(update={"content": [_renamed_block(b, rename) for b in result.content]})


def _with_rate_limit_note(result: Any, context: Context[Accounts, Any] | None) -> Any:
    """Adds a line when Backlog's rate limit runs low, so an agent paces itself before a 429."""
    if context is None or not isinstance(result, CallToolResult) or result.is_error:
        return result
    state = app_state(context)
    info = state.api.rate_limit
    if info is None:
        return result
    note = rate_limit_note(info.remaining, info.limit, info.reset_at, datetime.now(UTC), state.render)
    if note is None:
        return result
    return result.model_copy(update={"content": [*result.content, TextContent(type="text", text=note)]})


def _lifespan(
    settings: Settings,
    transport: httpx2.AsyncBaseTransport | None,
    secrets: tuple[str, ...],
    users: UserLimits,
) -> Callable[[MCPServer[Accounts]], AbstractAsyncContextManager[Accounts]]:
    @asynccontextmanager
    async def lifespan(_: MCPServer[Accounts]) -> AsyncIterator[Accounts]:
        created: list[httpx2.AsyncClient] = []
        render = RenderContext(zone=settings.zone, base_url=settings.base_url)
        audit = AuditLog(settings.audit_log, secrets)

        def http() -> httpx2.AsyncClient:  # made on the first request, not at start-up
            if not created:
                created.append(http_client_for(settings, transport))
            return created[0]

        def state_of(credential: Credential | None) -> AppState:
            api = backlog_for(settings, http, credential)
            resolver = Resolver(api, ttl_seconds=settings.cache_ttl_seconds)
            return AppState(
                api=api,
                resolver=resolver,
                render=render,
                workspace=settings.workspace / (credential.folder if credential else users.own_folder),
                max_attachment_bytes=settings.max_attachment_bytes,
                scope=ProjectScope(settings.project_keys, resolver),
                audit=audit,
                per_user=credential is not None,
            )

        try:
            yield Accounts(
                state_of,
                has_own=own_credential(settings) is not None,
                max_users=users.max_users,
                idle_seconds=users.idle_seconds,
            )
        finally:
            for client in created:
                await client.aclose()

    return lifespan


@dataclass(frozen=True, slots=True)
class UserLimits:
    """How many callers' own accounts (per-user credentials over HTTP) are kept, and how long idle,
    and where in the workspace the server's own key keeps its files: over HTTP `shared`, beside
    the callers' `users/…`, so that no path of one reaches the other's."""

    max_users: int = 100
    idle_seconds: float = 900.0
    own_folder: str = ""


def build_server(
    settings: Settings,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    users: UserLimits | None = None,
) -> BacklogMCPServer:
    """The server for one Backlog space; `transport` lets tests swap the network out; `users`
    bounds the callers' accounts kept when served over HTTP."""
    secrets = tuple(s.get_secret_value() for s in (settings.api_key, settings.access_token) if s is not None)
    surface = Surface.of(settings)
    space = urlsplit(settings.base_url).netloc
    server = BacklogMCPServer(
        "backlog-mcp",
        version=__version__,
        instructions=_instructions(surface),
        lifespan=_lifespan(settings, transport, secrets, users or UserLimits()),
        tools=[
            build_tool(t, space=space, name=surface.name(t.name), rename=surface.rename)
            for t in surface.served()
        ],
        secrets=secrets,
        surface=surface,
    )
    register_prompts_and_resources(server, surface.served_names)
    # After the constructor: MCPServer installs its own log handler, which must mask the key too.
    install_log_redaction(secrets)
    # Every write is logged at INFO on stderr whatever BACKLOG_LOG_LEVEL says: the operator's record.
    logging.getLogger("backlog_mcp.writes").setLevel(logging.INFO)
    http_logger = logging.getLogger("httpx2")
    if http_logger.level == logging.NOTSET:  # one INFO line per request is noise unless asked for
        http_logger.setLevel(logging.WARNING)
    return server
