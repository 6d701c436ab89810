"""A partner's money: its rate card, ledger, payments and statements.

Each POST calls one service of `loomworks.money`; a refusal comes back beside
the field it names (the form is shown again, nothing written), never a 500.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loomworks.core.errors import Conflict, InvalidInput, NotFound
from loomworks.core.numbers import format_money
from loomworks.money import selectors, services
from loomworks.money.exports import ledger_export, statement_export
from loomworks.money.models import Rate
from loomworks.partners.models import Partner
from loomworks.web.console.forms import apply_error
from loomworks.web.console.money_forms import AdjustmentForm, PaymentForm, RateForm, ReverseForm
from loomworks.web.console.views.common import (
    actor_for,
    admin_required,
    render_console,
    render_not_found,
)
from loomworks.web.exports import download, export_links
from loomworks.web.forms import PeriodForm

ENTRIES_ON_THE_PAGE = 50


def _partner(partner_id: str) -> Partner | None:
    return Partner.objects.filter(pk=partner_id).first()


def _money_url(partner: Partner, anchor: str = "") -> str:
    return reverse("console:partner_money", args=[partner.pk]) + (f"#{anchor}" if anchor else "")


def _render_money(request, partner: Partner, *, status: int = 200, **forms):
    entries, count = selectors.ledger_page(partner.pk, limit=ENTRIES_ON_THE_PAGE, offset=0)
    context = {
        "partner": partner,
        "ledger_export_links": export_links(
            reverse("console:partner_ledger_export", args=[partner.pk])
        ),
        "rates": selectors.rates_of(partner),
        "balances": selectors.balances(partner.pk),
        "entries": entries,
        "entry_count": count,
        "rate_form": forms.get("rate_form") or RateForm(prefix="rate"),
        "payment_form": forms.get("payment_form") or PaymentForm(prefix="payment"),
        "adjustment_form": forms.get("adjustment_form") or AdjustmentForm(prefix="adjustment"),
        "statement_url": reverse("console:partner_statement", args=[partner.pk]),
    }
    return render_console(
        request, "console/partners/money.html", context, section="partners", status=status
    )


@admin_required
def partner_money(request, partner_id):
    partner = _partner(partner_id)
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    return _render_money(request, partner)


def _amount_text(data) -> str:
    return format(data["amount"], "f")


@admin_required
@require_POST
def rate_set(request, partner_id):
    partner = _partner(partner_id)
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    form = RateForm(request.POST, prefix="rate")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rate_set(
                partner=partner,
                actor=actor_for(request),
                task_template_id=data["task_template"].pk if data["task_template"] else None,
                role=data["role"],
                unit=data["unit"],
                amount=_amount_text(data),
                currency=data["currency"],
            )
        except InvalidInput as error:
            apply_error(form, error, {"task_template_id": "task_template"})
        else:
            messages.success(request, _("The rate is saved."))
            return redirect(_money_url(partner, "rates"))
    return _render_money(request, partner, rate_form=form, status=422)


@admin_required
@require_POST
def rate_delete(request, partner_id, rate_id):
    partner = _partner(partner_id)
    rate = Rate.objects.filter(partner=partner, pk=rate_id).first() if partner else None
    if rate is None:
        return render_not_found(request, _("There is no such rate."))
    services.rate_delete(rate=rate, actor=actor_for(request))
    messages.success(request, _("The rate is removed."))
    return redirect(_money_url(partner, "rates"))


@admin_required
@require_POST
def payment_record(request, partner_id):
    partner = _partner(partner_id)
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    form = PaymentForm(request.POST, prefix="payment")
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.payment_record(
                partner=partner,
                actor=actor_for(request),
                amount=_amount_text(data),
                currency=data["currency"],
                paid_on=data["paid_on"],
                method=data["method"],
                reference=data["reference"],
            )
        except InvalidInput as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                _("The payment of %(amount)s is recorded; %(partner)s is told.")
                % {
                    "amount": format_money(payment.amount, payment.currency),
                    "partner": partner.name,
                },
            )
            return redirect(_money_url(partner, "ledger"))
    return _render_money(request, partner, payment_form=form, status=422)


@admin_required
@require_POST
def adjustment_record(request, partner_id):
    partner = _partner(partner_id)
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    form = AdjustmentForm(request.POST, prefix="adjustment")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.adjustment_record(
                partner=partner,
                actor=actor_for(request),
                kind=data["kind"],
                amount=_amount_text(data),
                currency=data["currency"],
                reason=data["reason"],
            )
        except InvalidInput as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The adjustment is on the ledger."))
            return redirect(_money_url(partner, "ledger"))
    return _render_money(request, partner, adjustment_form=form, status=422)


@admin_required
@require_POST
def entry_reverse(request, partner_id, entry_id):
    partner = _partner(partner_id)
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    try:
        entry = services.entry_for_partner(partner=partner, entry_id=entry_id)
    except NotFound:
        return render_not_found(request, _("There is no such ledger entry."))
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the entry is reversed."))
        return redirect(_money_url(partner, "ledger"))
    try:
        services.entry_reverse(
            entry=entry, actor=actor_for(request), reason=form.cleaned_data["reason"]
        )
    except (InvalidInput, Conflict) as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The entry is reversed."))
    return redirect(_money_url(partner, "ledger"))


@admin_required
def partner_ledger_export(request, partner_id):
    """The partner's whole ledger, oldest first, as CSV or XLSX."""
    partner = _partner(partner_id)
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    return download(request, ledger_export(partner))


# ---------------------------------------------------------------- statements


@admin_required
def partner_statement(request, partner_id):
    """A period's statement, per currency: on the page (printable), or as CSV."""
    partner = _partner(partner_id)
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render_console(
            request,
            "console/partners/statement.html",
            {"partner": partner, "form": form, "statement": None},
            section="partners",
            status=422,
        )
    if not request.GET:
        form = PeriodForm({})
        form.is_valid()
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    statement = selectors.statement(partner.pk, start=start, end=end)
    if request.GET.get("format"):
        return download(request, statement_export(partner, statement))
    period = f"start={start.isoformat()}&end={end.isoformat()}"
    form = PeriodForm(initial={"start": start, "end": end})
    return render_console(
        request,
        "console/partners/statement.html",
        {
            "partner": partner,
            "form": form,
            "statement": statement,
            "export_links": export_links(f"{request.path}?{period}"),
            "money_url": _money_url(partner),
        },
        section="partners",
    )


@admin_required
@require_POST
def costing_policy(request):
    """Whether rejected pieces are paid like good ones (a checkbox on the output settings)."""
    services.policy_update(
        actor=actor_for(request), pay_rejected=bool(request.POST.get("pay_rejected"))
    )
    messages.success(request, _("The payment setting is saved."))
    return redirect(reverse("console:output_policy") + "#payment")
