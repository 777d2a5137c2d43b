"""Notification writes against a FRESH sandbox per test: a write must never touch a shared sandbox."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox import SandboxServer


@pytest.fixture
def sandbox(write_sandbox: SandboxServer) -> SandboxServer:
    """Overrides the module-wide sandbox of conftest: every test here writes, so each gets its own
    (tests/conftest.py: one reset to its initial state)."""
    return write_sandbox


def _all(api: httpx2.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/notifications", params={"count": 100}).json()
    return found


def _count(api: httpx2.Client, **params: bool) -> int:
    query = {k: str(v).lower() for k, v in params.items()}
    return int(api.get("/notifications/count", params=query).json()["count"])


def test_marking_one_notification_read_answers_204_and_sets_both_read_flags(api: httpx2.Client) -> None:
    unread = next(n for n in _all(api) if not n["alreadyRead"] and not n["resourceAlreadyRead"])
    before = (_count(api, alreadyRead=False), _count(api, resourceAlreadyRead=False))
    response = api.post(f"/notifications/{unread['id']}/markAsRead")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["x-ratelimit-limit"] == "150"  # the Update bucket
    after = next(n for n in _all(api) if n["id"] == unread["id"])
    assert after["alreadyRead"] is True
    assert after["resourceAlreadyRead"] is True
    assert (_count(api, alreadyRead=False), _count(api, resourceAlreadyRead=False)) == (
        before[0] - 1,
        before[1] - 1,
    )


def test_marking_a_read_notification_again_is_accepted_and_changes_nothing(api: httpx2.Client) -> None:
    read = next(n for n in _all(api) if n["alreadyRead"] and n["resourceAlreadyRead"])
    before = _all(api)
    assert api.post(f"/notifications/{read['id']}/markAsRead").status_code == 204
    assert _all(api) == before


def test_marking_an_unknown_notification_answers_404_no_notification(api: httpx2.Client) -> None:
    response = api.post("/notifications/99/markAsRead")
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"] == "No notification."
    assert response.json()["errors"][0]["code"] == 6
    bad = api.post("/notifications/abc/markAsRead")
    assert bad.status_code == 400
    assert "notificationId" in bad.json()["errors"][0]["message"]


def test_resetting_the_unread_count_answers_the_count_and_leaves_each_notification_unopened(
    api: httpx2.Client,
) -> None:
    new = _count(api, alreadyRead=False)
    unopened = _count(api, resourceAlreadyRead=False)
    assert new > 0
    assert unopened > 0
    response = api.post("/notifications/markAsRead")
    assert response.status_code == 200
    assert response.json() == {"count": new}
    assert _count(api, alreadyRead=False) == 0
    # Backlog documents a reset of the count, not a read of each notification.
    assert _count(api, resourceAlreadyRead=False) == unopened
    assert all(n["alreadyRead"] for n in _all(api))
    assert api.post("/notifications/markAsRead").json() == {"count": 0}


def test_notification_writes_reach_only_the_sandbox_they_were_sent_to(api: httpx2.Client) -> None:
    assert api.post("/notifications/markAsRead").status_code == 200
    with SandboxServer() as other:
        fresh = httpx2.get(
            f"{other.base_url}/api/v2/notifications/count",
            params={"apiKey": other.api_key, "alreadyRead": "false"},
        )
        assert fresh.json()["count"] > 0
