"""Text comparison that forgives case and accents, for matching what people type."""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def fold(text: str) -> str:
    """Case- and accent-insensitive form, so `nguyen` finds `Nguyễn` and `TANAKA` finds `tanaka`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
