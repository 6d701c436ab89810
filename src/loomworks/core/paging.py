"""Paging a list: one page of rows, how many the whole list holds, and where the next starts.

Every list the API and the console show is paged here, so they agree on what
a total means:

- **The total is exact up to a cap** (`settings.LIST_COUNT_CAP`, 10,000): counting
  stops at cap + 1 rows (`SELECT count(*) FROM (… LIMIT cap + 1)`), which costs a
  few milliseconds however long the list is. Past the cap the total is
  PostgreSQL's own estimate of the filtered list's rows (the planner's row
  estimate, read with `EXPLAIN`), and `total_is_estimate` says so; a reader
  shows it as "about N". SQLite has no estimate: its total stops at cap + 1.
- **Keyset paging** for deep pages: each page gives a `next_cursor` (opaque: the
  order's values of its last row), and the page after it is read from the index
  at that point instead of counting past every row before it (`offset`). The
  offset still works; a cursor only works for an order whose columns are never
  null and end with a unique one (then no row repeats or goes missing between
  pages, even when many rows share a creation time).
"""

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from loomworks.core.errors import InvalidInput

DEFAULT_COUNT_CAP = 10_000
# A list PostgreSQL estimates at more than this many times the cap is not counted at
# all: its estimates are rarely off by that much (1.3× too high on the benchmark's
# filters and searches at 1M runs), and counting 10,001 matches of a search reads
# 10,001 rows (100+ ms on a busy machine).
FAR_PAST_THE_CAP = 2


@dataclass(frozen=True)
class Page:
    """One page of read objects and how many rows the whole list holds.

    `count` is exact unless `total_is_estimate`; `next_cursor` reads the page
    after this one (None on the last page, or when the order cannot be keyset-paged).
    """

    items: tuple = ()
    count: int = 0
    limit: int = 20
    offset: int = 0
    total_is_estimate: bool = False
    next_cursor: str | None = None


# ---------------------------------------------------------------- totals


def count_cap() -> int:
    return int(getattr(settings, "LIST_COUNT_CAP", DEFAULT_COUNT_CAP))


class Total(NamedTuple):
    """How many rows; `is_estimate` when past the cap (then `count` is the planner's guess)."""

    count: int
    is_estimate: bool = False


def capped_count(queryset: QuerySet, *, cap: int | None = None) -> Total:
    """How many rows `queryset` holds: `(exact, False)` up to the cap, else `(estimate, True)`.

    The cap is `LIST_COUNT_CAP` unless given (the dashboard's short lists use a
    small one). Only the primary keys are counted, and the count stops at cap + 1
    rows. On PostgreSQL, once the table has statistics, the planner's estimate comes
    first: a list it puts far past the cap (`FAR_PAST_THE_CAP` times) is not counted.
    """
    cap = count_cap() if cap is None else cap
    keys = queryset.order_by().values("pk")
    estimate = None
    whole = table_rows(queryset)
    if whole is not None:
        estimate = whole if not keys.query.where else estimated_rows(keys)
        if estimate > FAR_PAST_THE_CAP * cap:
            return Total(estimate, True)
    counted = keys[: cap + 1].count()
    if counted <= cap:
        return Total(counted, False)
    if estimate is None:
        estimate = estimated_rows(keys)
    # More than the cap: the planner's estimate, never below what was counted.
    return Total(max(estimate or 0, counted), True)


def table_rows(queryset: QuerySet) -> int | None:
    """The rows of the queryset's table by PostgreSQL's statistics (`pg_class.reltuples`,
    kept by ANALYZE and autovacuum); None elsewhere or before the table was analysed."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] >= 0 else None


def estimated_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows `queryset` returns (`EXPLAIN`, nothing is run);
    None on a database that gives none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str | bytes):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# ---------------------------------------------------------------- keyset cursors


def _keyset_fields(queryset: QuerySet) -> list[tuple[str, bool]] | None:
    """The order of `queryset` as `(field, descending)` pairs when it can be keyset-paged:
    plain columns of the model, none nullable, the last one unique. Else None."""
    ordering = queryset.query.order_by
    if not ordering or not all(isinstance(item, str) for item in ordering):
        return None
    meta = queryset.model._meta
    fields = []
    for item in ordering:
        name = item.removeprefix("-")
        try:
            field = meta.pk if name == "pk" else meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False) or field.is_relation or field.null:
            return None
        fields.append((field.attname, item.startswith("-")))
    last = meta.get_field(fields[-1][0])
    if not (last.primary_key or last.unique):
        return None
    return fields


def _cursor_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def encode_cursor(row, fields: list[tuple[str, bool]]) -> str:
    values = [_cursor_value(getattr(row, name)) for name, _descending in fields]
    key = ",".join(("-" if descending else "") + name for name, descending in fields)
    text = json.dumps({"o": key, "v": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _bad_cursor() -> InvalidInput:
    return InvalidInput(
        "cursor",
        _("This cursor does not belong to this list; use the next_cursor of a page of it."),
    )


def decode_cursor(cursor: str, queryset: QuerySet, fields: list[tuple[str, bool]]) -> list:
    """The row values a cursor holds, converted to the columns' types; 422 when it does
    not come from a page of this list in this order."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeError):
        raise _bad_cursor() from None
    key = ",".join(("-" if descending else "") + name for name, descending in fields)
    if not isinstance(data, dict) or data.get("o") != key:
        raise _bad_cursor()
    values = data.get("v")
    if not isinstance(values, list) or len(values) != len(fields):
        raise _bad_cursor()
    meta = queryset.model._meta
    converted = []
    for (name, _descending), value in zip(fields, values, strict=True):
        if value is None or isinstance(value, dict | list):
            raise _bad_cursor()
        try:
            converted.append(meta.get_field(name).to_python(value))
        except (ValidationError, TypeError, ValueError):
            raise _bad_cursor() from None
    return converted


def after_cursor(queryset: QuerySet, fields: list[tuple[str, bool]], values: list) -> QuerySet:
    """The rows after the row holding `values`, in the order of `fields`.

    `(a, b, id) > (x, y, z)` spelled out column by column (each column may go
    either way), with the first column's bound repeated on its own so the index
    is read from that point on.
    """
    condition = None
    for (name, descending), value in reversed(list(zip(fields, values, strict=True))):
        beyond = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        condition = beyond if condition is None else beyond | (Q(**{name: value}) & condition)
    first, descending = fields[0]
    return queryset.filter(
        Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]}), condition
    )


# ---------------------------------------------------------------- a page


def rows_at(queryset: QuerySet, start: int, stop: int, *, count_from: QuerySet | None = None):
    """`queryset[start:stop]`, the page's keys read first when it starts further in:
    PostgreSQL computes every selected column (subqueries included) of each row an
    OFFSET skips, so page 50 of the run list cost 980 rows' worth of them."""
    if not start or not queryset.query.order_by:
        return list(queryset[start:stop])
    plain = queryset if count_from is None else count_from
    keys = plain.order_by(*queryset.query.order_by).values("pk")[start:stop]
    return list(queryset.filter(pk__in=keys))


def page_of(
    queryset: QuerySet,
    *,
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
    rows: Callable[[list], Iterable] = list,
    count_from: QuerySet | None = None,
) -> Page:
    """One page of the ordered `queryset`, its rows turned into read objects by `rows`.

    With a `cursor` the page starts after the row the cursor names (keyset);
    without, at `offset`. Two queries (the page and the capped count), three when
    the list is past the cap (the estimate). `count_from`: the same rows without
    what only the page needs (annotations that join other rows), for the count —
    PostgreSQL then counts from an index alone.
    """
    fields = _keyset_fields(queryset)
    if cursor:
        if offset:
            raise InvalidInput("cursor", _("Give either offset or cursor, not both."))
        if fields is None:
            raise InvalidInput("cursor", _("This list pages by offset only; leave cursor out."))
        fetched = list(
            after_cursor(queryset, fields, decode_cursor(cursor, queryset, fields))[: limit + 1]
        )
    else:
        fetched = rows_at(queryset, offset, offset + limit + 1, count_from=count_from)
    more, fetched = len(fetched) > limit, fetched[:limit]
    count, is_estimate = capped_count(queryset if count_from is None else count_from)
    return Page(
        items=tuple(rows(fetched)),
        count=count,
        limit=limit,
        offset=offset,
        total_is_estimate=is_estimate,
        next_cursor=encode_cursor(fetched[-1], fields) if more and fields else None,
    )


class CappedPaginator(Paginator):
    """Django's paginator (page numbers for the console) with the capped total:
    `count` is exact up to the cap, else an estimate, and `total_is_estimate` says which.
    `count_from` as for `page_of`."""

    def __init__(self, object_list, per_page, *args, count_from: QuerySet | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count_from = object_list if count_from is None else count_from

    def page(self, number):
        """Django's page, its rows read as `rows_at` reads them."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.total_is_estimate and top + self.orphans >= self.count:
            top = self.count
        rows = rows_at(self.object_list, bottom, top, count_from=self.count_from)
        return self._get_page(rows, number, self)

    @cached_property
    def _capped(self) -> tuple[int, bool]:
        return capped_count(self.count_from)

    @cached_property
    def count(self) -> int:
        return self._capped[0]

    @property
    def total_is_estimate(self) -> bool:
        return self._capped[1]

    count_is_estimate = total_is_estimate  # the console's templates say it so
