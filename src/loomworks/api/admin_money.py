"""`/api/admin`: rate cards, the payables ledger, payments, statements, the costing policy.

Admins only (API keys with the `payables:read` / `payments:write` scopes).
Each write calls one service of `loomworks.money`, which checks the input
(422 naming the field), writes in one transaction and leaves an audit row.
"""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from loomworks.api.admin_schemas import BODY_ERRORS, ExportFormat, PathId, responses
from loomworks.api.money_schemas import (
    AdjustmentIn,
    CostingPolicyIn,
    CostingPolicyOut,
    EntryEnvelope,
    LedgerOut,
    LedgerQuery,
    PaymentEnvelope,
    PaymentIn,
    RateEnvelope,
    RateIn,
    RateList,
    ReverseIn,
    StatementEnvelope,
    StatementExportQuery,
    StatementQuery,
    balances_out,
    entry_out,
    payment_out,
    rate_out,
    statement_out,
)
from loomworks.api.schemas import EXPORT_OPENAPI
from loomworks.core.errors import InvalidInput, NotFound
from loomworks.core.exports import export_response
from loomworks.money import selectors, services
from loomworks.money.exports import ledger_export, statement_export
from loomworks.money.models import CostingPolicy, Rate
from loomworks.partners import selectors as partner_selectors
from loomworks.production.models import ProductionRun

router = Router(tags=["admin: costs and payables"])

WRITE_ERRORS = (*BODY_ERRORS, 404)


def check_period(query: StatementQuery) -> tuple[datetime.date, datetime.date]:
    """The period asked for; without dates, this month up to today."""
    end = query.end or timezone.localdate()
    start = query.start or end.replace(day=1)
    if end < start:
        raise InvalidInput("to", _("The period ends before it starts."))
    if (end - start).days > 366 * 5:
        raise InvalidInput("to", _("Ask for at most five years at a time."))
    return start, end


def _entry(entry_id: str, partner) -> dict:
    [view] = [e for e in selectors.ledger_entries(partner.pk, [entry_id])]
    return entry_out(view)


@router.get("/partners/{partner_id}/rates", response=responses({200: RateList}, 404))
def rate_list(request: HttpRequest, partner_id: PathId):
    """The partner's rate card: per task template or role, per piece or per run."""
    partner = partner_selectors.partner_get(partner_id)
    return {"rates": [rate_out(rate) for rate in selectors.rates_of(partner)]}


@router.post("/partners/{partner_id}/rates", response=responses({201: RateEnvelope}, *WRITE_ERRORS))
def rate_set(request: HttpRequest, partner_id: PathId, payload: RateIn):
    """Set a line of the rate card (for a task template, or a role); setting it again
    replaces the amount. Runs sent afterwards are proposed this price."""
    partner = partner_selectors.partner_get(partner_id)
    rate = services.rate_set(partner=partner, actor=request.actor, **payload.dict())
    rate = Rate.objects.select_related("task_template").get(pk=rate.pk)
    return Status(201, {"rate": rate_out(rate)})


@router.delete("/partners/{partner_id}/rates/{rate_id}", response=responses({204: None}, 404))
def rate_delete(request: HttpRequest, partner_id: PathId, rate_id: PathId):
    partner = partner_selectors.partner_get(partner_id)
    rate = Rate.objects.filter(partner=partner, pk=rate_id).first()
    if rate is None:
        raise NotFound(_("No rate with id %(id)s.") % {"id": rate_id})
    services.rate_delete(rate=rate, actor=request.actor)
    return Status(204, None)


@router.get("/partners/{partner_id}/ledger", response=responses({200: LedgerOut}, 404, 422))
def ledger(request: HttpRequest, partner_id: PathId, page: Query[LedgerQuery]):
    """The partner's ledger, newest first, and what the brand owes it now per currency."""
    partner = partner_selectors.partner_get(partner_id)
    entries, count = selectors.ledger_page(partner.pk, limit=page.limit, offset=page.offset)
    return {
        "entries": [entry_out(entry) for entry in entries],
        "balances": balances_out(selectors.balances(partner.pk)),
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
    }


@router.post(
    "/partners/{partner_id}/payments", response=responses({201: PaymentEnvelope}, *WRITE_ERRORS)
)
def payment_record(request: HttpRequest, partner_id: PathId, payload: PaymentIn):
    """Record money paid to the partner: it pays the balance in its currency down, and the
    partner's members are told (`payment.recorded`)."""
    partner = partner_selectors.partner_get(partner_id)
    payment = services.payment_record(partner=partner, actor=request.actor, **payload.dict())
    return Status(
        201,
        {"payment": payment_out(payment), "balances": balances_out(selectors.balances(partner.pk))},
    )


@router.post(
    "/partners/{partner_id}/adjustments",
    response=responses({201: EntryEnvelope}, *WRITE_ERRORS),
)
def adjustment_record(request: HttpRequest, partner_id: PathId, payload: AdjustmentIn):
    """A bonus or a deduction, with its reason (and the run it concerns)."""
    partner = partner_selectors.partner_get(partner_id)
    run = None
    if payload.run_id:
        run = ProductionRun.objects.filter(pk=payload.run_id).first()
        if run is None:
            raise InvalidInput(
                "run_id", _("No production run with id %(id)s.") % {"id": payload.run_id}
            )
    entry = services.adjustment_record(
        partner=partner,
        actor=request.actor,
        kind=payload.kind,
        amount=payload.amount,
        currency=payload.currency,
        reason=payload.reason,
        run=run,
    )
    return Status(201, {"entry": _entry(entry.pk, partner)})


@router.post(
    "/partners/{partner_id}/ledger/{entry_id}/reverse",
    response=responses({201: EntryEnvelope}, *WRITE_ERRORS, 409),
)
def entry_reverse(request: HttpRequest, partner_id: PathId, entry_id: PathId, payload: ReverseIn):
    """Correct a mistaken entry with one of the opposite amount (once per entry)."""
    partner = partner_selectors.partner_get(partner_id)
    entry = services.entry_for_partner(partner=partner, entry_id=entry_id)
    reversal = services.entry_reverse(entry=entry, actor=request.actor, reason=payload.reason)
    return Status(201, {"entry": _entry(reversal.pk, partner)})


@router.get(
    "/partners/{partner_id}/ledger/export",
    response=responses({200: None}, 404, 422),
    openapi_extra=EXPORT_OPENAPI,
)
def ledger_export_file(request: HttpRequest, partner_id: PathId, query: Query[ExportFormat]):
    """The partner's whole ledger, oldest first, as CSV (streamed) or XLSX; amounts as
    decimals in the currency's minor units, the currency in a column of its own."""
    partner = partner_selectors.partner_get(partner_id)
    return export_response(ledger_export(partner), file_format=query.format, bom=query.bom)


@router.get(
    "/partners/{partner_id}/statement/export",
    response=responses({200: None}, 404, 422),
    openapi_extra=EXPORT_OPENAPI,
)
def statement_export_file(
    request: HttpRequest, partner_id: PathId, query: Query[StatementExportQuery]
):
    """The statement for a period (`from`, `to` as for the statement) as CSV or XLSX: per
    currency its opening balance, the period's entries and its closing balance."""
    start, end = check_period(query)
    partner = partner_selectors.partner_get(partner_id)
    result = selectors.statement(partner.pk, start=start, end=end)
    return export_response(
        statement_export(partner, result), file_format=query.format, bom=query.bom
    )


@router.get(
    "/partners/{partner_id}/statement",
    response=responses({200: StatementEnvelope}, 404, 422),
    by_alias=True,
)
def statement(request: HttpRequest, partner_id: PathId, period: Query[StatementQuery]):
    """The partner's statement for a period: per currency, what was owed before it
    (`opening`), its entries, and what is owed at its end (`closing`)."""
    start, end = check_period(period)
    partner = partner_selectors.partner_get(partner_id)
    result = selectors.statement(partner.pk, start=start, end=end)
    return {"statement": statement_out(result)}


@router.get("/costing-policy", response=responses({200: CostingPolicyOut}))
def costing_policy(request: HttpRequest):
    """Whether rejected pieces are paid like good ones (by default they are not)."""
    return {"pay_rejected": CostingPolicy.current().pay_rejected}


@router.put("/costing-policy", response=responses({200: CostingPolicyOut}, *BODY_ERRORS))
def costing_policy_update(request: HttpRequest, payload: CostingPolicyIn):
    policy = services.policy_update(actor=request.actor, pay_rejected=payload.pay_rejected)
    return {"pay_rejected": policy.pay_rejected}
