"""Page numbers for lists too long to count exactly."""

from functools import cached_property

from django.core.paginator import Paginator

from loomworks.core.counting import Total, capped_count


class EstimatingPaginator(Paginator):
    """A `Paginator` whose total is exact up to a cap, then PostgreSQL's estimate
    (`core.counting.capped_count`): the page says "about N" (`count_is_estimate`).

    `counted` is the same rows without what only the page needs (annotations and
    their joins), so the count reads an index and nothing else.
    """

    def __init__(self, object_list, per_page, *, counted=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.counted = counted if counted is not None else object_list

    @cached_property
    def total(self) -> Total:
        return capped_count(self.counted)

    @cached_property
    def count(self) -> int:
        return self.total.count

    @property
    def count_is_estimate(self) -> bool:
        return self.total.is_estimate
