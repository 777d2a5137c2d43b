"""Watching writes against a FRESH sandbox per test: a write must never touch a shared sandbox."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox import SandboxServer
from tests.sandbox.conftest import error_of

_ADMIN, _OTHER_USER = 1073741901, 1073741903


@pytest.fixture
def sandbox(write_sandbox: SandboxServer) -> SandboxServer:
    """Overrides the module-wide sandbox of conftest: every test here writes, so each gets its own
    (tests/conftest.py: one reset to its initial state)."""
    return write_sandbox


def my_watchings(api: httpx2.Client, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get(
        f"/users/{_ADMIN}/watchings", params={"count": 100, **params}
    ).json()
    return found


def my_count(api: httpx2.Client) -> int:
    count: int = api.get(f"/users/{_ADMIN}/watchings/count").json()["count"]
    return count


def unwatched_issue(api: httpx2.Client) -> dict[str, Any]:
    watched = {w["issue"]["id"] for w in my_watchings(api)}
    issues = api.get("/issues", params={"count": 100, "sort": "created", "order": "asc"}).json()
    return next(i for i in issues if i["id"] not in watched)


def others_watching_id(api: httpx2.Client) -> int:
    watching_id: int = api.get(f"/users/{_OTHER_USER}/watchings").json()[0]["id"]
    return watching_id


def test_the_sandbox_users_ids_are_the_ones_these_tests_assume(api: httpx2.Client) -> None:
    assert api.get("/users/myself").json()["id"] == _ADMIN
    assert others_watching_id(api) > 0


def test_watching_an_issue_answers_201_and_the_list_the_count_and_the_item_show_it(
    api: httpx2.Client,
) -> None:
    issue = unwatched_issue(api)
    before = my_count(api)
    response = api.post("/watchings", data={"issueIdOrKey": issue["issueKey"], "note": "リリース前に確認"})
    assert response.status_code == 201, response.text
    watching = response.json()
    assert watching["issue"]["issueKey"] == issue["issueKey"]
    assert watching["note"] == "リリース前に確認"
    assert watching["type"] == "issue"
    assert watching["created"] == watching["updated"] == "2026-02-27T09:01:00Z"
    assert watching["lastContentUpdated"] == issue["updated"]
    assert response.headers["x-ratelimit-limit"] == "150"  # the Update bucket
    assert my_count(api) == before + 1
    assert [w["id"] for w in my_watchings(api, **{"issueId[]": issue["id"]})] == [watching["id"]]
    assert api.get(f"/watchings/{watching['id']}").json()["note"] == "リリース前に確認"


def test_watching_by_numeric_issue_id_without_a_note_leaves_the_note_empty(api: httpx2.Client) -> None:
    issue = unwatched_issue(api)
    response = api.post("/watchings", data={"issueIdOrKey": str(issue["id"])})
    assert response.status_code == 201
    assert response.json()["note"] is None
    assert response.json()["issue"]["id"] == issue["id"]


def test_watching_an_issue_already_watched_is_refused_and_makes_no_second_watching(
    api: httpx2.Client,
) -> None:
    watched = my_watchings(api)[0]["issue"]
    before = my_count(api)
    response = api.post("/watchings", data={"issueIdOrKey": watched["issueKey"], "note": "x"})
    assert response.status_code == 400
    expected = f"Invalid issueIdOrKey. The issue {watched['issueKey']} is already watched."
    assert error_of(response)["message"] == expected
    assert my_count(api) == before


def test_watching_without_an_issue_or_a_missing_one_is_refused(api: httpx2.Client) -> None:
    response = api.post("/watchings", data={"note": "x"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Invalid issueIdOrKey. issueIdOrKey is required."
    response = api.post("/watchings", data={"issueIdOrKey": "DEMO-9999"})
    assert response.status_code == 404
    assert error_of(response) == {"message": "No issue.", "code": 6, "moreInfo": ""}


def test_changing_a_watchings_note_answers_200_and_reads_see_it(api: httpx2.Client) -> None:
    watching = my_watchings(api)[0]
    response = api.patch(f"/watchings/{watching['id']}", data={"note": "Theo dõi bản sửa lỗi"})
    assert response.status_code == 200
    assert response.json()["note"] == "Theo dõi bản sửa lỗi"
    assert response.json()["updated"] == "2026-02-27T09:01:00Z"
    assert api.get(f"/watchings/{watching['id']}").json()["note"] == "Theo dõi bản sửa lỗi"


def test_unwatching_removes_the_watching_and_answers_it(api: httpx2.Client) -> None:
    watching = my_watchings(api)[0]
    before = my_count(api)
    response = api.delete(f"/watchings/{watching['id']}")
    assert response.status_code == 200
    assert response.json()["id"] == watching["id"]
    assert response.json()["issue"]["id"] == watching["issue"]["id"]
    assert my_count(api) == before - 1
    assert my_watchings(api, **{"issueId[]": watching["issue"]["id"]}) == []
    assert api.get(f"/watchings/{watching['id']}").status_code == 404
    again = api.post("/watchings", data={"issueIdOrKey": watching["issue"]["issueKey"]})
    assert again.status_code == 201  # can be watched anew, under a new ID
    assert again.json()["id"] != watching["id"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_changing_or_removing_another_users_watching_is_forbidden(api: httpx2.Client, method: str) -> None:
    watching_id = others_watching_id(api)
    before = api.get(f"/watchings/{watching_id}").json()
    response = api.request(method, f"/watchings/{watching_id}", data={"note": "hijacked"})
    assert response.status_code == 403
    assert error_of(response)["code"] == 5
    verb = "update" if method == "PATCH" else "delete"
    assert error_of(response)["message"] == f"You do not have permission to {verb} this watching."
    assert api.get(f"/watchings/{watching_id}").json() == before


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_a_watching_that_does_not_exist_is_not_found(api: httpx2.Client, method: str) -> None:
    response = api.request(method, "/watchings/99", data={"note": "x"})
    assert response.status_code == 404
    assert error_of(response)["message"] == "No watching."
    assert api.request(method, "/watchings/abc").status_code == 400


def test_the_request_log_records_watching_writes(api: httpx2.Client, sandbox: SandboxServer) -> None:
    issue = unwatched_issue(api)
    watching_id = api.post("/watchings", data={"issueIdOrKey": issue["issueKey"]}).json()["id"]
    api.patch(f"/watchings/{watching_id}", data={"note": "n"})
    api.delete(f"/watchings/{watching_id}")
    writes = [(r.method, r.path, r.status) for r in sandbox.requests if r.method != "GET"]
    assert writes == [
        ("POST", "/api/v2/watchings", 201),
        ("PATCH", f"/api/v2/watchings/{watching_id}", 200),
        ("DELETE", f"/api/v2/watchings/{watching_id}", 200),
    ]
