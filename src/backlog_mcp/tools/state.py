"""What every tool handler needs (`AppState`), per Backlog account the process acts as.

A process acts as its own account (the key in its settings) and, served over HTTP, as each caller
who sends their own credential (`X-Backlog-Api-Key`). Each account has its own `AppState`, so its
caches (statuses, users, who "myself" is, project IDs, the rate-limit note) are never served to
another; the callers' are kept in a bounded, least-recently-used table that forgets the idle.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from backlog_mcp.backlog.client import BacklogClient
from backlog_mcp.backlog.connect import Credential
from backlog_mcp.backlog.resolve import Resolver
from backlog_mcp.render.text import RenderContext
from backlog_mcp.tools.scope import ProjectScope
from backlog_mcp.tools.writes import AuditLog

__all__ = ["CREDENTIAL_SCOPE_KEY", "Accounts", "AppState", "app_state"]

# Where the HTTP layer leaves a caller's credential: in the ASGI scope's state, which the SDK
# hands to every handler as `ctx.request_context.request.state`.
CREDENTIAL_SCOPE_KEY = "backlog_credential"
NO_OWN_KEY = (
    "This server has no Backlog key of its own: send yours in the X-Backlog-Api-Key header "
    "(or an OAuth token in X-Backlog-Access-Token)."
)


@dataclass(frozen=True, slots=True)
class AppState:
    api: BacklogClient
    resolver: Resolver
    render: RenderContext
    workspace: Path
    max_attachment_bytes: int
    scope: ProjectScope
    audit: AuditLog
    per_user: bool = False
    """Acting with a caller's own credential (sent over HTTP), not the server's."""


class Accounts:
    """The `AppState` of the server's own account and of each caller's credential.

    Args:
        make: builds the state of a credential (None: the server's own).
        has_own: whether the settings hold a key; without one, every call must bring its own.
        max_users: callers' states kept at most; the least recently used goes first.
        idle_seconds: a caller's state unused this long is forgotten (its caches with it).
    """

    def __init__(
        self,
        make: Callable[[Credential | None], AppState],
        *,
        has_own: bool = True,
        max_users: int = 100,
        idle_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._make = make
        self._has_own = has_own
        self._own: AppState | None = None
        self._max_users = max_users
        self._idle_seconds = idle_seconds
        self._clock = clock
        # Keyed by a digest, so the table itself holds no secret in a form a dump would show.
        self._users: OrderedDict[str, tuple[AppState, float]] = OrderedDict()

    def of(self, credential: Credential | None) -> AppState:
        """The state to act with: a caller's own when they sent a credential, else the server's.

        Raises:
            ToolError: no credential was sent, and the server has none of its own.
        """
        if credential is None:
            if not self._has_own:
                raise ToolError(NO_OWN_KEY)
            if self._own is None:
                self._own = self._make(None)
            return self._own
        now = self._clock()
        self._forget_idle(now)
        key = credential.fingerprint
        found = self._users.pop(key, None)
        state = found[0] if found else self._make(credential)
        self._users[key] = (state, now)  # last: the most recently used
        while len(self._users) > self._max_users:
            self._users.popitem(last=False)
        return state

    @property
    def callers(self) -> int:
        """Callers' states held now (what the bounds keep in check)."""
        return len(self._users)

    def _forget_idle(self, now: float) -> None:
        while self._users:
            _, (_, used) = next(iter(self._users.items()))
            if now - used < self._idle_seconds:
                return
            self._users.popitem(last=False)


def app_state(ctx: Context[Any, Any]) -> AppState:
    """The state of the account this request acts as."""
    accounts = ctx.request_context.lifespan_context
    assert isinstance(accounts, Accounts), "the server's lifespan provides Accounts"
    request = ctx.request_context.request  # the HTTP request; None on stdio and in memory
    state = getattr(request, "scope", {}).get("state", {}) if request is not None else {}
    credential = state.get(CREDENTIAL_SCOPE_KEY)
    return accounts.of(credential if isinstance(credential, Credential) else None)
