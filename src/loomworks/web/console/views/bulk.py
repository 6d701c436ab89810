"""Bulk actions on the runs list: approve, send, reassign or cancel many runs at once.

Three steps, each a plain form so it works without JavaScript:

1. the list's action bar posts the ticked run ids (or "all that match", with
   the list's filters as `filter-…` fields) and the action;
2. the confirm page says how many runs will be touched, asks what the action
   needs (templates, a partner, a reason) and posts again with `confirm`;
3. `services.runs_bulk_apply` acts on each run on its own, and the person lands
   on the result page (read back from the request's audit row), so a reload
   repeats nothing.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loomworks.core.errors import Conflict, InvalidInput, NotFound
from loomworks.core.limits import MAX_BULK_RUNS
from loomworks.partners.models import Partner, PartnerStatus
from loomworks.production import services
from loomworks.production.models import ProductionRun
from loomworks.production.selectors import (
    RunFilters,
    admin_run_queryset,
    admin_run_rows,
    bulk_result,
    run_list,
)
from loomworks.web.console.forms import (
    BULK_ACTION_CHOICES,
    BulkForm,
    CancelForm,
    ReassignForm,
    RunFilterForm,
    TemplateOrderForm,
    apply_error,
)
from loomworks.web.console.views.common import (
    actor_for,
    admin_required,
    query_url,
    render_console,
    render_not_found,
)
from loomworks.work.models import TaskTemplate

PREVIEW_ROWS = 50  # the confirm page lists this many of the runs, then says how many more


def _headline(action: str, count: int) -> str:
    texts = {
        "approve": ngettext("Approve %(n)s run?", "Approve %(n)s runs?", count),
        "dispatch": ngettext(
            "Send %(n)s run to production?", "Send %(n)s runs to production?", count
        ),
        "reassign": ngettext("Reassign %(n)s run?", "Reassign %(n)s runs?", count),
        "cancel": ngettext("Cancel %(n)s run?", "Cancel %(n)s runs?", count),
    }
    return texts[action] % {"n": count}


def _button(action: str, count: int) -> str:
    texts = {
        "approve": ngettext("Approve %(n)s run", "Approve %(n)s runs", count),
        "dispatch": ngettext("Send %(n)s run", "Send %(n)s runs", count),
        "reassign": ngettext("Reassign %(n)s run", "Reassign %(n)s runs", count),
        "cancel": ngettext("Cancel %(n)s run", "Cancel %(n)s runs", count),
    }
    return texts[action] % {"n": count}


def _summary(result) -> str:
    counts = result.counts
    return _("%(done)s done, %(unchanged)s already so, %(refused)s refused.") % {
        "done": counts["done"],
        "unchanged": counts["unchanged"],
        "refused": counts["refused"],
    }


def _list_url(filter_params: dict | None) -> str:
    return query_url(reverse("console:run_list"), filter_params or {})


class Selection:
    """The runs a bulk request names: the ticked ids, or the list's filters re-applied."""

    def __init__(self, form: BulkForm, filter_form: RunFilterForm):
        self.by_filter = form.by_filter
        self.filter_params = {
            key: value
            for key, value in filter_form.values().items()
            if key in RunFilterForm.base_fields and key != "page"
        }
        if self.by_filter:
            self.filters = filter_form.filters()
            self.run_ids = None
            self.queryset = admin_run_queryset(self.filters)
            # The list's own filter code: what the list showed is what is touched.
            self.count = run_list(self.filters).count()
        else:
            self.filters = None
            ids = form.cleaned_data["run_ids"]
            known = ProductionRun.objects.filter(pk__in=ids)
            self.run_ids = list(known.order_by("number").values_list("pk", flat=True))
            self.queryset = admin_run_queryset(RunFilters(order="reference")).filter(
                pk__in=self.run_ids
            )
            self.count = len(self.run_ids)

    def preview(self):
        return admin_run_rows(self.queryset[:PREVIEW_ROWS])


def _active_partners():
    return list(Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("name", "id"))


def _templates():
    return list(TaskTemplate.objects.filter(archived=False).order_by("name", "id"))


def _action_form(action: str, data=None):
    if action == "dispatch":
        return TemplateOrderForm(data, templates=_templates())
    if action == "reassign":
        return ReassignForm(data, partners=_active_partners())
    if action == "cancel":
        return CancelForm(data)
    return None


def _confirm(request, form, selection, action_form, *, notice="", error="", status=200):
    action = form.cleaned_data["action"]
    count = selection.count
    too_many = count > MAX_BULK_RUNS
    if too_many and not error:
        error = services.bulk_limit_error(count, "filter").detail
    context = {
        "action": action,
        "action_label": dict(BULK_ACTION_CHOICES)[action],
        "headline": _headline(action, count),
        "button": _button(action, count),
        "count": count,
        "selection": selection,
        "rows": selection.preview() if not too_many else [],
        "more": max(0, count - PREVIEW_ROWS),
        "action_form": action_form,
        "template_rows": action_form.rows() if action == "dispatch" else [],
        "notice": notice,
        "error": error,
        "can_confirm": bool(count) and not too_many,
        "back_url": _list_url(selection.filter_params),
        "filter_fields": [
            (f"filter-{key}", "true" if value is True else value)
            for key, value in selection.filter_params.items()
        ],
    }
    return render_console(
        request, "console/runs/bulk_confirm.html", context, section="runs", status=status
    )


def _apply(request, form, selection, action_form):
    action = form.cleaned_data["action"]
    arguments = {}
    if action == "dispatch":
        arguments["template_ids"] = action_form.ordered_ids()
    elif action == "reassign":
        partner_id = action_form.cleaned_data["partner_id"]
        arguments["partner"] = Partner.objects.filter(pk=partner_id).first()
        arguments["note"] = action_form.cleaned_data["note"]
    elif action == "cancel":
        arguments["reason"] = action_form.cleaned_data["reason"]
    return services.runs_bulk_apply(
        action=action,
        actor=actor_for(request),
        run_ids=selection.run_ids,
        filters=selection.filters,
        **arguments,
    )


@admin_required
def run_bulk(request):
    """Step 2 (the confirm page) and step 3 (act, then the result page)."""
    if request.method != "POST":
        return redirect("console:run_list")
    partners = list(Partner.objects.order_by("name", "id").only("id", "name"))
    form = BulkForm(request.POST)
    filter_form = RunFilterForm(request.POST, partners=partners, prefix="filter")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        params = {k: v for k, v in filter_form.values().items() if k != "page"}
        return redirect(_list_url(params))
    selection = Selection(form, filter_form)
    if not selection.by_filter and not selection.count:
        messages.error(
            request,
            _("Tick the runs to act on, or choose all the runs that match the filters."),
        )
        return redirect(_list_url(selection.filter_params))
    action = form.cleaned_data["action"]
    if "confirm" not in request.POST:
        return _confirm(request, form, selection, _action_form(action))

    action_form = _action_form(action, request.POST)
    expected = form.cleaned_data.get("expected")
    if selection.by_filter and expected is not None and expected != selection.count:
        notice = ngettext(
            "The filters now match %(n)s run (%(before)s when you chose them). "
            "Check the list and confirm again.",
            "The filters now match %(n)s runs (%(before)s when you chose them). "
            "Check the list and confirm again.",
            selection.count,
        ) % {"n": selection.count, "before": expected}
        return _confirm(request, form, selection, action_form, notice=notice)
    if action_form is not None and not action_form.is_valid():
        return _confirm(request, form, selection, action_form)
    try:
        result = _apply(request, form, selection, action_form)
    except InvalidInput as error:
        if action_form is not None and error.field in action_form.fields:
            apply_error(action_form, error)
            return _confirm(request, form, selection, action_form)
        return _confirm(request, form, selection, action_form, error=error.detail)
    except Conflict as error:
        return _confirm(request, form, selection, action_form, error=error.detail)
    level = messages.success if not result.counts["refused"] else messages.warning
    level(request, _summary(result))
    return redirect("console:run_bulk_result", bulk_id=result.id)


@admin_required
def run_bulk_result(request, bulk_id):
    """What one bulk request did to each run, and the status each run has now."""
    try:
        result = bulk_result(bulk_id)
    except NotFound:
        return render_not_found(request, _("There is no bulk action with that id."))
    ids = [run.run_id for run in result.runs]
    now = dict(ProductionRun.objects.filter(pk__in=ids).values_list("pk", "status"))
    filter_params = dict(result.filters or {})
    if filter_params.get("order") == "-created_at":
        filter_params.pop("order")
    context = {
        "result": result,
        "action_label": dict(BULK_ACTION_CHOICES).get(result.action, result.action),
        "summary": _summary(result),
        "rows": [(run, now.get(run.run_id, "")) for run in result.runs],
        "back_url": _list_url(filter_params),
    }
    return render_console(request, "console/runs/bulk_result.html", context, section="runs")
