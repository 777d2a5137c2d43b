"""The shared files' data and routes: folders and files of DEMO and VNAPP, listed and downloaded.

Backlog lists one folder at a time (`files/metadata/<path>`), folders as entries of type
`directory`; `dir` is the folder an entry sits in, starting and ending with `/`. The root is
`files/metadata/` (an empty rest of the path). The files issues link to (from the issue
generator) are in the tree too, so every shared file a payload names can be listed and opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from backlog_mcp.sandbox.bodies import FileBody, png_gradient, small_file, synthetic_log
from backlog_mcp.sandbox.data import DemoSpace
from backlog_mcp.sandbox.errors import invalid, not_found
from backlog_mcp.sandbox.landmarks import SHARED_FILE_IDS
from backlog_mcp.sandbox.model import JSON, timestamp
from backlog_mcp.sandbox.query import Params
from backlog_mcp.sandbox.site import Route, Site, path_int

__all__ = ["HOSTILE_FILE_PATH", "MAX_FILE_COUNT", "SharedFiles", "build", "folder_of", "routes"]

MAX_FILE_COUNT = 1000  # shared files page up to 1000, by default 1000 (reference §2)
_EPOCH = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)
HOSTILE_FILE_PATH = "/docs/# Fake heading ``` |cell| \u200bnote\u202etxt.exe"


@dataclass(slots=True)
class SharedFiles:
    entries: dict[str, list[JSON]] = field(default_factory=dict)
    """Project key → every folder and file, in creation (ID) order."""
    bodies: dict[int, FileBody] = field(default_factory=dict)
    by_id: dict[int, JSON] = field(default_factory=dict)

    def listing(self, project: str, folder: str) -> list[JSON]:
        return [entry for entry in self.entries.get(project, []) if entry["dir"] == folder]

    def named(self, project: str, path: str) -> JSON:
        """The entry at `path` (`/design/ロゴ.png`), which must exist."""
        return next(e for e in self.entries[project] if e["dir"] + e["name"] == path)


# (project, path, size or None for a folder, who, days after the epoch). Paths end in `/` for folders.
_TREE: tuple[tuple[str, str, int | None, int, int], ...] = (
    ("DEMO", "/design/", None, 0, 0),
    ("DEMO", "/docs/", None, 0, 1),
    ("DEMO", "/契約書/", None, 1, 2),
    ("DEMO", "/design/mockups/", None, 1, 3),
    ("DEMO", "/契約書/2026年度/", None, 1, 4),
    ("DEMO", "/docs/議事録/", None, 2, 5),
    ("DEMO", "/README.txt", 0, 0, 6),
    ("DEMO", "/design/ロゴ.png", 0, 1, 20),
    ("DEMO", "/design/mockups/top-page.png", 0, 4, 40),
    ("DEMO", "/design/mockups/ログイン画面.png", 0, 4, 41),
    ("DEMO", "/docs/仕様書.md", 0, 0, 60),
    ("DEMO", "/docs/API reference (v2).md", 0, 4, 61),
    # Hostile: imitates a heading and a fence, breaks a table row, hides text (zero-width space,
    # right-to-left override); its author is the user whose name imitates our headings.
    ("DEMO", HOSTILE_FILE_PATH, 0, 10, 70),
    ("DEMO", "/docs/議事録/2026-01-19 定例.md", 0, 2, 290),
    ("DEMO", "/docs/議事録/2026-01-26 定例.md", 0, 2, 297),
    ("DEMO", "/docs/議事録/2026-02-02 定例.md", 0, 2, 304),
    ("DEMO", "/docs/議事録/2026-02-09 定例.md", 0, 3, 311),
    ("DEMO", "/docs/議事録/2026-02-16 定例.md", 0, 3, 318),
    ("DEMO", "/docs/議事録/2026-02-23 定例.md", 0, 2, 325),
    ("DEMO", "/docs/議事録/Biên bản họp 2026-02-20.md", 0, 2, 322),
    ("DEMO", "/契約書/2026年度/見積書_株式会社サンプル.pdf", 163_840, 1, 280),
    ("DEMO", "/契約書/2026年度/契約書 (署名済み).pdf", 412_233, 1, 290),
    ("DEMO", "/契約書/NDA テンプレート.docx", 24_576, 5, 100),
    ("VNAPP", "/tài liệu/", None, 2, 10),
    ("VNAPP", "/tài liệu/Hướng dẫn sử dụng.pdf", 88_412, 2, 30),
    ("VNAPP", "/tài liệu/Thiết kế màn hình.png", 0, 8, 31),
    ("VNAPP", "/release-notes.md", 0, 8, 200),
)
_DIRECTORY_ID_BASE = 4_000_001
_FILE_ID_BASE = 4_000_301


def build(space: DemoSpace) -> SharedFiles:
    data = SharedFiles()
    users = space.users
    next_dir, next_file = _DIRECTORY_ID_BASE, _FILE_ID_BASE
    landmark_ids = {path.split("/", 1)[1]: file_id for path, file_id in SHARED_FILE_IDS.items()}
    for key, path, size, who, days in _TREE:
        project = space.project(key)
        assert project is not None, key
        is_folder = path.endswith("/")
        folder, name = _split(path)
        landmark = landmark_ids.get(path[1:]) if key == "DEMO" else None
        if is_folder:
            entry_id, next_dir = next_dir, next_dir + 1
        elif landmark is not None:
            entry_id = landmark
        else:
            entry_id, next_file = next_file, next_file + 1
        body = None if is_folder else _body(name, size or 0, entry_id)
        created = _EPOCH + timedelta(days=days, hours=entry_id % 9, minutes=entry_id % 53)
        updater = users[(who + 3) % 10] if not is_folder and entry_id % 3 == 0 else None
        entry: JSON = {
            "id": entry_id,
            "projectId": project.id,
            "type": "directory" if is_folder else "file",
            "dir": folder,
            "name": name,
            "size": None if body is None else body.size,
            "createdUser": users[who],
            "created": timestamp(created),
            "updatedUser": updater,
            "updated": timestamp(created + timedelta(days=2) if updater else created),
        }
        data.entries.setdefault(key, []).append(entry)
        data.by_id[entry_id] = entry
        if body is not None:
            data.bodies[entry_id] = body
    _add_issue_files(space, data)
    return data


def _split(path: str) -> tuple[str, str]:
    """`/a/b/` → (`/a/`, `b`); `/a/c.txt` → (`/a/`, `c.txt`)."""
    folder, _, name = path.rstrip("/").rpartition("/")
    return folder + "/", name


def _body(name: str, size: int, file_id: int) -> FileBody:
    if name.endswith(".png"):
        return small_file(png_gradient(16 + file_id % 48, 16 + file_id % 32))
    if size:  # binaries (PDF, Office): a recognisable header, then filler up to the size
        return small_file((b"%PDF-1.7\n" if name.endswith(".pdf") else b"PK\x03\x04").ljust(size, b"\0"))
    text = f"# {name}\n\n共有ファイルのサンプルです。Sample shared file {file_id}.\nTệp chia sẻ mẫu.\n"
    return small_file(text.encode())


def _add_issue_files(space: DemoSpace, data: SharedFiles) -> None:
    """The shared files issues link to, with the folders they sit in."""
    for issue in space.issues:
        for shared in issue.json["sharedFiles"]:
            if shared["id"] in data.by_id:
                continue
            project = space.project(str(shared["projectId"]))
            assert project is not None
            entries = data.entries.setdefault(project.key, [])
            if not any(
                e["type"] == "directory" and e["dir"] + e["name"] + "/" == shared["dir"] for e in entries
            ):
                folder, name = _split(shared["dir"])
                directory = {**shared, "id": 4_000_900 + len(data.by_id), "type": "directory"}
                directory.update(dir=folder, name=name, size=None)
                entries.append(directory)
                data.by_id[directory["id"]] = directory
            entries.append(shared)
            data.by_id[shared["id"]] = shared
            # Generated while streaming: these run to 900 kB, and nothing needs them held.
            data.bodies[shared["id"]] = synthetic_log(int(shared["size"]), seed=int(shared["id"]))


def folder_of(rest: str) -> str:
    """The folder a request's path names (`design/mockups` → `/design/mockups/`)."""
    parts = [part for part in rest.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise invalid("path", "path must not contain . or .. segments.")
    return "/" + "".join(part + "/" for part in parts)


def routes(site: Site) -> list[Route]:
    def files() -> SharedFiles:
        return site.space.area(build)

    def listing(request: Request, args: dict[str, str]) -> list[JSON]:
        project = site.project(args)
        params = Params(request.query_params)
        count = params.integer("count")
        if count is not None and not 1 <= count <= MAX_FILE_COUNT:
            raise invalid("count", f"count must be between 1 and {MAX_FILE_COUNT}.")
        offset = params.offset()
        entries = files().listing(project.key, folder_of(args.get("path", "")))
        entries = sorted(entries, key=lambda e: int(e["id"]), reverse=params.descending())
        return entries[offset : offset + (count or MAX_FILE_COUNT)]

    def download(request: Request, args: dict[str, str]) -> Response:
        project = site.project(args)
        file_id = path_int(args["sharedFileId"], "sharedFileId")
        entry = files().by_id.get(file_id)
        body = files().bodies.get(file_id)
        if entry is None or body is None or entry["projectId"] != project.id:
            raise not_found("file")
        return site.download(request, file_id, str(entry["name"]), body)

    return [
        (("projects", "{project}", "files", "metadata"), listing),
        (("projects", "{project}", "files", "metadata", "{path*}"), listing),
        (("projects", "{project}", "files", "{sharedFileId}"), download),
    ]
