"""Partner scorecards in the console: every partner side by side, sortable by a column.

The numbers come from `insights.scorecards`; this only reads the period and the
order from the query and formats them.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from loomworks.insights import scorecards as insights
from loomworks.web.console.views.common import admin_required, query_url, render_console
from loomworks.web.forms import ScorecardPeriodForm

# The columns of the side-by-side table; the sortable ones by the key `insights.SORTS` knows.
COLUMNS = [
    ("name", gettext_lazy("Partner")),
    ("accepted", gettext_lazy("Runs accepted")),
    ("decline", gettext_lazy("Declined")),
    ("sent_to_accepted", gettext_lazy("Sent → accepted")),
    ("handed_over", gettext_lazy("Runs handed over")),
    ("accepted_to_handed_over", gettext_lazy("Accepted → handed over")),
    ("on_time", gettext_lazy("On time")),
    ("yield", gettext_lazy("Yield")),
    ("rework", gettext_lazy("Rework")),
    ("cost", gettext_lazy("Cost per piece")),
]
# Which way a column sorts first: the best first (fast, on time, good yield…).
FIRST_DESCENDING = {"accepted", "handed_over", "on_time", "yield"}


def period_form(request) -> ScorecardPeriodForm:
    return ScorecardPeriodForm(
        {key: request.GET[key] for key in ("start", "end") if request.GET.get(key)}
    )


def period_context(form: ScorecardPeriodForm) -> dict:
    """The period chosen (or the form's errors), as a scorecard section shows it."""
    if not form.is_valid():
        return {"period_form": form, "period": None}
    period = form.period()
    return {
        "period_form": ScorecardPeriodForm(initial={"start": period.start, "end": period.end}),
        "period": period,
    }


@admin_required
def partner_scorecards(request):
    form = period_form(request)
    context = period_context(form)
    order = request.GET.get("order", "name")
    key = order.removeprefix("-")
    if key not in insights.SORTS:
        order, key = "name", "name"
    params = {k: request.GET.get(k) for k in ("start", "end")}
    columns = []
    for column_key, label in COLUMNS:
        column = {"key": column_key, "label": label, "url": None, "sort": None}
        if column_key in insights.SORTS:
            first = f"-{column_key}" if column_key in FIRST_DESCENDING else column_key
            if order == column_key:
                column["sort"], next_order = "ascending", f"-{column_key}"
            elif order == f"-{column_key}":
                column["sort"], next_order = "descending", column_key
            else:
                next_order = first
            column["url"] = query_url(
                request.path, params, order=None if next_order == "name" else next_order
            )
        columns.append(column)
    cards, period_query = [], ""
    if context["period"] is not None:
        period = context["period"]
        period_query = f"?start={period.start.isoformat()}&end={period.end.isoformat()}"
        cards = insights.scorecards(context["period"], sort=key, descending=order.startswith("-"))
    return render_console(
        request,
        "console/partners/scorecards.html",
        {
            **context,
            "cards": cards,
            "columns": columns,
            # Each cell's label for narrow screens, translated once for all rows.
            "labels": {key: str(label) for key, label in COLUMNS},
            "order": "" if order == "name" else order,
            # Each row links to its partner's page: the path's start, built once for all rows.
            "partners_path": reverse("console:partner_list"),
            "period_query": period_query,
        },
        section="partners",
        status=200 if form.is_valid() else 422,
    )
