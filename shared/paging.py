"""A page of a listing and which page to show: plain models, so that use cases and queries
take them without importing the web framework."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class PageParams(BaseModel):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)

    def page(self, items: Sequence[T]) -> Page[T]:
        return self.page_of(list(self.window(items)), len(items))

    def window(self, items: Sequence[T]) -> Sequence[T]:
        """The part of `items` this page shows (to build only those)."""
        return items[self.offset : self.offset + self.limit]

    def page_of(self, window: list[T], total: int) -> Page[T]:
        following = self.offset + self.limit
        return Page[T](
            items=window,
            total=total,
            limit=self.limit,
            offset=self.offset,
            next_offset=following if following < total else None,
        )
