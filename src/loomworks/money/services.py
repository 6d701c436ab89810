"""Every write about money: rates, run prices, the ledger, payments.

Each function takes an explicit `actor`, runs in one transaction, and leaves
an audit row (`core.audit`) naming who did it. Ledger entries are only ever
added: `entry_reverse` corrects a mistake with an entry of the opposite sign.
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import Conflict, InvalidInput, NotFound
from loomworks.core.ids import new_id
from loomworks.core.limits import MAX_TEXT
from loomworks.events.api import EventName, publish
from loomworks.money.amounts import as_text, clean_amount, clean_currency, rate_text, rounded
from loomworks.money.models import (
    AdjustmentKind,
    CostingPolicy,
    EntryKind,
    LedgerEntry,
    Payment,
    PriceSource,
    Rate,
    RateUnit,
    RunPrice,
)
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun, RunStatus
from loomworks.production.services import run_dispatch
from loomworks.work.models import Task, TaskTemplate

RATE_PLACES = 4
MAX_METHOD = 100
MAX_REFERENCE = 200


def _text(value, field: str, *, limit: int = MAX_TEXT, required: str = "") -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if len(value) > limit:
        raise InvalidInput(field, _("Write at most %(max)s characters here.") % {"max": limit})
    if required and not value:
        raise InvalidInput(field, required)
    return value


def _unit(value, field: str = "unit") -> str:
    if value not in RateUnit.values:
        raise InvalidInput(
            field, _("Choose the unit: %(units)s.") % {"units": ", ".join(RateUnit.values)}
        )
    return value


def _actor_fields(actor: Actor) -> dict:
    return {
        "actor_kind": "api_key" if actor.is_api_key else actor.kind,
        "actor_id": actor.user_id,
        "actor_name": actor.name,
    }


# ---------------------------------------------------------------- rates


@transaction.atomic
def rate_set(
    *,
    partner: Partner,
    actor: Actor,
    unit,
    amount,
    currency,
    task_template_id: str | None = None,
    role: str | None = None,
) -> Rate:
    """Set a line of the partner's rate card: for a task template, or for a role.

    Setting it again replaces the amount (the audit row keeps the one before).
    """
    template_id = (task_template_id or "").strip() if isinstance(task_template_id, str) else ""
    role = _text(role, "role", limit=100)
    if bool(template_id) == bool(role):
        raise InvalidInput(
            "task_template_id", _("Give either a task template or a role for this rate.")
        )
    template = None
    if template_id:
        template = TaskTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise InvalidInput(
                "task_template_id", _("No task template with id %(id)s.") % {"id": template_id}
            )
    unit = _unit(unit)
    currency = clean_currency(currency)
    amount = clean_amount(amount, "amount", places=RATE_PLACES)
    rate = (
        Rate.objects.select_for_update()
        .filter(partner=partner, task_template=template, role="" if template else role)
        .first()
    )
    before = (
        {
            "unit": rate.unit,
            "amount": rate_text(rate.amount, rate.currency),
            "currency": rate.currency,
        }
        if rate
        else None
    )
    if rate is None:
        rate = Rate(partner=partner, task_template=template, role="" if template else role)
    rate.unit, rate.amount, rate.currency = unit, amount, currency
    rate.save()
    audit_record(
        actor=actor,
        action="rate.set",
        target_type="partner",
        target_id=partner.pk,
        details={
            "rate_id": rate.pk,
            "task_template_id": template.pk if template else None,
            "role": rate.role,
            "before": before,
            "after": {"unit": unit, "amount": rate_text(amount, currency), "currency": currency},
        },
    )
    return rate


@transaction.atomic
def rate_delete(*, rate: Rate, actor: Actor) -> None:
    audit_record(
        actor=actor,
        action="rate.deleted",
        target_type="partner",
        target_id=rate.partner_id,
        details={
            "rate_id": rate.pk,
            "task_template_id": rate.task_template_id,
            "role": rate.role,
            "unit": rate.unit,
            "amount": rate_text(rate.amount, rate.currency),
            "currency": rate.currency,
        },
    )
    rate.delete()


def rate_for_run(run: ProductionRun) -> Rate | None:
    """The partner's rate for the run: its first task template with a rate, else its role's."""
    if run.partner_id is None:
        return None
    template_ids = list(
        Task.objects.filter(run_id=run.pk, parent__isnull=True, template__isnull=False)
        .order_by("position", "created_at")
        .values_list("template_id", flat=True)
    )
    template_ids = template_ids or list(run.planned_template_ids or [])
    rates = {
        rate.task_template_id: rate
        for rate in Rate.objects.filter(
            partner_id=run.partner_id, task_template_id__in=template_ids
        )
    }
    for template_id in template_ids:
        if template_id in rates:
            return rates[template_id]
    if run.role:
        return Rate.objects.filter(
            partner_id=run.partner_id, task_template__isnull=True, role=run.role
        ).first()
    return None


# ---------------------------------------------------------------- a run's price


def clean_price(price: Mapping | None, field: str = "price") -> dict | None:
    """A price given at dispatch: `{"unit", "amount", "currency"}`."""
    if price is None:
        return None
    if not isinstance(price, Mapping):
        raise InvalidInput(field, _("Give the price as a unit, an amount and a currency."))
    unit = _unit(price.get("unit"), f"{field}.unit")
    currency = clean_currency(price.get("currency"), f"{field}.currency")
    amount = clean_amount(price.get("amount"), f"{field}.amount", places=RATE_PLACES)
    return {"unit": unit, "amount": amount, "currency": currency}


def _price_audit(price: RunPrice) -> dict:
    return {
        "partner_id": price.partner_id,
        "unit": price.unit,
        "amount": rate_text(price.amount, price.currency),
        "currency": price.currency,
        "source": price.source,
    }


def price_propose(
    *, run: ProductionRun, actor: Actor, price: Mapping | None = None
) -> RunPrice | None:
    """Propose the run's price to its partner: `price` when given, else its rate card's.

    A price the partner already accepted is kept (it changes by adjustments
    only); a price given at dispatch is not replaced by the rate card's. A run
    moved to another partner gets that partner's price.
    """
    given = clean_price(price)
    with transaction.atomic():
        current = ProductionRun.objects.select_for_update().get(pk=run.pk)
        if current.partner_id is None:
            return None
        existing = RunPrice.objects.filter(run_id=current.pk).first()
        if existing is not None and existing.partner_id == current.partner_id:
            if existing.fixed_at is not None:
                if given:
                    raise Conflict(
                        _(
                            "%(ref)s's price was accepted by its partner; "
                            "change it with an adjustment."
                        )
                        % {"ref": current.reference}
                    )
                return existing
            if not given and existing.source == PriceSource.DISPATCH:
                return existing
        rate = None
        if given is None:
            rate = rate_for_run(current)
            if rate is None:
                return existing if existing and existing.partner_id == current.partner_id else None
            given = {"unit": rate.unit, "amount": rate.amount, "currency": rate.currency}
        before = _price_audit(existing) if existing else None
        if existing is None:
            existing = RunPrice(run=current)
        existing.partner_id = current.partner_id
        existing.unit = given["unit"]
        existing.amount = given["amount"]
        existing.currency = given["currency"]
        existing.source = PriceSource.RATE if rate else PriceSource.DISPATCH
        existing.rate = rate
        existing.proposed_at = timezone.now()
        existing.fixed_at = None
        if before is not None and before == _price_audit(existing):
            return existing
        existing.save()
        audit_record(
            actor=actor,
            action="run_price.proposed",
            target_type="production_run",
            target_id=current.pk,
            details={"before": before, "after": _price_audit(existing)},
        )
        return existing


@transaction.atomic
def run_dispatch_priced(
    *, run: ProductionRun, template_ids, actor: Actor, price: Mapping | None = None
):
    """Dispatch a run (production's service) and propose its price in the same transaction."""
    given = clean_price(price)
    result = run_dispatch(run=run, template_ids=template_ids, actor=actor)
    price_propose(run=result.run, actor=actor, price=given)
    return result


def price_fix(*, run_id: str, actor: Actor | None = None) -> RunPrice | None:
    """Fix the run's price once its partner has accepted the run (idempotent)."""
    with transaction.atomic():
        run = ProductionRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.partner_id is None or run.accepted_at is None:
            return None
        price = RunPrice.objects.filter(run_id=run_id).first()
        if price is None or price.partner_id != run.partner_id:
            price = price_propose(run=run, actor=actor or Actor.system())
        if price is None or price.fixed_at is not None:
            return price
        price.fixed_at = run.accepted_at
        price.save(update_fields=["fixed_at"])
        audit_record(
            actor=actor or Actor.system(),
            action="run_price.fixed",
            target_type="production_run",
            target_id=run.pk,
            details=_price_audit(price),
        )
        return price


# ---------------------------------------------------------------- the ledger


def paid_pieces(run: ProductionRun, *, pay_rejected: bool) -> int:
    """The pieces a run is paid for: its good ones (and rejected ones if the policy says so).

    A run that completed without any delivery recorded (its tasks were done)
    counts its quantity as made.
    """
    if run.produced_quantity is None:
        return run.quantity if run.status == RunStatus.COMPLETED else 0
    return run.produced_quantity + ((run.rejected_quantity or 0) if pay_rejected else 0)


def earned_amount(price: RunPrice, pieces: int) -> Decimal:
    if price.unit == RateUnit.RUN:
        return rounded(price.amount, price.currency)
    return rounded(price.amount * pieces, price.currency)


def _add_entry(**fields) -> LedgerEntry | None:
    """Insert an entry whose `key` is unique; None when one with the key exists already."""
    if LedgerEntry.objects.filter(key=fields["key"]).exists():
        return None
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(**fields)
    except IntegrityError:
        # Another worker wrote the same key a moment ago: that one counts.
        if LedgerEntry.objects.filter(key=fields["key"]).exists():
            return None
        raise


def _add_reversal(entry: LedgerEntry, *, description: str, actor: Actor) -> LedgerEntry | None:
    """The entry of the opposite amount that undoes `entry`, dated today; None when
    `entry` was reversed already (one reversal per entry, by its key)."""
    return _add_entry(
        key=f"reversal:{entry.pk}",
        partner_id=entry.partner_id,
        kind=EntryKind.REVERSAL,
        subkind=entry.kind,
        amount=-entry.amount,
        currency=entry.currency,
        occurred_on=timezone.localdate(),
        run_id=entry.run_id,
        reversal_of=entry,
        description=description,
        **_actor_fields(actor),
    )


def _entry_payload(entry: LedgerEntry) -> dict:
    return {
        "entry_id": entry.pk,
        "partner_id": entry.partner_id,
        "kind": entry.kind,
        "amount": as_text(entry.amount, entry.currency),
        "currency": entry.currency,
        "run_id": entry.run_id,
        "occurred_on": entry.occurred_on.isoformat(),
    }


def earn_for_run(*, run_id: str) -> LedgerEntry | None:
    """The partner earns its price for a completed run: one entry, whatever the retries.

    A split run earns nothing itself (its parts do); a run without a partner
    or a price earns nothing (the admin adds an adjustment).
    """
    with transaction.atomic():
        run = ProductionRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != RunStatus.COMPLETED or run.partner_id is None:
            return None
        if ProductionRun.objects.filter(parent_id=run.pk).exists():
            return None
        if LedgerEntry.objects.filter(key=f"earned:{run.pk}").exists():
            return None
        price = RunPrice.objects.filter(run_id=run.pk, partner_id=run.partner_id).first()
        if price is None:
            price = price_propose(run=run, actor=Actor.system())
        if price is None:
            return None
        pay_rejected = CostingPolicy.current().pay_rejected
        pieces = paid_pieces(run, pay_rejected=pay_rejected)
        amount = earned_amount(price, pieces)
        completed_on = timezone.localdate(run.completed_at) if run.completed_at else None
        entry = _add_entry(
            key=f"earned:{run.pk}",
            partner_id=run.partner_id,
            kind=EntryKind.EARNED,
            amount=amount,
            currency=price.currency,
            occurred_on=completed_on or timezone.localdate(),
            run=run,
            description=run.reference,
            details={
                "pieces": pieces if price.unit == RateUnit.PIECE else None,
                "good": run.produced_quantity,
                "rejected": run.rejected_quantity,
                "rejected_paid": pay_rejected,
                "unit": price.unit,
                "price": rate_text(price.amount, price.currency),
            },
            actor_kind=Actor.SYSTEM,
            actor_name=str(Actor.system().name),
        )
        if entry is None:
            return None
        audit_record(
            actor=Actor.system(),
            action="ledger.earned",
            target_type="partner",
            target_id=run.partner_id,
            details=_entry_payload(entry),
        )
        publish(
            EventName.PAYABLE_EARNED,
            _entry_payload(entry),
            aggregate_type="partner",
            aggregate_id=run.partner_id,
        )
        return entry


def earn_again_after_correction(*, run_id: str, event_id: str) -> LedgerEntry | None:
    """A completed run's delivery was corrected: if what it earns changed, reverse the
    earned entry and earn the new amount (keys make a second delivery a no-op)."""
    with transaction.atomic():
        run = ProductionRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != RunStatus.COMPLETED or run.partner_id is None:
            return None
        current = (
            LedgerEntry.objects.filter(
                run_id=run.pk, kind=EntryKind.EARNED, reversed_by__isnull=True
            )
            .order_by("-created_at")
            .first()
        )
        price = RunPrice.objects.filter(run_id=run.pk, partner_id=run.partner_id).first()
        if current is None or price is None or price.unit != RateUnit.PIECE:
            return None
        pay_rejected = CostingPolicy.current().pay_rejected
        pieces = paid_pieces(run, pay_rejected=pay_rejected)
        amount = earned_amount(price, pieces)
        if amount == current.amount and price.currency == current.currency:
            return None
        system = Actor.system()
        reversal = _add_reversal(
            current,
            description=_("%(ref)s: a delivery was corrected") % {"ref": run.reference},
            actor=system,
        )
        if reversal is None:
            return None
        entry = _add_entry(
            key=f"earned:{run.pk}:{event_id}",
            partner_id=run.partner_id,
            kind=EntryKind.EARNED,
            amount=amount,
            currency=price.currency,
            occurred_on=timezone.localdate(),
            run=run,
            description=run.reference,
            details={
                "pieces": pieces,
                "good": run.produced_quantity,
                "rejected": run.rejected_quantity,
                "rejected_paid": pay_rejected,
                "unit": price.unit,
                "price": rate_text(price.amount, price.currency),
                "corrects": current.pk,
            },
            actor_kind=Actor.SYSTEM,
            actor_name=str(system.name),
        )
        audit_record(
            actor=system,
            action="ledger.earned_again",
            target_type="partner",
            target_id=run.partner_id,
            details={**_entry_payload(entry), "reversed": current.pk},
        )
        publish(
            EventName.PAYABLE_EARNED,
            _entry_payload(entry),
            aggregate_type="partner",
            aggregate_id=run.partner_id,
        )
        return entry


@transaction.atomic
def adjustment_record(
    *,
    partner: Partner,
    actor: Actor,
    kind,
    amount,
    currency,
    reason,
    run: ProductionRun | None = None,
    occurred_on: datetime.date | None = None,
) -> LedgerEntry:
    """A bonus or a deduction on the partner's ledger, with its reason (and run)."""
    if kind not in AdjustmentKind.values:
        raise InvalidInput(
            "kind",
            _("Choose the kind: %(kinds)s.") % {"kinds": ", ".join(AdjustmentKind.values)},
        )
    currency = clean_currency(currency)
    amount = clean_amount(amount, "amount", currency=currency, positive=True)
    reason = _text(reason, "reason", required=_("Say why."))
    if run is not None and run.partner_id != partner.pk:
        raise InvalidInput(
            "run_id",
            _("%(ref)s is not %(partner)s's run.")
            % {"ref": run.reference, "partner": partner.name},
        )
    signed = amount if kind == AdjustmentKind.BONUS else -amount
    entry = LedgerEntry.objects.create(
        key=f"adjustment:{new_id('adj')}",
        partner=partner,
        kind=EntryKind.ADJUSTMENT,
        subkind=kind,
        amount=signed,
        currency=currency,
        occurred_on=occurred_on or timezone.localdate(),
        run=run,
        description=reason,
        **_actor_fields(actor),
    )
    audit_record(
        actor=actor,
        action="ledger.adjustment",
        target_type="partner",
        target_id=partner.pk,
        details={**_entry_payload(entry), "subkind": kind, "reason": reason},
    )
    return entry


def _paid_on(value) -> datetime.date:
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime.date):
        raise InvalidInput("paid_on", _("Give a date like 2027-04-03."))
    if value > timezone.localdate():
        raise InvalidInput("paid_on", _("A payment cannot be dated in the future."))
    return value


@transaction.atomic
def payment_record(
    *,
    partner: Partner,
    actor: Actor,
    amount,
    currency,
    paid_on,
    method,
    reference="",
) -> Payment:
    """An admin records money paid to the partner; its ledger entry pays the balance down."""
    currency = clean_currency(currency)
    amount = clean_amount(amount, "amount", currency=currency, positive=True)
    day = _paid_on(paid_on)
    method = _text(method, "method", limit=MAX_METHOD, required=_("Say how it was paid."))
    reference = _text(reference, "reference", limit=MAX_REFERENCE)
    payment = Payment.objects.create(
        partner=partner,
        amount=amount,
        currency=currency,
        paid_on=day,
        method=method,
        reference=reference,
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.name,
    )
    entry = LedgerEntry.objects.create(
        key=f"payment:{payment.pk}",
        partner=partner,
        kind=EntryKind.PAYMENT,
        amount=-amount,
        currency=currency,
        occurred_on=day,
        payment=payment,
        description=" ".join(part for part in (method, reference) if part),
        details={"method": method, "reference": reference},
        **_actor_fields(actor),
    )
    payload = {
        "payment_id": payment.pk,
        "partner_id": partner.pk,
        "amount": as_text(amount, currency),
        "currency": currency,
        "paid_on": day.isoformat(),
        "method": method,
        "reference": reference,
        "entry_id": entry.pk,
    }
    audit_record(
        actor=actor,
        action="payment.recorded",
        target_type="partner",
        target_id=partner.pk,
        details=payload,
    )
    publish(EventName.PAYMENT_RECORDED, payload, aggregate_type="partner", aggregate_id=partner.pk)
    return payment


@transaction.atomic
def entry_reverse(*, entry: LedgerEntry, actor: Actor, reason) -> LedgerEntry:
    """Undo a mistaken entry with one of the opposite amount (once per entry)."""
    reason = _text(reason, "reason", required=_("Say why the entry is reversed."))
    if entry.kind == EntryKind.REVERSAL:
        raise Conflict(_("A reversing entry cannot itself be reversed; add a new entry."))
    reversal = _add_reversal(entry, description=reason, actor=actor)
    if reversal is None:
        raise Conflict(_("This entry was reversed already."))
    audit_record(
        actor=actor,
        action="ledger.reversed",
        target_type="partner",
        target_id=entry.partner_id,
        details={**_entry_payload(reversal), "reversal_of": entry.pk, "reason": reason},
    )
    return reversal


def entry_for_partner(*, partner: Partner, entry_id: str) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(partner=partner, pk=entry_id).first()
    if entry is None:
        raise NotFound(_("No ledger entry with id %(id)s.") % {"id": entry_id})
    return entry


@transaction.atomic
def policy_update(*, actor: Actor, pay_rejected: bool) -> CostingPolicy:
    policy = CostingPolicy.current()
    before = policy.pay_rejected
    policy.pay_rejected = bool(pay_rejected)
    policy.save()
    audit_record(
        actor=actor,
        action="costing_policy.updated",
        target_type="costing_policy",
        target_id="1",
        details={"pay_rejected": {"before": before, "after": policy.pay_rejected}},
    )
    return policy
