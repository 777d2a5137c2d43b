"""Checking the prompts' and the resource's arguments: issue keys, Jira project keys, languages.

The parsers return `None` for a value they reject, so each caller raises the error its protocol
needs (an INVALID_PARAMS error for a prompt, a not-found error for a resource).
"""

from __future__ import annotations

import re
import unicodedata

from backlog_mcp.textfold import fold

__all__ = [
    "MAX_LANGUAGE_LENGTH",
    "blank_to_none",
    "jira_project_key",
    "language_label",
    "language_name",
    "language_tag",
]

# A language name lands in headings, a comment label and file names: one short line is plenty.
MAX_LANGUAGE_LENGTH = 40

_JIRA_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")  # BCP 47 shapes: vi, ja, pt-br, zh-hant
# Common names → ISO 639-1, so file names read `-translation-vi.md` as in the original.
_LANGUAGE_CODES = {
    "vietnamese": "vi",
    "tieng viet": "vi",
    "english": "en",
    "japanese": "ja",
    "日本語": "ja",
    "chinese": "zh",
    "中文": "zh",
    "korean": "ko",
    "한국어": "ko",
    "thai": "th",
    "indonesian": "id",
    "french": "fr",
    "german": "de",
    "spanish": "es",
    "portuguese": "pt",
}


def blank_to_none(value: str | None) -> str | None:
    """The value stripped, or None when it is missing or blank.

    Form-based clients send an empty string for an optional field the user left alone; that
    means "not given", not "given as nothing".
    """
    if value is None:
        return None
    return value.strip() or None


def jira_project_key(value: str) -> str | None:
    """`proj` → `PROJ`; None when it is not shaped like a Jira project key."""
    key = value.strip().upper()
    return key if _JIRA_PROJECT_KEY.match(key) else None


def language_name(value: str) -> str | None:
    """The language as given (stripped); None when it is longer than one short line."""
    name = value.strip()
    too_long = len(name) > MAX_LANGUAGE_LENGTH
    if not name or too_long or any(unicodedata.category(c).startswith("C") for c in name):
        return None
    return name


def language_tag(language: str) -> str:
    """A short lower-case tag for file names: `Vietnamese` → `vi`, `pt-BR` → `pt-br`, else a slug."""
    lowered = language.strip().lower()
    folded = fold(lowered)
    code = _LANGUAGE_CODES.get(lowered) or _LANGUAGE_CODES.get(folded)
    if code:
        return code
    if _LANGUAGE_CODE.match(lowered):
        return lowered
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return slug or "translated"


def language_label(language: str) -> str:
    """The Jira comment label for the translation: `Vietnamese` → `VI`."""
    return language_tag(language).upper()
