"""The IDs one area's demo data uses to point at another's: wiki pages, documents, repositories,
pull requests and shared files that notifications, activities, stars and links refer to.

Each area's sandbox module builds its own data, and must contain every landmark of its area as
given here (more besides is fine); the areas that refer to them import these names, so a
notification about pull request #3 of `web-app` opens a pull request that exists.
"""

from __future__ import annotations

__all__ = [
    "DOCUMENT_IDS",
    "GIT_REPOSITORIES",
    "PULL_REQUEST_NUMBERS",
    "SHARED_FILE_IDS",
    "WIKI_PAGE_IDS",
]

# Wiki pages: DEMO's first (Home), a Japanese meeting-notes page, VNAPP's Home.
WIKI_PAGE_IDS = {"DEMO/Home": 2_001_001, "DEMO/議事録/2026-02-16": 2_001_002, "VNAPP/Home": 2_002_001}

# Documents: 32-hex IDs as Backlog gives them. A root page, its child, and VNAPP's root.
DOCUMENT_IDS = {
    "DEMO/設計方針": "019a1c2e5b7d7c3f9e4a6b8c0d2e4f60",
    "DEMO/設計方針/API 設計": "019a1c2e5b7d7c3f9e4a6b8c0d2e4f61",
    "VNAPP/Hướng dẫn": "019a1c2e5b7d7c3f9e4a6b8c0d2e4f70",
}

# Git repositories (project key, name) → repository ID.
GIT_REPOSITORIES = {("DEMO", "web-app"): 3_001, ("DEMO", "api-server"): 3_002, ("OPS", "infra"): 3_003}

# Pull requests that exist in each repository: numbers 1..N; every status appears in web-app.
PULL_REQUEST_NUMBERS = {("DEMO", "web-app"): 6, ("DEMO", "api-server"): 3, ("OPS", "infra"): 2}

# Shared files of DEMO: `/` holds folders; these files sit in nested folders.
SHARED_FILE_IDS = {
    "DEMO/design/ロゴ.png": 4_000_101,
    "DEMO/design/mockups/top-page.png": 4_000_102,
    "DEMO/docs/仕様書.md": 4_000_201,
}
