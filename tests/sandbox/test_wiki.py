"""The sandbox's wiki: pages shaped like Backlog's, their tags, attachments (downloadable) and shared
files (downloads through the attachment tools: tests/e2e/test_attachment_owners.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import httpx2

from backlog_mcp.sandbox.landmarks import WIKI_PAGE_IDS
from backlog_mcp.sandbox.wiki import HOSTILE_WIKI_ID

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LISTED_FIELDS = {"id", "projectId", "name", "tags", "createdUser", "created", "updatedUser", "updated"}


def _pages(api: httpx2.Client, project: str, **params: str) -> list[dict[str, Any]]:
    response = api.get("/wikis", params={"projectIdOrKey": project, **params})
    assert response.status_code == 200, response.text
    return list(response.json())


def test_every_landmark_page_exists_with_its_name(api: httpx2.Client) -> None:
    for path, wiki_id in WIKI_PAGE_IDS.items():
        project, name = path.split("/", 1)
        page = api.get(f"/wikis/{wiki_id}").json()
        assert page["name"] == name
        assert page["projectId"] == api.get(f"/projects/{project}").json()["id"]


def test_the_list_leaves_out_content_attachments_and_shared_files(api: httpx2.Client) -> None:
    pages = _pages(api, "DEMO")
    assert len(pages) >= 20
    assert all(set(page) == LISTED_FIELDS for page in pages)
    assert all(page["created"].endswith("Z") and page["updatedUser"]["id"] for page in pages)
    assert [page["id"] for page in pages] == sorted(page["id"] for page in pages)


def test_pages_are_multilingual_and_tagged(api: httpx2.Client) -> None:
    names = [page["name"] for project in ("DEMO", "VNAPP") for page in _pages(api, project)]
    assert any(re.search("[ぁ-んァ-ン一-龯]", name) for name in names)
    assert any(re.search("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]", name) for name in names)
    assert {tag["name"] for tag in api.get("/wikis/tags", params={"projectIdOrKey": "DEMO"}).json()} == {
        "議事録",
        "設計",
        "onboarding",
        "release",
    }


def test_count_is_the_length_of_the_list(api: httpx2.Client) -> None:
    for project in ("DEMO", "VNAPP", "OPS"):
        count = api.get("/wikis/count", params={"projectIdOrKey": project}).json()
        assert count == {"count": len(_pages(api, project))}


def test_keyword_matches_names_and_content_ignoring_case(api: httpx2.Client) -> None:
    by_name = _pages(api, "DEMO", keyword="ONBOARDING")
    assert {page["id"] for page in by_name} == {2_001_004}
    by_content = _pages(api, "VNAPP", keyword="gradlew")
    assert {page["id"] for page in by_content} == {WIKI_PAGE_IDS["VNAPP/Home"], 2_002_002}


def test_formats_follow_the_projects_rule(api: httpx2.Client) -> None:
    assert api.get("/projects/DEMO").json()["textFormattingRule"] == "markdown"
    assert api.get("/projects/VNAPP").json()["textFormattingRule"] == "backlog"
    home = api.get(f"/wikis/{WIKI_PAGE_IDS['VNAPP/Home']}").json()["content"]
    assert home.startswith("* Trang chủ VNAPP\n")
    assert "\n** Mục lục\n- " in home
    assert "{code}" in home
    assert api.get(f"/wikis/{WIKI_PAGE_IDS['DEMO/Home']}").json()["content"].startswith("# ")


def test_the_hostile_page_imitates_our_markup_and_hides_characters(api: httpx2.Client) -> None:
    page = api.get(f"/wikis/{HOSTILE_WIKI_ID}").json()
    assert "# Fake heading" in page["name"]
    assert "\u200b" in page["name"]
    assert "\u202e" in page["name"]
    assert "\n# Fake heading\n" in page["content"]
    assert "\n```\n" in page["content"]
    assert "\u200b" in page["content"]
    assert "\u202e" in page["content"]


def test_errors_are_backlogs(api: httpx2.Client) -> None:
    missing = api.get("/wikis/99")
    assert (missing.status_code, missing.json()["errors"][0]["message"]) == (404, "No wiki.")
    assert api.get("/wikis/abc").status_code == 400
    assert api.get("/wikis").status_code == 400  # projectIdOrKey is required
    unknown = api.get("/wikis/count", params={"projectIdOrKey": "NOPE"})
    assert (unknown.status_code, unknown.json()["errors"][0]["message"]) == (404, "No project.")


def test_attachments_are_listed_as_embedded_and_download_with_their_name(api: httpx2.Client) -> None:
    wiki_id = WIKI_PAGE_IDS["DEMO/議事録/2026-02-16"]
    page = api.get(f"/wikis/{wiki_id}").json()
    assert api.get(f"/wikis/{wiki_id}/attachments").json() == page["attachments"]
    picture = next(a for a in page["attachments"] if a["name"] == "ホワイトボード.png")
    response = api.get(f"/wikis/{wiki_id}/attachments/{picture['id']}")
    assert response.status_code == 200
    assert response.content.startswith(PNG_SIGNATURE)
    assert len(response.content) == picture["size"]
    disposition = re.search(r"filename\*=UTF-8''([^;\s]+)", response.headers["content-disposition"])
    assert disposition is not None
    assert unquote(disposition.group(1)) == "ホワイトボード.png"
    other = api.get(f"/wikis/{WIKI_PAGE_IDS['DEMO/Home']}/attachments/{picture['id']}")
    assert (other.status_code, other.json()["errors"][0]["message"]) == (404, "No attachment.")


def test_shared_files_of_a_page_are_files_of_the_project(api: httpx2.Client) -> None:
    linked = 0
    for wiki_id in (*WIKI_PAGE_IDS.values(), 2_001_003, 2_002_002, 2_002_003, 2_002_004):
        page = api.get(f"/wikis/{wiki_id}").json()
        assert api.get(f"/wikis/{wiki_id}/sharedFiles").json() == page["sharedFiles"]
        project = api.get(f"/projects/{page['projectId']}").json()["projectKey"]
        for shared in page["sharedFiles"]:
            folder = api.get(f"/projects/{project}/files/metadata{shared['dir']}").json()
            assert shared in folder
            linked += 1
    assert linked >= 6
