"""Authentication: API key in the query, or an OAuth bearer token."""

from __future__ import annotations

import httpx2

from backlog_mcp.sandbox import PARENT_ISSUE, SANDBOX_ACCESS_TOKEN, SANDBOX_API_KEY, SandboxServer
from backlog_mcp.sandbox.app import member_access_token, member_api_key

AUTH_FAILURE = {"errors": [{"message": "Authentication failure.", "code": 11, "moreInfo": ""}]}
INVALID_TOKEN = 'Bearer error="invalid_token", error_description="The access token is invalid"'


def test_missing_key_is_401_with_backlog_body(anonymous: httpx2.Client) -> None:
    response = anonymous.get("/api/v2/users/myself")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    assert response.json() == AUTH_FAILURE


def test_wrong_key_is_401_with_backlog_body(anonymous: httpx2.Client) -> None:
    response = anonymous.get("/api/v2/users/myself", params={"apiKey": "not-the-key"})
    assert response.status_code == 401
    assert response.json() == AUTH_FAILURE


def test_unknown_path_without_key_is_still_401(anonymous: httpx2.Client) -> None:
    assert anonymous.get("/api/v2/no/such/thing").status_code == 401


def test_wrong_bearer_token_is_401_with_challenge_and_empty_body(anonymous: httpx2.Client) -> None:
    response = anonymous.get("/api/v2/users/myself", headers={"Authorization": "Bearer expired-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == INVALID_TOKEN
    assert response.content == b""


def test_good_bearer_token_is_accepted(anonymous: httpx2.Client) -> None:
    response = anonymous.get(
        "/api/v2/users/myself", headers={"Authorization": f"Bearer {SANDBOX_ACCESS_TOKEN}"}
    )
    assert response.status_code == 200
    assert response.json()["roleType"] == 1


def test_api_key_wins_over_bearer_token(anonymous: httpx2.Client) -> None:
    response = anonymous.get(
        "/api/v2/users/myself",
        params={"apiKey": "wrong"},
        headers={"Authorization": f"Bearer {SANDBOX_ACCESS_TOKEN}"},
    )
    assert response.status_code == 401
    assert response.json() == AUTH_FAILURE


def test_key_user_is_the_space_administrator(api: httpx2.Client) -> None:
    myself = api.get("/users/myself").json()
    space = api.get("/space").json()
    assert myself["roleType"] == 1
    assert space["ownerId"] == myself["id"]


def test_api_key_is_the_fixed_fake_one(sandbox: SandboxServer) -> None:
    assert sandbox.api_key == SANDBOX_API_KEY
    assert "sandbox" in SANDBOX_API_KEY


def test_issue_view_page_needs_no_key(anonymous: httpx2.Client, api: httpx2.Client) -> None:
    summary = api.get(f"/issues/{PARENT_ISSUE}").json()["summary"]
    page = anonymous.get(f"/view/{PARENT_ISSUE}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert summary in page.text
    assert anonymous.get("/view/NOPE-1").status_code == 404


def test_every_member_has_a_key_and_a_token_that_act_as_them(anonymous: httpx2.Client) -> None:
    by_key = anonymous.get("/api/v2/users/myself", params={"apiKey": member_api_key("suzuki.hanako")})
    by_token = anonymous.get(
        "/api/v2/users/myself", headers={"Authorization": f"Bearer {member_access_token('john.smith')}"}
    )
    admin = anonymous.get("/api/v2/users/myself", params={"apiKey": SANDBOX_API_KEY})
    assert by_key.json()["userId"] == "suzuki.hanako"
    assert by_token.json()["userId"] == "john.smith"
    assert admin.json()["userId"] == "tanaka.taro"
    stranger = anonymous.get("/api/v2/users/myself", params={"apiKey": member_api_key("nobody")})
    assert stranger.status_code == 401


def test_a_members_write_is_theirs_and_their_notifications_are_their_own() -> None:
    with SandboxServer() as sandbox, httpx2.Client(base_url=f"{sandbox.base_url}/api/v2", timeout=30) as http:
        member = {"apiKey": member_api_key("suzuki.hanako")}
        # Read first by the member: the demo data built on that request is still the administrator's.
        assert http.get("/notifications", params=member).json() == []
        comment = http.post(f"/issues/{PARENT_ISSUE}/comments", params=member, data={"content": "確認します"})
        assert comment.json()["createdUser"]["userId"] == "suzuki.hanako"
        admins = http.get("/notifications", params={"apiKey": SANDBOX_API_KEY}).json()
        assert admins
        assert http.get("/notifications/count", params=member).json() == {"count": 0}


def test_each_user_has_rate_limit_windows_of_their_own(anonymous: httpx2.Client) -> None:
    admin = {"apiKey": SANDBOX_API_KEY}
    member = {"apiKey": member_api_key("kobayashi.ren")}
    for _ in range(3):
        anonymous.get("/api/v2/priorities", params=admin)
    admins = int(anonymous.get("/api/v2/priorities", params=admin).headers["X-RateLimit-Remaining"])
    members = int(anonymous.get("/api/v2/priorities", params=member).headers["X-RateLimit-Remaining"])
    assert members == admins + 3
    limits = anonymous.get("/api/v2/rateLimit", params=member).json()["rateLimit"]
    assert limits["read"]["remaining"] == members - 1  # this request counts too
