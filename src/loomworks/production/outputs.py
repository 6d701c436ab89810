"""What runs made, as read objects both audiences share: output, deliveries and reworks.

Built for any number of fetched runs at once, in at most four queries whatever
their number, and none for runs that have nothing to show: a run's totals are
on its row (`produced_quantity`, `rejected_quantity`), a split run's come from
its parts in the run's own SELECT (`with_parts_output`), so only runs with a
delivery have their deliveries read (with their photos and the brand's reason
labels), and only runs with reworks (`has_reworks_flag`, `with_rework_flag`) those.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, IntegerField, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from loomworks.production.models import (
    Delivery,
    MediaFile,
    ProductionPolicy,
    ProductionRun,
    RunStatus,
)
from loomworks.production.read_models import CellOutput, DeliveryView, Output, RejectionLine
from loomworks.production.rejections import reason_label
from loomworks.production.run_records import media_view


@dataclass(frozen=True)
class OutputFacts:
    output: Output
    deliveries: tuple[DeliveryView, ...] = ()
    reworks: tuple[str, ...] = ()


def rejected_left_to_rework(run: ProductionRun) -> int:
    """The run's rejected pieces not yet in a rework run (cancelled reworks give theirs back)."""
    taken = (
        ProductionRun.objects.filter(rework_of_id=run.pk)
        .exclude(status=RunStatus.CANCELLED)
        .aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    return max(0, (run.rejected_quantity or 0) - taken)


def with_rework_flag(queryset: QuerySet[ProductionRun]) -> QuerySet[ProductionRun]:
    """Whether each run has reworks, in the same SELECT (no query of its own)."""
    return queryset.annotate(
        has_reworks_flag=Exists(ProductionRun.objects.filter(rework_of_id=OuterRef("pk")))
    )


def delivery_views(
    deliveries: Iterable[Delivery], *, reasons=None, photos: dict | None = None
) -> list[DeliveryView]:
    photos = photos or {}
    return [
        DeliveryView(
            id=delivery.pk,
            run_id=delivery.run_id,
            number=delivery.number,
            delivered_on=delivery.delivered_on,
            good=delivery.good,
            rejected=delivery.rejected,
            rejections=tuple(
                RejectionLine(
                    reason=line.get("reason", ""),
                    label=reason_label(line.get("reason", ""), reasons),
                    quantity=int(line.get("quantity") or 0),
                    note=line.get("note") or "",
                    size=line.get("size") or "",
                    color=line.get("color") or "",
                )
                for line in delivery.rejections or ()
                if isinstance(line, dict)
            ),
            size_quantities=tuple(delivery.size_quantities or ()),
            shortfall_reason=delivery.shortfall_reason,
            note=delivery.note,
            final=delivery.final,
            over_delivered=delivery.over_delivered,
            recorded_by=delivery.recorded_by_name,
            recorded_by_kind=delivery.recorded_by_kind,
            recorded_at=delivery.recorded_at,
            corrected_at=delivery.corrected_at,
            corrected_by=delivery.corrected_by_name,
            correction_reason=delivery.correction_reason,
            photos=tuple(media_view(media) for media in photos.get(delivery.pk, ())),
        )
        for delivery in deliveries
    ]


def _own_output(run: ProductionRun, deliveries: list[Delivery]) -> Output:
    delivered: dict[tuple[str, str], int] = defaultdict(int)
    for delivery in deliveries:
        for cell in delivery.size_quantities or ():
            delivered[(cell.get("size") or "", cell.get("color") or "")] += int(
                cell.get("quantity") or 0
            )
    cells = tuple(
        CellOutput(
            size=cell.get("size") or "",
            color=cell.get("color") or "",
            planned=int(cell.get("quantity") or 0),
            good=delivered.get((cell.get("size") or "", cell.get("color") or ""), 0),
        )
        for cell in getattr(run, "size_quantities", None) or ()
        if isinstance(cell, dict)
    )
    return Output(
        planned=run.quantity,
        good=run.produced_quantity or 0,
        rejected=run.rejected_quantity or 0,
        delivered=run.produced_quantity is not None,
        cells=cells,
    )


def with_parts_output(queryset: QuerySet[ProductionRun]) -> QuerySet[ProductionRun]:
    """A split run's output from its parts, in the same SELECT (no query of its own): the
    good pieces of its last step's parts, the rejected pieces of every part (cancelled
    parts left out), and whether the last step has delivered anything."""
    live_parts = ProductionRun.objects.filter(parent_id=OuterRef("pk")).exclude(
        status=RunStatus.CANCELLED
    )
    last_step = Subquery(
        ProductionRun.objects.filter(parent_id=OuterRef(OuterRef("pk")))
        .exclude(status=RunStatus.CANCELLED)
        .order_by()
        .values("parent_id")
        .annotate(last=Max(Coalesce("order_group", 1)))
        .values("last")
    )
    in_last_step = live_parts.annotate(step=Coalesce("order_group", 1)).filter(step=last_step)

    def total(parts, field):
        return Subquery(
            parts.order_by().values("parent_id").annotate(total=Sum(field)).values("total"),
            output_field=IntegerField(),
        )

    return queryset.annotate(
        parts_good=total(in_last_step, "produced_quantity"),
        parts_rejected=total(live_parts, "rejected_quantity"),
        parts_delivered=Exists(in_last_step.filter(produced_quantity__isnull=False)),
    )


def _parts_output(parent: ProductionRun) -> Output:
    """A split run made what its last step's parts delivered good; every step's parts
    may have rejected pieces (see `with_parts_output`)."""
    return Output(
        planned=parent.quantity,
        good=getattr(parent, "parts_good", None) or 0,
        rejected=getattr(parent, "parts_rejected", None) or 0,
        delivered=bool(getattr(parent, "parts_delivered", False)),
    )


def output_facts(
    runs: Iterable[ProductionRun], *, has_parts: dict[str, bool], reasons=None
) -> dict[str, OutputFacts]:
    """Output, deliveries (oldest first, with their photos) and rework ids of each run.

    `has_parts` says which runs are split (their output is their parts', annotated by
    `with_parts_output`); runs carry `has_reworks_flag` (`with_rework_flag`) or it is False.
    """
    runs = list(runs)
    delivered_ids = [run.pk for run in runs if run.produced_quantity is not None]
    deliveries: dict[str, list[Delivery]] = defaultdict(list)
    photos: dict[str, list[MediaFile]] = defaultdict(list)
    if delivered_ids:
        if reasons is None:
            reasons = (
                ProductionPolicy.objects.filter(pk=1)
                .values_list("rejection_reasons", flat=True)
                .first()
            )
        rows = list(Delivery.objects.filter(run_id__in=delivered_ids).order_by("run_id", "number"))
        for row in rows:
            deliveries[row.run_id].append(row)
        for media in MediaFile.objects.filter(delivery_id__in=[row.pk for row in rows]).order_by(
            "created_at", "id"
        ):
            photos[media.delivery_id].append(media)
    rework_parents = [run.pk for run in runs if getattr(run, "has_reworks_flag", False)]
    reworks: dict[str, list[str]] = defaultdict(list)
    if rework_parents:
        for pk, original in (
            ProductionRun.objects.filter(rework_of_id__in=rework_parents)
            .order_by("number")
            .values_list("pk", "rework_of_id")
        ):
            reworks[original].append(pk)
    facts = {}
    for run in runs:
        output = (
            _parts_output(run) if has_parts.get(run.pk) else _own_output(run, deliveries[run.pk])
        )
        facts[run.pk] = OutputFacts(
            output=output,
            deliveries=tuple(delivery_views(deliveries[run.pk], reasons=reasons, photos=photos)),
            reworks=tuple(reworks[run.pk]),
        )
    return facts
