"""`serve --transport http`: stateless streamable HTTP, a `/health` probe, bearer tokens, and
per-user Backlog credentials.

Stateless, so any replica behind a load balancer answers any request. The settings take the names
Nulab's server uses (`MCP_HTTP_HOST`, …), so people moving over find them; command-line options
win over them. Binding to anything but loopback needs `MCP_HTTP_ALLOWED_HOSTS` (the Host check
against DNS rebinding) and either `MCP_HTTP_AUTH_TOKENS` or per-user mode (a server with no
Backlog key of its own, so each caller acts with theirs); otherwise the server refuses to start and
says which is missing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backlog_mcp import __version__
from backlog_mcp.backlog.connect import Credential
from backlog_mcp.errors import ConfigError
from backlog_mcp.tools.state import CREDENTIAL_SCOPE_KEY, NO_OWN_KEY

if TYPE_CHECKING:
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette

    from backlog_mcp.server import BacklogMCPServer

__all__ = ["HttpSettings", "http_app", "is_loopback", "load_http_settings", "url_host"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTH_PATH = "/health"
_LOOPBACK_NAMES = {"localhost"}
# A caller's own Backlog credential; Authorization stays the deployment's bearer token.
API_KEY_HEADER = "X-Backlog-Api-Key"
ACCESS_TOKEN_HEADER = "X-Backlog-Access-Token"
_MAX_CREDENTIAL_CHARS = 512
# A 401 names its scheme (RFC 9110): not Bearer, which MCP clients take for an OAuth challenge.
_KEY_CHALLENGE = [(b"www-authenticate", b'BacklogApiKey realm="backlog-mcp", header="X-Backlog-Api-Key"')]
_ALLOW = [(b"allow", b"POST, DELETE")]


class HttpSettings(BaseSettings):
    """The HTTP transport's settings, under the names of Nulab's server (`MCP_…`)."""

    model_config = SettingsConfigDict(
        env_prefix="MCP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    transport: str = Field(default="stdio", description="stdio or http")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    http_path: str = "/mcp"
    http_allowed_hosts: str = ""
    http_allowed_origins: str = ""
    http_auth_tokens: SecretStr | None = None
    http_max_users: int = Field(default=100, ge=1, le=100_000)
    http_user_idle_seconds: float = Field(default=900.0, gt=0, le=86_400)
    # Inside Docker's default 10 s between SIGTERM and SIGKILL.
    http_drain_seconds: int = Field(default=8, ge=0, le=600)

    @field_validator("transport")
    @classmethod
    def _known_transport(cls, value: str) -> str:
        name = value.strip().lower()
        if name in ("http", "streamable-http", "streamable_http"):
            return "http"
        if name != "stdio":
            raise ValueError(f"must be stdio or http; got {value!r}")
        return name

    @field_validator("http_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        path = "/" + value.strip().strip("/")
        if path == HEALTH_PATH or any(c in path for c in "?#% "):
            raise ValueError(f"must be a plain path such as /mcp, not {HEALTH_PATH}; got {value!r}")
        return path

    @property
    def tokens(self) -> tuple[bytes, ...]:
        raw = self.http_auth_tokens.get_secret_value() if self.http_auth_tokens else ""
        return tuple(t.strip().encode() for t in raw.split(",") if t.strip())

    @property
    def allowed_hosts(self) -> list[str]:
        return [h.strip() for h in self.http_allowed_hosts.split(",") if h.strip()]

    @property
    def allowed_origins(self) -> list[str]:
        return [o.strip() for o in self.http_allowed_origins.split(",") if o.strip()]


def load_http_settings(**overrides: Any) -> HttpSettings:
    """Raises ConfigError naming the variable, as for the BACKLOG_ settings."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return HttpSettings(**given)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "MCP_" + str(error["loc"][0]).upper() if error["loc"] else "MCP_HTTP_*"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"Configuration error: {name} {message}.") from None


def is_loopback(host: str) -> bool:
    """`localhost`, a 127.x.x.x address, or ::1 (bare or in brackets, as only IPv6 is written)."""
    name = host.strip()
    bracketed = name.startswith("[") and name.endswith("]")
    name = name[1:-1] if bracketed else name
    if name.lower() in _LOOPBACK_NAMES and not bracketed:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback and (address.version == 6 or not bracketed)


def url_host(address: str) -> str:
    """An address as a URL writes it: an IPv6 one in brackets."""
    return f"[{address}]" if ":" in address and not address.startswith("[") else address


def check_public_bind(settings: HttpSettings, host: str, *, per_user: bool) -> None:
    """A bind other than loopback is refused unless the Host check is configured and callers must
    either show a bearer token or bring their own Backlog key (`per_user`: the server has none).

    Raises:
        ConfigError: naming each missing setting.
    """
    if is_loopback(host):
        return
    missing = []
    if not settings.allowed_hosts:
        missing.append("MCP_HTTP_ALLOWED_HOSTS (the host names clients use)")
    if not settings.tokens and not per_user:
        missing.append(
            "MCP_HTTP_AUTH_TOKENS (the bearer tokens clients must send; or unset BACKLOG_API_KEY and "
            "BACKLOG_ACCESS_TOKEN so that each request brings its own X-Backlog-Api-Key)"
        )
    if missing:
        raise ConfigError(
            f"Refusing to serve on {host}, which is not loopback, without {' and '.join(missing)}; "
            "or bind 127.0.0.1."
        )


def _transport_security(settings: HttpSettings, host: str) -> TransportSecuritySettings:
    """Host and Origin checked on every bind: loopback names always, plus the configured ones."""
    from mcp.server.transport_security import TransportSecuritySettings

    names = sorted({"127.0.0.1", "localhost", "[::1]", url_host(host)})
    hosts = [f"{name}:*" for name in names] + settings.allowed_hosts
    origins = [f"http://{name}:*" for name in names] + settings.allowed_origins
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


class BearerTokens:
    """ASGI middleware: the MCP path needs `Authorization: Bearer <one of the tokens>`.

    Every configured token is compared, in constant time, whatever matched first; a refusal is
    401 with `WWW-Authenticate: Bearer` and names no token.
    """

    def __init__(self, app: ASGIApp, tokens: tuple[bytes, ...]) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.tokens or scope.get("path") == HEALTH_PATH:
            await self.app(scope, receive, send)
            return
        sent = [value for name, value in scope.get("headers") or () if name == b"authorization"]
        scheme, _, given = (sent[0] if sent else b"").partition(b" ")
        matched = False
        for token in self.tokens:  # no early exit: the time taken says nothing of which token
            matched |= hmac.compare_digest(given.strip(), token)
        if scheme.lower() == b"bearer" and matched and len(sent) == 1:
            await self.app(scope, receive, send)
            return
        reason = "a valid bearer token is required" if sent else "no bearer token was sent"
        reason = "send one Authorization header" if len(sent) > 1 else reason
        challenge = b'Bearer error="invalid_token"' if sent else b"Bearer"
        await _refuse(
            send, 401, "unauthorized", f"{reason} (MCP_HTTP_AUTH_TOKENS)", [(b"www-authenticate", challenge)]
        )


class UserCredentials:
    """ASGI middleware: a request's own Backlog credential (`X-Backlog-Api-Key` or
    `X-Backlog-Access-Token`) is left in the scope for the tools to act with; without one, the
    server's own key is used, and a server with none answers 401.

    The credential is checked for shape only (Backlog judges it); a refusal never echoes it.
    """

    def __init__(self, app: ASGIApp, *, has_own: bool) -> None:
        self.app = app
        self.has_own = has_own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == HEALTH_PATH:
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "GET":
            # The stream a GET opens would carry server-initiated messages of a session; stateless,
            # there are none, and an open one would hold every shutdown for the whole drain.
            await _refuse(send, 405, "method_not_allowed", "this stateless server takes POST only", _ALLOW)
            return
        pairs = list(scope.get("headers") or ())
        given = [
            (kind, name, value)
            for kind, name in (("api_key", API_KEY_HEADER), ("access_token", ACCESS_TOKEN_HEADER))
            for header, value in pairs
            if header == name.lower().encode()
        ]
        if len(given) > 1:
            once = f"send one {API_KEY_HEADER} or one {ACCESS_TOKEN_HEADER}, not both nor one twice"
            await _refuse(send, 400, "invalid_request", once)
            return
        if not given:
            if self.has_own:
                await self.app(scope, receive, send)
            else:
                await _refuse(send, 401, "unauthorized", NO_OWN_KEY, _KEY_CHALLENGE)
            return
        kind, name, raw = given[0]
        secret = raw.decode("latin-1").strip()
        shaped = secret.isascii() and secret.isprintable() and " " not in secret
        if not secret or len(secret) > _MAX_CREDENTIAL_CHARS or not shaped:
            await _refuse(send, 400, "invalid_request", f"{name} is empty or not a Backlog credential")
            return
        credential = Credential("api_key" if kind == "api_key" else "access_token", secret, name)
        scope.setdefault("state", {})[CREDENTIAL_SCOPE_KEY] = credential
        await self.app(scope, receive, send)


async def _refuse(
    send: Send, status: int, error: str, description: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """An error answered before the MCP app, in OAuth's shape (`error`, `error_description`)."""
    body = json.dumps({"error": error, "error_description": description}).encode()
    head = [(b"content-type", b"application/json"), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def http_app(
    server: BacklogMCPServer, settings: HttpSettings, host: str, path: str, *, has_own: bool = True
) -> ASGIApp:
    """The server as an ASGI app: stateless MCP at `path`, `GET /health`, tokens when configured,
    and each request's own Backlog credential (required when the server has none: `has_own`)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    app: Starlette = server.streamable_http_app(
        streamable_http_path=path,
        stateless_http=True,
        host=host,
        transport_security=_transport_security(settings, host),
    )

    async def health(_: Request) -> JSONResponse:  # no Backlog call, no secret
        return JSONResponse({"status": "ok", "version": __version__})

    app.add_route(HEALTH_PATH, health, methods=["GET"])
    return BearerTokens(UserCredentials(app, has_own=has_own), settings.tokens)
