"""Wiki writes against a FRESH sandbox per test: a write must never touch a shared sandbox."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from backlog_mcp.sandbox import SandboxServer
from backlog_mcp.sandbox.landmarks import WIKI_PAGE_IDS
from backlog_mcp.sandbox.wiki import build
from tests.sandbox.conftest import error_of

_DEMO_PROJECT_ID = 10001
_ADMIN = 1073741901
_ORIGIN = "https://demo.backlog.com"
_HOME = WIKI_PAGE_IDS["DEMO/Home"]
_CONTENT = "# デプロイ\n\n1. make deploy\n"


@pytest.fixture
def sandbox(write_sandbox: SandboxServer) -> SandboxServer:
    """Overrides the module-wide sandbox of conftest: every test here writes, so each gets its own
    (tests/conftest.py: one reset to its initial state)."""
    return write_sandbox


def new_page(api: httpx2.Client, **extra: Any) -> httpx2.Response:
    form = {"projectId": _DEMO_PROJECT_ID, "name": "手順/デプロイ", "content": _CONTENT}
    return api.post("/wikis", data={**form, **extra})


def test_adding_a_page_answers_201_with_its_location_and_the_whole_page(api: httpx2.Client) -> None:
    response = new_page(api)
    assert response.status_code == 201, response.text
    page = response.json()
    assert response.headers["location"] == f"{_ORIGIN}/alias/wiki/{page['id']}"
    assert page["projectId"] == _DEMO_PROJECT_ID
    assert page["name"] == "手順/デプロイ"
    assert page["content"] == _CONTENT
    assert page["tags"] == page["attachments"] == page["sharedFiles"] == page["stars"] == []
    assert page["createdUser"]["id"] == page["updatedUser"]["id"] == _ADMIN
    assert page["created"] == page["updated"] == "2026-02-27T09:01:00Z"
    assert response.headers["x-ratelimit-limit"] == "150"  # the Update bucket
    second = new_page(api, name="手順/ロールバック").json()
    assert second["id"] == page["id"] + 1


def test_reads_see_an_added_page_in_the_list_the_count_the_keyword_search_and_by_id(
    api: httpx2.Client,
) -> None:
    params = {"projectIdOrKey": "DEMO"}
    before = api.get("/wikis/count", params=params).json()["count"]
    added = new_page(api, content="Tiếng Việt: triển khai").json()
    assert api.get("/wikis/count", params=params).json()["count"] == before + 1
    listed = api.get("/wikis", params=params).json()
    assert listed[-1]["id"] == added["id"]
    assert "content" not in listed[-1]
    found = api.get("/wikis", params={**params, "keyword": "triển khai"}).json()
    assert [p["id"] for p in found] == [added["id"]]
    assert api.get(f"/wikis/{added['id']}").json() == added
    vnapp = api.get("/wikis", params={"projectIdOrKey": "VNAPP"}).json()
    assert added["id"] not in [p["id"] for p in vnapp]


@pytest.mark.parametrize("missing", ["projectId", "name", "content"])
def test_adding_a_page_without_a_required_field_is_refused_naming_it(
    api: httpx2.Client, missing: str
) -> None:
    form = {"projectId": _DEMO_PROJECT_ID, "name": "x", "content": "y"}
    del form[missing]
    response = api.post("/wikis", data=form)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == 7
    assert error["message"] == f"Invalid {missing}. {missing} is required."


def test_adding_a_page_to_an_unknown_project_is_refused(api: httpx2.Client) -> None:
    response = new_page(api, projectId=99999)
    assert response.status_code == 400
    assert error_of(response)["message"] == "Invalid projectId. No project 99999."


def test_a_name_taken_in_the_project_is_refused_but_free_in_another(api: httpx2.Client) -> None:
    count = api.get("/wikis/count", params={"projectIdOrKey": "DEMO"}).json()["count"]
    response = new_page(api, name="Home")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == 7
    assert error["message"].startswith("Invalid name. A wiki page named this already exists")
    assert str(_HOME) in error["message"]
    assert api.get("/wikis/count", params={"projectIdOrKey": "DEMO"}).json()["count"] == count
    vnapp_id = api.get("/projects/VNAPP").json()["id"]
    assert new_page(api, projectId=vnapp_id, name="Onboarding").status_code == 201


def test_updating_a_page_changes_name_content_updated_and_updated_user(api: httpx2.Client) -> None:
    before = api.get(f"/wikis/{_HOME}").json()
    response = api.patch(f"/wikis/{_HOME}", data={"name": "Home (旧)", "content": "新しい内容\n"})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["name"] == "Home (旧)"
    assert page["content"] == "新しい内容\n"
    assert page["updated"] == "2026-02-27T09:01:00Z"
    assert page["updatedUser"]["id"] == _ADMIN
    assert page["created"] == before["created"]
    assert page["createdUser"] == before["createdUser"]
    assert page["attachments"] == before["attachments"]
    assert api.get(f"/wikis/{_HOME}").json() == page
    listed = {p["id"]: p for p in api.get("/wikis", params={"projectIdOrKey": "DEMO"}).json()}
    assert listed[_HOME]["name"] == "Home (旧)"


def test_updating_only_the_content_keeps_the_name(api: httpx2.Client) -> None:
    page = api.patch(f"/wikis/{_HOME}", data={"content": ""}).json()
    assert page["name"] == "Home"
    assert page["content"] == ""


def test_renaming_a_page_to_a_name_taken_in_its_project_is_refused(api: httpx2.Client) -> None:
    response = api.patch(f"/wikis/{_HOME}", data={"name": "Onboarding"})
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("Invalid name.")
    assert api.get(f"/wikis/{_HOME}").json()["name"] == "Home"
    assert api.patch(f"/wikis/{_HOME}", data={"name": "Home"}).status_code == 200  # its own name


def test_updating_a_missing_page_is_no_wiki(api: httpx2.Client) -> None:
    response = api.patch("/wikis/99", data={"content": "x"})
    assert response.status_code == 404
    assert error_of(response) == {"message": "No wiki.", "code": 6, "moreInfo": ""}


def test_mail_notify_is_accepted_and_remembered_and_a_wrong_value_refused(
    api: httpx2.Client, sandbox: SandboxServer
) -> None:
    added = new_page(api, mailNotify="true").json()
    api.patch(f"/wikis/{_HOME}", data={"content": "x", "mailNotify": "false"})
    api.patch(f"/wikis/{_HOME}", data={"content": "y", "mailNotify": "true"})
    assert sandbox.space.area(build).mailed == [(added["id"], "added"), (_HOME, "updated")]
    response = api.patch(f"/wikis/{_HOME}", data={"content": "z", "mailNotify": "yes"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Invalid mailNotify. mailNotify must be true or false."
    assert api.get(f"/wikis/{_HOME}").json()["content"] == "y"
