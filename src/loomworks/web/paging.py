"""Page numbers for lists too long to count exactly."""

from functools import cached_property

from django.core.paginator import Paginator

from loomworks.core.counting import Total, capped_count


class EstimatingPaginator(Paginator):
    """A `Paginator` whose total is exact up to a cap, then PostgreSQL's estimate
    (`core.counting.capped_count`): the page says "about N" (`count_is_estimate`)."""

    @cached_property
    def total(self) -> Total:
        return capped_count(self.object_list)

    @cached_property
    def count(self) -> int:
        return self.total.count

    @property
    def count_is_estimate(self) -> bool:
        return self.total.is_estimate
