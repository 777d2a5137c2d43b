"""Quoting back what a caller sent, so it sees its mistake without its whole input again."""

from __future__ import annotations

import json

__all__ = ["ECHO_MAX_CHARS", "clip", "echo"]

# What a model sent is quoted back so it can see its mistake; a 100,000-character keyword quoted
# whole would only fill its context.
ECHO_MAX_CHARS = 80


def clip(text: str) -> str:
    """`text` as is when short, else its start and its full length."""
    if len(text) <= ECHO_MAX_CHARS:
        return text
    return _cut(text, f"{len(text)} characters")


def echo(value: object) -> str:
    """`value` as the caller wrote it, cut to about ECHO_MAX_CHARS with the full length said: every
    error that quotes what was given quotes it through this.

    Text keeps its quotes (`'open'`); anything else is spelt as JSON, since the caller sent JSON
    (`null`, `true`, `[1, null]`, not Python's `None` and `True`).
    """
    try:
        text = repr(value) if isinstance(value, str) else _as_json(value)
    except ValueError:  # an int past Python's 4,300-digit conversion limit
        return "a number too long to show"
    if len(text) <= ECHO_MAX_CHARS:
        return text
    return _cut(
        text, f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters as text"
    )


def _as_json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except TypeError:  # not a JSON value (a server-side default, say): Python's spelling will do
        return repr(value)
    except ValueError as exc:
        if "circular" in str(exc).lower() or isinstance(value, float):
            return repr(value)
        raise


def _cut(text: str, size: str) -> str:
    tail = f"… ({size})"
    return text[: ECHO_MAX_CHARS - len(tail)] + tail
