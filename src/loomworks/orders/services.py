"""Order intake from the store, and cancelling an order with the runs it made."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.catalog.models import Product, ProductVariant
from loomworks.core.actors import Actor
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.events.api import publish
from loomworks.integrations.audit import audit_record
from loomworks.integrations.events import ORDER_CANCELLED
from loomworks.orders.models import Order, OrderLine

# The largest quantity the integer columns hold on every database (see production).
MAX_QUANTITY = 2_147_483_647


@dataclass
class PlaceResult:
    order: Order
    created: bool


def _validate_lines(lines: Sequence[dict]) -> list[dict]:
    if not lines:
        raise InvalidInput("lines", _("An order needs at least one line."))
    cleaned, seen = [], set()
    for index, line in enumerate(lines):
        prefix = f"lines[{index}]"
        external_id = (line.get("external_id") or "").strip()
        if not external_id:
            raise InvalidInput(f"{prefix}.external_id", _("Each line needs the store's line id."))
        if external_id in seen:
            raise InvalidInput(
                f"{prefix}.external_id", _("Two lines share the id %(id)s.") % {"id": external_id}
            )
        seen.add(external_id)
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise InvalidInput(
                f"{prefix}.quantity", _("The quantity must be a whole number above zero.")
            )
        if quantity > MAX_QUANTITY:
            raise InvalidInput(
                f"{prefix}.quantity",
                _("The quantity must be at most %(max)s.") % {"max": MAX_QUANTITY},
            )
        variant = None
        if line.get("variant_id"):
            variant = (
                ProductVariant.objects.select_related("product")
                .filter(pk=line["variant_id"])
                .first()
            )
            if variant is None:
                raise InvalidInput(
                    f"{prefix}.variant_id",
                    _("Unknown variant: %(id)s.") % {"id": line["variant_id"]},
                )
        elif line.get("sku"):
            variant = (
                ProductVariant.objects.select_related("product").filter(sku=line["sku"]).first()
            )
        product = None
        if line.get("product_id"):
            product = Product.objects.filter(pk=line["product_id"]).first()
            if product is None:
                raise InvalidInput(
                    f"{prefix}.product_id",
                    _("Unknown product: %(id)s.") % {"id": line["product_id"]},
                )
        if product is None and variant is not None:
            product = variant.product
        cleaned.append(
            {
                "external_id": external_id,
                "quantity": quantity,
                "variant": variant,
                "product": product,
                "sku": line.get("sku") or (variant.sku if variant else ""),
                # From a store's SKU mapping: what to make, when no variant says it.
                "design": line.get("design"),
                "size": line.get("size") or "",
                "color": line.get("color") or "",
            }
        )
    return cleaned


def order_place(*, external_id: str, lines: Sequence[dict], actor: Actor) -> PlaceResult:
    """Record a store order once; the same store id again returns the existing order.

    Emits `order.placed`, whose subscriber makes one run per line with a design.
    """
    external_id = (external_id or "").strip()
    if not external_id:
        raise InvalidInput("external_id", _("Give the store's order id."))
    existing = Order.objects.filter(external_id=external_id).first()
    if existing:
        return PlaceResult(order=existing, created=False)
    cleaned = _validate_lines(lines)
    taken = (
        OrderLine.objects.select_related("order")
        .filter(external_id__in=[line["external_id"] for line in cleaned])
        .first()
    )
    if taken and taken.order.external_id == external_id:
        # A retry of this very order, recorded by another request between the
        # first look and this one: the same answer as if it had come later.
        return PlaceResult(order=taken.order, created=False)
    if taken:
        raise Conflict(
            _("The order line %(line)s belongs to order %(order)s already.")
            % {"line": taken.external_id, "order": taken.order.external_id}
        )
    try:
        with transaction.atomic():
            order = Order.objects.create(external_id=external_id)
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        external_id=line["external_id"],
                        product=line["product"],
                        variant=line["variant"],
                        sku=line["sku"],
                        design=line["design"],
                        size=line["size"],
                        color=line["color"],
                        quantity=line["quantity"],
                        position=index,
                    )
                    for index, line in enumerate(cleaned)
                ]
            )
            publish(
                "order.placed",
                {
                    "order_id": order.pk,
                    "external_id": order.external_id,
                    "actor": actor.as_payload(),
                },
                aggregate_type="order",
                aggregate_id=order.pk,
            )
    except IntegrityError:
        # Another request recorded the same store order a moment ago.
        existing = Order.objects.filter(external_id=external_id).first()
        if existing:
            return PlaceResult(order=existing, created=False)
        raise Conflict(_("One of these order lines was recorded already.")) from None
    return PlaceResult(order=order, created=True)


# ---------------------------------------------------------------- cancellation

# What became of each run of a cancelled order.
RUN_CANCELLED = "cancelled"  # not accepted yet: cancelled with the order
RUN_IN_WORK = "in_work"  # accepted: left for the admins to decide, and they are told
RUN_COMPLETED = "completed"  # made already
RUN_WAS_CANCELLED = "already_cancelled"

MAX_REASON = 2000


@dataclass
class RunOutcome:
    run: object  # ProductionRun
    outcome: str


@dataclass
class CancelOrderResult:
    order: Order
    runs: list[RunOutcome]
    changed: bool


def order_cancel(*, order: Order, actor: Actor, reason: str = "") -> CancelOrderResult:
    """Cancel the order: its runs not yet accepted are cancelled (with their parts and
    tasks, through the run's own cancel); runs already accepted stay as they are and
    the admins are told, to decide on them. Cancelling again changes nothing and
    answers what became of each run then.
    """
    from loomworks.production import services as production
    from loomworks.production.models import RunStatus

    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            "reason", _("The reason is at most %(max)s characters.") % {"max": MAX_REASON}
        )
    with transaction.atomic():
        # The order's row lock: the subscriber that makes its runs takes it too, so no
        # run is made for an order once it is cancelled.
        order = Order.objects.select_for_update().get(pk=order.pk)
        runs = list(order.runs.filter(parent__isnull=True).order_by("number"))
        if order.cancelled_at is not None:
            recorded = {
                entry["run_id"]: entry["outcome"] for entry in order.metadata.get("cancel", [])
            }
            return CancelOrderResult(
                order=order,
                runs=[
                    RunOutcome(run=run, outcome=recorded.get(run.pk, RUN_WAS_CANCELLED))
                    for run in runs
                ],
                changed=False,
            )
        run_reason = _("order %(order)s was cancelled") % {"order": order.external_id}
        if reason:
            run_reason = f"{run_reason}: {reason}"
        outcomes = []
        for run in runs:
            if run.status == RunStatus.COMPLETED:
                outcomes.append(RunOutcome(run=run, outcome=RUN_COMPLETED))
            elif run.status == RunStatus.CANCELLED:
                outcomes.append(RunOutcome(run=run, outcome=RUN_WAS_CANCELLED))
            elif run.status == RunStatus.IN_PROGRESS:
                outcomes.append(RunOutcome(run=run, outcome=RUN_IN_WORK))
            else:
                result = production.run_cancel(run=run, actor=actor, reason=run_reason)
                outcomes.append(RunOutcome(run=result.run, outcome=RUN_CANCELLED))
        summary = [
            {"run_id": o.run.pk, "reference": o.run.reference, "outcome": o.outcome}
            for o in outcomes
        ]
        order.cancelled_at = timezone.now()
        order.cancelled_reason = reason
        order.metadata = {**order.metadata, "cancel": summary}
        order.save(update_fields=["cancelled_at", "cancelled_reason", "metadata", "updated_at"])
        publish(
            ORDER_CANCELLED,
            {
                "order_id": order.pk,
                "external_id": order.external_id,
                "reason": reason,
                "runs": summary,
                "actor": actor.as_payload(),
            },
            aggregate_type="order",
            aggregate_id=order.pk,
        )
        audit_record(
            actor=actor,
            action="order.cancelled",
            target_type="order",
            target_id=order.pk,
            details={"reason": reason, "runs": summary},
        )
    return CancelOrderResult(order=order, runs=outcomes, changed=True)
