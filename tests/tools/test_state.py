"""`Accounts`: one state per credential, bounded in number and in idle time."""

from __future__ import annotations

from typing import Any, cast

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from backlog_mcp.backlog.connect import Credential
from backlog_mcp.tools.state import Accounts, AppState


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def accounts(clock: Clock, made: list[Credential | None], **limits: Any) -> Accounts:
    def make(credential: Credential | None) -> AppState:
        made.append(credential)
        return cast(AppState, object())  # a distinct stand-in per account

    return Accounts(make, clock=clock, **limits)


def key(name: str) -> Credential:
    return Credential("api_key", f"key-of-{name}", "X-Backlog-Api-Key")


def test_each_credential_has_its_own_state_made_once_and_the_servers_own_is_apart() -> None:
    made: list[Credential | None] = []
    pool = accounts(Clock(), made)
    alice, bob = pool.of(key("alice")), pool.of(key("bob"))
    assert alice is not bob
    assert pool.of(key("alice")) is alice
    assert pool.of(Credential("access_token", "key-of-alice", "X-Backlog-Access-Token")) is not alice
    own = pool.of(None)
    assert own is pool.of(None)
    assert own not in (alice, bob)
    token = Credential("access_token", "key-of-alice", "X-Backlog-Access-Token")
    assert made == [key("alice"), key("bob"), token, None]


def test_the_least_recently_used_caller_goes_first_beyond_the_limit() -> None:
    made: list[Credential | None] = []
    pool = accounts(Clock(), made, max_users=2)
    alice = pool.of(key("alice"))
    pool.of(key("bob"))
    assert pool.of(key("alice")) is alice  # alice is now the most recent
    pool.of(key("carol"))  # bob goes
    assert pool.callers == 2
    assert pool.of(key("alice")) is alice
    made.clear()
    pool.of(key("bob"))
    assert made == [key("bob")]  # made afresh: its caches were forgotten


def test_a_caller_idle_longer_than_the_limit_is_forgotten() -> None:
    clock, made = Clock(), list[Credential | None]()
    pool = accounts(clock, made, idle_seconds=60)
    alice = pool.of(key("alice"))
    clock.now = 59
    assert pool.of(key("alice")) is alice  # used again: idle time starts over
    clock.now = 59 + 60
    assert pool.of(key("bob")) is not None
    assert pool.callers == 1  # alice went
    assert pool.of(key("alice")) is not alice


def test_without_a_key_of_its_own_a_call_without_one_is_refused_in_a_sentence() -> None:
    pool = Accounts(lambda credential: cast(AppState, object()), has_own=False)
    with pytest.raises(
        ToolError, match=r"^This server has no Backlog key of its own: send yours in the X-Backlog-"
    ):
        pool.of(None)


def test_the_table_holds_no_secret_in_plain_text() -> None:
    pool = accounts(Clock(), [])
    pool.of(key("alice"))
    assert "key-of-alice" not in repr(vars(pool)) + repr(key("alice"))
