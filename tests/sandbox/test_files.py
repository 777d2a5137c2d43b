"""The sandbox's shared files: folders listed one at a time, paged, downloadable; and the client's
listing (percent-encoded paths) and streamed download of a shared file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from backlog_mcp.backlog.client import BacklogClient, make_http_client
from backlog_mcp.backlog.files import FileEndpoints
from backlog_mcp.errors import BacklogNotFoundError
from backlog_mcp.sandbox import SANDBOX_API_KEY, SandboxServer
from backlog_mcp.sandbox.landmarks import SHARED_FILE_IDS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _folder(api: httpx2.Client, project: str, path: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/projects/{project}/files/metadata/{path}", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def _walk(api: httpx2.Client, project: str, path: str = "") -> list[dict[str, Any]]:
    """Every entry under `path`, folders opened depth first."""
    found = []
    for entry in _folder(api, project, path):
        found.append(entry)
        if entry["type"] == "directory":
            found += _walk(api, project, f"{entry['dir']}{entry['name']}".lstrip("/"))
    return found


def test_the_root_is_the_empty_path_with_or_without_its_slash(api: httpx2.Client) -> None:
    root = _folder(api, "DEMO", "")
    assert root == list(api.get("/projects/DEMO/files/metadata").json())
    assert {e["name"] for e in root if e["type"] == "directory"} >= {"design", "docs", "契約書"}
    assert all(e["dir"] == "/" for e in root)


def test_entries_are_shaped_like_backlogs(api: httpx2.Client) -> None:
    entries = _walk(api, "DEMO") + _walk(api, "VNAPP")
    assert len(entries) >= 25
    for entry in entries:
        assert entry["type"] in ("directory", "file")
        assert entry["dir"].startswith("/")
        assert entry["dir"].endswith("/")
        assert entry["created"].endswith("Z")
        assert (entry["size"] is None) is (entry["type"] == "directory")
    assert any(entry["updatedUser"] is None for entry in entries)  # never updated: null, as in Backlog


def test_every_landmark_file_sits_at_its_path(api: httpx2.Client) -> None:
    for path, file_id in SHARED_FILE_IDS.items():
        project, rest = path.split("/", 1)
        folder, _, name = rest.rpartition("/")
        (entry,) = [e for e in _folder(api, project, folder) if e["id"] == file_id]
        assert (entry["dir"], entry["name"], entry["type"]) == (f"/{folder}/", name, "file")


def test_a_nested_japanese_folder_is_listed(api: httpx2.Client) -> None:
    entries = _folder(api, "DEMO", "契約書/2026年度")
    assert {e["name"] for e in entries} == {"見積書_株式会社サンプル.pdf", "契約書 (署名済み).pdf"}
    assert _folder(api, "DEMO", "%E5%A5%91%E7%B4%84%E6%9B%B8/2026%E5%B9%B4%E5%BA%A6/") == entries


def test_folders_page_by_offset_and_count_in_either_order(api: httpx2.Client) -> None:
    everything = _folder(api, "DEMO", "docs/議事録", order="asc")
    assert len(everything) == 7
    pages = [_folder(api, "DEMO", "docs/議事録", order="asc", count=3, offset=n) for n in (0, 3, 6)]
    assert [e for page in pages for e in page] == everything
    assert _folder(api, "DEMO", "docs/議事録", order="desc") == everything[::-1]
    assert _folder(api, "DEMO", "docs/議事録", offset=7) == []


@pytest.mark.parametrize("count", ["0", "1001", "x"])
def test_a_count_outside_one_to_a_thousand_is_refused(api: httpx2.Client, count: str) -> None:
    assert api.get("/projects/DEMO/files/metadata/", params={"count": count}).status_code == 400


def test_missing_folders_are_empty_and_missing_projects_are_not_found(api: httpx2.Client) -> None:
    assert _folder(api, "DEMO", "no/such/folder") == []
    response = api.get("/projects/NOPE/files/metadata/")
    assert (response.status_code, response.json()["errors"][0]["message"]) == (404, "No project.")


def test_files_issues_link_to_are_in_the_tree(api: httpx2.Client) -> None:
    tree = {e["id"] for e in _walk(api, "DEMO")}
    issues = api.get("/issues", params={"projectId[]": "10001", "sharedFile": "true", "count": "100"}).json()
    linked = {shared["id"] for issue in issues for shared in issue["sharedFiles"]}
    assert linked
    assert linked <= tree
    shared = next(s for issue in issues for s in issue["sharedFiles"])
    assert len(api.get(f"/projects/DEMO/files/{shared['id']}").content) == shared["size"]


def test_a_shared_file_downloads_with_its_name_and_size(api: httpx2.Client) -> None:
    logo = SHARED_FILE_IDS["DEMO/design/ロゴ.png"]
    (entry,) = [e for e in _folder(api, "DEMO", "design") if e["id"] == logo]
    response = api.get(f"/projects/DEMO/files/{logo}")
    assert response.status_code == 200
    assert response.content.startswith(PNG_SIGNATURE)
    assert len(response.content) == entry["size"]
    assert "filename*=UTF-8''%E3%83%AD%E3%82%B4.png" in response.headers["content-disposition"]


def test_folders_and_other_projects_files_do_not_download(api: httpx2.Client) -> None:
    folder = _folder(api, "DEMO", "")[0]
    assert folder["type"] == "directory"
    for path in (
        f"/projects/DEMO/files/{folder['id']}",
        f"/projects/VNAPP/files/{SHARED_FILE_IDS['DEMO/docs/仕様書.md']}",
    ):
        response = api.get(path)
        assert (response.status_code, response.json()["errors"][0]["message"]) == (404, "No file.")


@pytest.fixture
async def files(sandbox: SandboxServer) -> AsyncIterator[FileEndpoints]:
    async with make_http_client(sandbox.base_url, timeout_seconds=10) as http:
        yield FileEndpoints(BacklogClient(http, api_key=SANDBOX_API_KEY, max_retries=0))


@pytest.mark.anyio
async def test_the_client_lists_a_japanese_folder(files: FileEndpoints, sandbox: SandboxServer) -> None:
    entries = await files.get_shared_files("DEMO", "/契約書/2026年度/", count=10, offset=0)
    assert [e.name for e in entries] == ["見積書_株式会社サンプル.pdf", "契約書 (署名済み).pdf"]
    assert all(e.path == f"/契約書/2026年度/{e.name}" for e in entries)
    root = await files.get_shared_files("DEMO", "/", count=10, offset=0)
    assert "/design/" in {e.path for e in root if e.is_folder}
    assert sandbox.requests[-1].raw_path == "/api/v2/projects/DEMO/files/metadata/"


@pytest.mark.anyio
async def test_the_client_names_a_missing_project_of_shared_files(files: FileEndpoints) -> None:
    with pytest.raises(BacklogNotFoundError, match=r"^Project NOPE not found\."):
        await files.get_shared_files("NOPE", "/", count=1, offset=0)
