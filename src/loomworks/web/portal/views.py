"""The partner portal: a workshop's runs, the work on each, and its notices.

Views are thin: check the partner's scope, call one service or selector,
render. Every form is a normal POST that redirects back with a flash
message; an htmx request (a ticked checklist item, a comment) gets the
updated task card instead. Invalid input re-renders the page with the error
beside the field and the typed values kept.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from loomworks.accounts.services import time_zone_names, user_preferences_set
from loomworks.core.errors import DomainError, InvalidInput, NotFound
from loomworks.insights.scorecards import partner_scorecard
from loomworks.money import selectors as money
from loomworks.money.exports import statement_export
from loomworks.notifications import selectors as notification_selectors
from loomworks.notifications import services as notification_services
from loomworks.notifications import whatsapp
from loomworks.notifications.rerender import in_readers_language
from loomworks.partners import services as partner_services
from loomworks.production import services
from loomworks.production.job_sheet import job_sheet
from loomworks.production.partner_selectors import (
    already_declined,
    partner_consumption_log,
    partner_run_detail,
    partner_run_queryset,
    partner_run_rows,
    partner_run_view,
    run_declined_by,
)
from loomworks.production.selectors import RunFilters, run_visible_to, task_visible_to
from loomworks.web.exports import download, export_links
from loomworks.web.forms import PeriodForm, ScorecardPeriodForm
from loomworks.web.job_sheet import sheet_context
from loomworks.web.portal.access import partner_required
from loomworks.web.portal.forms import (
    AcceptForm,
    CommentForm,
    ConsumptionCorrectForm,
    ConsumptionForm,
    DeclineForm,
    EmailSettingsForm,
    ReachSettingsForm,
)
from loomworks.web.portal.pages import hand_over_form, run_page_context, task_card_context
from loomworks.web.portal.selectors import (
    DEFAULT_SHOW,
    RUN_TYPES,
    RUNS_PER_PAGE,
    SHOWS,
    is_new,
    my_run_counts,
)
from loomworks.web.views import notification_mark_read


def _page(request, template: str, context: dict, *, status: int = 200):
    """A full portal page: the header shows the member's unread notices."""
    context["unread_notices"] = notification_selectors.unread_count(request.user)
    return render(request, template, context, status=status)


# ---------------------------------------------------------------- my runs


@partner_required
@require_GET
def runs(request):
    run_type = request.GET.get("type")
    run_type = run_type if run_type in RUN_TYPES else None
    show = request.GET.get("show")
    show = show if show in SHOWS else DEFAULT_SHOW
    member = request.member
    last_seen = member.last_seen_runs_at
    runs = partner_run_queryset(
        request.partner, RunFilters(run_type=run_type, statuses=SHOWS[show])
    )
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    cards = [
        {"run": run, "is_new": is_new(run, last_seen), "progress": run.progress}
        for run in partner_run_rows(page.object_list)
    ]
    response = _page(
        request,
        "portal/runs.html",
        {
            "page": page,
            "cards": cards,
            "new_count": sum(1 for card in cards if card["is_new"]),
            "counts": my_run_counts(request.partner, run_type=run_type),
            "run_type": run_type or "",
            "show": show,
            "nav": "runs",
        },
    )
    partner_services.member_runs_seen(member=member)
    return response


# ---------------------------------------------------------------- the run page


def _run_url(run_id: str, anchor: str = "") -> str:
    url = reverse("portal:run", args=[run_id])
    return f"{url}#{anchor}" if anchor else url


def _render_run(request, run_id: str, *, forms: dict | None = None, status: int = 200):
    context = run_page_context(request, run_id, forms=forms or {})
    return _page(request, "portal/run.html", context, status=status)


@partner_required
@require_GET
def run_page(request, run_id):
    run = run_visible_to(request.partner, run_id)
    # Opening the run is reading what the feed said about it.
    notification_services.notifications_read_for(user=request.user, run_id=run.pk)
    return _render_run(request, run.pk)


@partner_required
@require_GET
def run_sheet(request, run_id):
    """The printable job sheet of one of the workshop's own runs (another's is 404)."""
    detail = partner_run_detail(request.partner, run_id)
    sheet = job_sheet(run=detail.run, snapshot=detail.snapshot, tasks=detail.tasks)
    context = sheet_context(sheet, audience="partner")
    context["back_url"] = _run_url(run_id)
    return render(request, "web/job_sheet.html", context)


def _field_error(form, error: InvalidInput) -> None:
    """Put a service's complaint beside the field it names (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.detail)


def _form_action(request, run_id, *, form, form_key, call, success, anchor="", then=None):
    """Validate `form`, call the service; on a refusal re-render with the typed values kept.

    On success: back to the run page (at `anchor`), or to `then`.
    """
    run = run_visible_to(request.partner, run_id)
    if form.is_valid():
        try:
            call(run, form.cleaned_data)
        except NotFound:
            raise
        except InvalidInput as error:
            _field_error(form, error)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, success % {"ref": run.reference})
            return redirect(then or _run_url(run.pk, anchor))
    return _render_run(request, run.pk, forms={form_key: form}, status=422)


@partner_required
@require_POST
def run_accept(request, run_id):
    return _form_action(
        request,
        run_id,
        form=AcceptForm(request.POST),
        form_key="accept",
        call=lambda run, data: services.run_accept(
            run=run,
            actor=request.actor,
            promised_date=data["promised_date"],
            note=data["note"],
        ),
        success=_("You accepted %(ref)s. Start it when work begins."),
    )


@partner_required
@require_POST
def run_decline(request, run_id):
    declined = run_declined_by(request.partner, run_id)
    if declined is not None:
        # A second click, or Back and send again: say what happened, not "not found".
        messages.info(request, already_declined(declined))
        return redirect(reverse("portal:runs"))
    return _form_action(
        request,
        run_id,
        form=DeclineForm(request.POST),
        form_key="decline",
        call=lambda run, data: services.run_decline(
            run=run, actor=request.actor, reason=data["reason"], notes=data["notes"]
        ),
        success=_("You declined %(ref)s. The brand will find another workshop."),
        then=reverse("portal:runs"),  # the run is no longer the workshop's to see
    )


def _button_action(request, run_id, service, success: str):
    run = run_visible_to(request.partner, run_id)
    try:
        service(run=run, actor=request.actor)
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, success % {"ref": run.reference})
    return redirect(_run_url(run.pk))


@partner_required
@require_POST
def run_start(request, run_id):
    return _button_action(
        request, run_id, services.run_start, _("%(ref)s is started. Tick off the tasks as you go.")
    )


@partner_required
@require_POST
def run_finish(request, run_id):
    return _button_action(
        request,
        run_id,
        services.run_finish,
        _("%(ref)s is marked finished. Complete it once everything is handed over."),
    )


@partner_required
@require_POST
def run_complete(request, run_id):
    return _button_action(
        request, run_id, services.run_complete, _("%(ref)s is completed. Thank you!")
    )


@partner_required
@require_POST
def run_deliver(request, run_id):
    """A batch delivered, or (the "hand over" button) the last one: the run completes."""
    run = run_visible_to(request.partner, run_id)
    final = request.POST.get("final") == "1"
    form = hand_over_form(partner_run_view(run), request.POST, request.FILES)
    if form.is_valid():
        try:
            result = services.delivery_record(
                run=run,
                actor=request.actor,
                final=final,
                photos=request.FILES.getlist("photos"),
                **form.delivery(),
            )
        except NotFound:
            raise
        except InvalidInput as error:
            form.add_error(form.field_for(error.field), error.detail)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            if result.completed:
                message = _("%(ref)s is handed over. Thank you!")
            else:
                message = _("Delivery recorded on %(ref)s.")
            messages.success(request, message % {"ref": run.reference})
            return redirect(_run_url(run.pk, "top" if result.completed else "hand-over"))
    return _render_run(request, run.pk, forms={"hand_over": form}, status=422)


@partner_required
@require_POST
def consumption_correct(request, run_id, log_id):
    run = run_visible_to(request.partner, run_id)
    log = partner_consumption_log(request.partner, run, log_id)
    form = ConsumptionCorrectForm(request.POST)
    if form.is_valid():
        try:
            services.consumption_log_correct(
                log=log,
                actor=request.actor,
                quantity=form.cleaned_data["quantity"],
                notes=form.cleaned_data["notes"],
            )
        except NotFound:
            raise
        except InvalidInput as error:
            _field_error(form, error)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            messages.success(
                request, _("Material entry corrected on %(ref)s.") % {"ref": run.reference}
            )
            return redirect(_run_url(run.pk, "materials"))
    return _render_run(request, run.pk, forms={"correct": {log.pk: form}}, status=422)


@partner_required
@require_POST
def consumption_add(request, run_id):
    return _form_action(
        request,
        run_id,
        form=ConsumptionForm(request.POST),
        form_key="consumption",
        call=lambda run, data: services.consumption_log_add(
            run=run,
            actor=request.actor,
            material=data["material"],
            quantity=data["quantity"],
            unit=data["unit"] or None,
            consumption_type=data["consumption_type"] or None,
            notes=data["notes"],
        ),
        success=_("Material logged on %(ref)s."),
        anchor="materials",
    )


@partner_required
@require_POST
def media_upload(request, run_id):
    run = run_visible_to(request.partner, run_id)
    try:
        created = services.media_add(
            run=run, actor=request.actor, files=request.FILES.getlist("files")
        )
    except NotFound:
        raise
    except DomainError as error:
        return _render_run(request, run.pk, forms={"media_error": error.detail}, status=422)
    messages.success(
        request,
        ngettext(
            "%(count)s file added to %(ref)s.", "%(count)s files added to %(ref)s.", len(created)
        )
        % {"count": len(created), "ref": run.reference},
    )
    return redirect(_run_url(run.pk, "photos"))


# ---------------------------------------------------------------- tasks


def _task_response(request, task, *, notice="", error="", comment_form=None, status=200):
    """After a task action: the task card for htmx, else back to the run page."""
    if request.htmx:
        context = task_card_context(
            request, task.pk, notice=notice, error=error, comment_form=comment_form
        )
        return render(request, "portal/_task_card.html", context, status=200)
    if comment_form is not None and comment_form.errors:
        return _render_run(
            request, task.run_id, forms={"comment": (task.pk, comment_form)}, status=status
        )
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    if task.run_id is None:
        return redirect("portal:runs")
    return redirect(_run_url(task.run_id, f"task-{task.pk}"))


def _task_action(request, task, call, success: str):
    try:
        call()
    except NotFound:
        raise
    except DomainError as error:
        return _task_response(request, task, error=error.detail)
    return _task_response(request, task, notice=success)


@partner_required
@require_POST
def task_accept(request, task_id):
    task = task_visible_to(request.partner, task_id)
    return _task_action(
        request,
        task,
        lambda: services.run_task_accept(task=task, actor=request.actor),
        _("You accepted “%(title)s”.") % {"title": task.title},
    )


@partner_required
@require_POST
def task_finish(request, task_id):
    task = task_visible_to(request.partner, task_id)
    return _task_action(
        request,
        task,
        lambda: services.run_task_finish(task=task, actor=request.actor),
        _("“%(title)s” is done.") % {"title": task.title},
    )


@partner_required
@require_POST
def subtask_complete(request, task_id, subtask_id):
    task = task_visible_to(request.partner, task_id)
    subtask = task_visible_to(request.partner, subtask_id)
    return _task_action(
        request,
        task,
        lambda: services.run_subtask_complete(task=task, subtask=subtask, actor=request.actor),
        _("Ticked “%(title)s”.") % {"title": subtask.title},
    )


@partner_required
@require_POST
def subtask_reopen(request, task_id, subtask_id):
    task = task_visible_to(request.partner, task_id)
    subtask = task_visible_to(request.partner, subtask_id)
    return _task_action(
        request,
        task,
        lambda: services.run_subtask_reopen(task=task, subtask=subtask, actor=request.actor),
        _("Unticked “%(title)s”.") % {"title": subtask.title},
    )


@partner_required
@require_POST
def subtask_check(request, task_id, subtask_id):
    """An item of a quality check passes, or fails with what failed and photos."""
    task = task_visible_to(request.partner, task_id)
    subtask = task_visible_to(request.partner, subtask_id)
    passed = request.POST.get("result") == "pass"
    return _task_action(
        request,
        task,
        lambda: services.run_subtask_check(
            task=task,
            subtask=subtask,
            actor=request.actor,
            passed=passed,
            note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"),
        ),
        (_("“%(title)s” passed.") if passed else _("“%(title)s” failed; it is recorded."))
        % {"title": subtask.title},
    )


@partner_required
@require_POST
def comment_add(request, task_id):
    task = task_visible_to(request.partner, task_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.task_comment_add(
                task=task, actor=request.actor, body=form.cleaned_data["body"]
            )
        except NotFound:
            raise
        except InvalidInput as error:
            _field_error(form, error)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            return _task_response(request, task, notice=_("Comment sent."))
    return _task_response(request, task, comment_form=form, status=422)


# ---------------------------------------------------------------- notifications


@partner_required
@require_GET
def notifications(request):
    return _page(request, "portal/notifications.html", _notices_context(request))


def _notices_context(request) -> dict:
    page = Paginator(notification_selectors.notifications_for(request.user), 20).get_page(
        request.GET.get("page")
    )
    page.object_list = in_readers_language(page.object_list)
    member, user = request.member, request.user
    return {
        "page": page,
        "email_notifications": member.email_notifications,
        "reach_form": ReachSettingsForm(
            initial={
                "phone": member.phone,
                "whatsapp_consent": member.whatsapp_consent,
                "digest_enabled": user.digest_enabled,
                "time_zone": user.time_zone,
            }
        ),
        "whatsapp_on": whatsapp.is_configured(),
        "zones": time_zone_names(),
        "nav": "notifications",
    }


@partner_required
@require_POST
def notification_read(request, notification_id):
    if notification_mark_read(request.user, notification_id):
        messages.success(request, _("Marked read."))
    return redirect("portal:notifications")


@partner_required
@require_POST
def notifications_read_all(request):
    count = notification_services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("Every notice is marked read."))
    return redirect("portal:notifications")


@partner_required
@require_POST
def reach_settings(request):
    """WhatsApp (a number and consent), the morning digest and the member's time zone."""
    form = ReachSettingsForm(request.POST)
    form.is_valid()  # checkboxes: absent means off; the services check the rest
    data = form.cleaned_data
    try:
        with transaction.atomic():
            partner_services.member_whatsapp_set(
                member=request.member,
                actor=request.actor,
                phone=data.get("phone", ""),
                consent=data.get("whatsapp_consent", False),
            )
            user_preferences_set(
                user=request.user,
                actor=request.actor,
                time_zone=data.get("time_zone", ""),
                digest_enabled=data.get("digest_enabled", False),
            )
    except InvalidInput as error:
        _field_error(form, error)
        return _page(
            request,
            "portal/notifications.html",
            {
                **_notices_context(request),
                "reach_form": form,
            },
            status=422,
        )
    messages.success(request, _("Saved: this is how we reach you now."))
    return redirect("portal:notifications")


@partner_required
@require_POST
def email_settings(request):
    form = EmailSettingsForm(request.POST)
    form.is_valid()  # a checkbox: absent means off
    member = partner_services.member_preferences_update(
        member=request.member,
        actor=request.actor,
        email_notifications=form.cleaned_data.get("email_notifications", False),
    )
    if member.email_notifications:
        messages.success(request, _("We will also e-mail you about your runs."))
    else:
        messages.success(request, _("No more e-mails; your notices stay here."))
    return redirect("portal:notifications")


# ---------------------------------------------------------------- my scorecard


@partner_required
@require_GET
def scorecard(request):
    """The workshop's own scorecard for a period: the numbers the brand sees of it."""
    form = ScorecardPeriodForm(
        {key: request.GET[key] for key in ("start", "end") if request.GET.get(key)}
    )
    if not form.is_valid():
        return _page(
            request,
            "portal/scorecard.html",
            {"form": form, "card": None, "nav": "scorecard"},
            status=422,
        )
    period = form.period()
    return _page(
        request,
        "portal/scorecard.html",
        {
            "form": ScorecardPeriodForm(initial={"start": period.start, "end": period.end}),
            "period": period,
            "card": partner_scorecard(request.partner, period),
            "nav": "scorecard",
        },
    )


# ---------------------------------------------------------------- my statement


@partner_required
@require_GET
def statement(request):
    """The workshop's own statement for a period: on the page (printable), or as CSV."""
    partner = request.partner
    form = PeriodForm(request.GET if request.GET else {})
    if not form.is_valid():
        return _page(
            request,
            "portal/statement.html",
            {"form": form, "statement": None, "nav": "runs"},
            status=422,
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    result = money.statement(partner.pk, start=start, end=end)
    if request.GET.get("format"):
        return download(request, statement_export(partner, result))
    form = PeriodForm(initial={"start": start, "end": end})
    return _page(
        request,
        "portal/statement.html",
        {
            "form": form,
            "statement": result,
            "balances": money.balances(partner.pk),
            "export_links": export_links(
                f"{request.path}?start={start.isoformat()}&end={end.isoformat()}"
            ),
            "nav": "runs",
        },
    )
