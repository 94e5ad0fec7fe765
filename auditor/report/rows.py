"""A model list whose items are built when they are read: the report's per-finding and per-exhibit blocks.

A case of 20,000 exchanges has 20,000 exhibits; holding each one's rendered request (headers, excerpts, values)
at once costs memory in proportion to the case. A Rows holds only what is needed to build item i, and builds it
each time it is read, so the annex can be rendered one block after another (auditor/report/render.py streams it
to its file) while the main report reads only its first blocks. Building is deterministic: reading an item twice
gives equal items, so the outputs stay byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

T = TypeVar("T")


class Rows(Sequence[T]):
    def __init__(self, count: int, build: Callable[[int], T]):
        self._count, self._build = count, build

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._build(i) for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._build(index)


def as_json(value: Any) -> Any:
    """json.dumps(default=...): a Rows is written as the list it stands for."""
    if isinstance(value, Rows):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
