"""Paging in SQL: the one helper every list page uses, so no page reads more than it shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func

from portal.extensions import db


def keyset_page(query: Select, size: int, *, rows: bool = False) -> tuple[list, bool]:
    """The first `size` results of `query` and whether more follow.

    `query` is already ordered and filtered to start after the previous page's last key
    (keyset paging, fast at any depth); one more row than the page is read instead of a
    count. `rows=True` returns whole rows (several entities or columns), else scalars.
    """
    limited = query.limit(size + 1)
    found = list(db.session.execute(limited).all() if rows else db.session.scalars(limited))
    return found[:size], len(found) > size


@dataclass(frozen=True)
class NumberedPage:
    items: list
    number: int  # 1-based, within 1..pages
    pages: int
    total: int


def numbered_page(query: Select, number: int, size: int, *, rows: bool = False) -> NumberedPage:
    """Page `number` of an ordered `query` (LIMIT/OFFSET), with the count of every result.

    For pages that say "page 2 of 7" over a bounded set (one list's rows, an area's lists);
    a number past the end gives the last page, one before the first the first. The count
    keeps the query's FROM and WHERE but none of its columns, so a per-row subquery in
    them is computed for the page's rows only.
    """
    counting = query.order_by(None).with_only_columns(func.count(), maintain_column_froms=True)
    total = db.session.scalar(counting)
    pages = max(1, -(-total // size))
    number = min(max(number, 1), pages)
    limited = query.limit(size).offset((number - 1) * size)
    items = list(db.session.execute(limited).all() if rows else db.session.scalars(limited))
    return NumberedPage(items=items, number=number, pages=pages, total=total)
