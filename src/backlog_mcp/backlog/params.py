"""Query-string encoding the way Backlog expects it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["ParamValue", "Params", "encode_params"]

Scalar = str | int | float | bool
ParamValue = Scalar | Sequence[int] | Sequence[str] | None
Params = Mapping[str, ParamValue]


def _text(value: Scalar) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    return str(value)


def encode_params(params: Params | None) -> list[tuple[str, str]]:
    """Drops `None`s and sends sequences as repeated `name[]=v` pairs (Backlog's multi-value form)."""
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, str | int | float | bool):
            pairs.append((name, _text(value)))
        else:
            pairs.extend((f"{name}[]", _text(item)) for item in value)
    return pairs
