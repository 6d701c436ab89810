"""Reports and the workshops' load: the numbers come from `production.reports` and
`production.workshop_load` (GROUP BY queries); these views only draw and list them."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from loomworks.partners.models import Partner
from loomworks.production import reports
from loomworks.production.workshop_load import load_timeline
from loomworks.web import charts
from loomworks.web.console.report_forms import ReportFilterForm, default_period
from loomworks.web.console.views.common import admin_required, render_console


def _partners() -> list[Partner]:
    return list(Partner.objects.order_by("name", "id").only("id", "name"))


def _filter_form(request, *, with_period=True) -> tuple[ReportFilterForm, dict, int]:
    data = request.GET.copy()
    if with_period:
        # The period shown is always written in the fields, the default one too.
        start, end = default_period()
        data.setdefault("start", start.isoformat())
        data.setdefault("end", end.isoformat())
    form = ReportFilterForm(data or None, partners=_partners(), with_period=with_period)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return form, form.filters(), status


@admin_required
def reports_index(request):
    return render_console(request, "console/reports/index.html", {}, section="reports")


@admin_required
def report_work_in_progress(request):
    wip = reports.work_in_progress()
    chart = charts.horizontal_bars(
        chart_id="wip-chart",
        title=_("Open runs by stage"),
        description=_("%(runs)s open runs, %(pieces)s pieces, by the stage they are at.")
        % {"runs": wip.runs, "pieces": wip.pieces},
        items=[(stage.key, stage.label, stage.runs) for stage in wip.stages],
    )
    context = {"wip": wip, "chart": chart, "stages": wip.stages}
    return render_console(
        request, "console/reports/work_in_progress.html", context, section="reports"
    )


@admin_required
def report_throughput(request):
    form, filters, status = _filter_form(request)
    throughput = reports.throughput_by_week(
        start=filters["start"], end=filters["end"], partner_id=filters["partner_id"]
    )
    chart = charts.columns(
        chart_id="throughput-chart",
        title=_("Runs completed per week"),
        description=_(
            "%(runs)s runs completed from %(start)s to %(end)s, %(pieces)s pieces ordered, "
            "%(good)s good pieces delivered."
        )
        % {
            "runs": throughput.runs,
            "pieces": throughput.pieces,
            "good": throughput.good,
            "start": date_format(throughput.start),
            "end": date_format(throughput.end),
        },
        items=[
            (week.start.isoformat(), date_format(week.start, "j M"), week.runs)
            for week in throughput.weeks
        ],
        tone="info",
    )
    context = {"form": form, "throughput": throughput, "chart": chart}
    return render_console(
        request, "console/reports/throughput.html", context, section="reports", status=status
    )


@admin_required
def report_late(request):
    form, filters, status = _filter_form(request, with_period=False)
    report = reports.late_report(partner_id=filters["partner_id"])
    chart = charts.horizontal_bars(
        chart_id="late-chart",
        title=_("Late runs by cause"),
        description=_("%(runs)s late runs, %(pieces)s pieces, by why they are late.")
        % {"runs": report.runs, "pieces": report.pieces},
        items=[(cause.key, cause.label, cause.runs) for cause in report.causes],
        tone="warning",
    )
    runs_url = reverse("console:run_list") + "?late=true"
    if filters["partner_id"]:
        runs_url += f"&partner_id={filters['partner_id']}"
    context = {"form": form, "report": report, "chart": chart, "runs_url": runs_url}
    return render_console(
        request, "console/reports/late.html", context, section="reports", status=status
    )


@admin_required
def partner_load(request):
    timeline = load_timeline(today=timezone.localdate())
    return render_console(
        request, "console/partners/load.html", {"timeline": timeline}, section="partners"
    )
