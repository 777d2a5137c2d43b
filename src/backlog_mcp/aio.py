"""Small structured-concurrency helpers on anyio."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar, overload

import anyio

__all__ = ["gather"]

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


@overload
async def gather(a: Awaitable[A], b: Awaitable[B], /) -> tuple[A, B]: ...
@overload
async def gather(a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], /) -> tuple[A, B, C]: ...
@overload
async def gather(*aws: Awaitable[A]) -> tuple[A, ...]: ...


async def gather(*aws: Awaitable[Any]) -> tuple[Any, ...]:
    """Awaits all concurrently and returns their results in order; the first failure cancels the rest."""
    results: list[Any] = [None] * len(aws)

    async def run(index: int, aw: Awaitable[Any]) -> None:
        results[index] = await aw

    try:
        async with anyio.create_task_group() as group:
            for index, aw in enumerate(aws):
                group.start_soon(run, index, aw)
    except BaseExceptionGroup as failures:
        # Callers catch one error type, not a group: surface the first real failure.
        raise _first(failures) from None
    return tuple(results)


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first
