"""Reads the console needs beyond the production selectors: the dashboard's
lists, what a run page shows beside the run, and the directory pages.

Every function here runs a fixed number of queries, whatever the data.
"""

import pycountry
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_date, parse_datetime

from loomworks.catalog.models import Design, DesignStatus, Priority
from loomworks.core.formatting import amount_text
from loomworks.core.limits import swatch
from loomworks.partners.models import Partner, PartnerMember, PartnerRole
from loomworks.production.models import (
    OPEN_STATUSES,
    ProductionRun,
    RunHistory,
    RunStatus,
)
from loomworks.production.selectors import (
    RunFilters,
    admin_run_queryset,
    admin_run_rows,
    late_condition,
)

DASHBOARD_LIST_LENGTH = 5


# ---------------------------------------------------------------- dashboard


def status_counts() -> list[dict]:
    """Every run status with how many runs are in it, in lifecycle order."""
    counted = dict(ProductionRun.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        {"status": status, "label": label, "count": counted.get(status, 0)}
        for status, label in RunStatus.choices
    ]


def _with_history(kind: str):
    return Exists(RunHistory.objects.filter(run_id=OuterRef("pk"), kind=kind))


def runs_ready_to_dispatch() -> QuerySet[ProductionRun]:
    """Approved runs whose dependencies have all completed and that wait for someone to send them."""
    return ProductionRun.objects.filter(
        _with_history("ready_to_dispatch"), status=RunStatus.APPROVED
    )


def runs_blocked() -> QuerySet[ProductionRun]:
    """Open runs that wait for a run that was cancelled."""
    return ProductionRun.objects.filter(_with_history("blocked"), status__in=OPEN_STATUSES)


def runs_overdue() -> QuerySet[ProductionRun]:
    return ProductionRun.objects.filter(late_condition())


def needs_someone() -> list[dict]:
    """The dashboard's lists of runs that wait for a person, each with its total.

    The runs are the admin's read objects (`AdminRun`), so the dashboard shows
    a run's date, late mark and missed date exactly as the run list does; the
    read objects of all five lists are built together, in two queries.
    """
    lists = [
        (
            "pending_review",
            ProductionRun.objects.filter(status=RunStatus.PENDING_REVIEW),
            "?status=pending_review",
        ),
        (
            "awaiting_reassignment",
            ProductionRun.objects.filter(status=RunStatus.AWAITING_REASSIGNMENT),
            "?status=awaiting_reassignment",
        ),
        ("ready_to_dispatch", runs_ready_to_dispatch(), ""),
        ("blocked", runs_blocked(), ""),
        ("overdue", runs_overdue(), "?late=true"),
    ]
    rows = admin_run_queryset(RunFilters())
    fetched = []
    for key, queryset, query in lists:
        runs = list((rows & queryset).order_by("due_date", "number")[:DASHBOARD_LIST_LENGTH])
        count = len(runs)
        if count == DASHBOARD_LIST_LENGTH:
            count = queryset.count()
        fetched.append((key, runs, count, query))
    unique = {run.pk: run for _key, runs, _count, _query in fetched for run in runs}
    views = {view.pk: view for view in admin_run_rows(unique.values())}
    return [
        {"key": key, "runs": [views[run.pk] for run in runs], "count": count, "query": query}
        for key, runs, count, query in fetched
    ]


# ---------------------------------------------------------------- run page


def size_table(
    sizes: list[dict], unit: str = "", points: list | tuple = ()
) -> tuple[list[str], list[dict]]:
    """Sizes as a table: one row per size, one column per measurement any size has, in
    the design's order of `points` (headed with the measurements' unit, when given)."""
    keys: list[str] = [str(point) for point in points or ()]
    for size in sizes:
        for key in size.get("measurements") or {}:
            if key not in keys:
                keys.append(key)
    rows = [
        {
            "label": size.get("size_label", ""),
            "values": [(size.get("measurements") or {}).get(key, "") for key in keys],
        }
        for size in sizes
    ]
    labels = [key.replace("_", " ") for key in keys]
    # "chest width (cm)"; a name that says its unit already ("chest_cm") is left alone.
    return [
        f"{label} ({unit})" if unit and label.split()[-1:] != [unit] else label for label in labels
    ], rows


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else (value or "")


def snapshot_view(snapshot: dict) -> dict:
    """The snapshot shaped for the page: sizes as a table with one column per measurement."""
    size_columns, size_rows = size_table(
        snapshot.get("size_sets") or [],
        ((snapshot.get("design") or {}).get("measurement_unit") or ""),
        snapshot.get("measurement_points") or (),
    )
    taken_at = snapshot.get("taken_at")
    design = snapshot.get("design") or {}
    target_date = design.get("target_date")
    return {
        "design_status": _label(DesignStatus, design.get("status")),
        "priority": _label(Priority, design.get("priority")),
        "target_date": parse_date(target_date) if isinstance(target_date, str) else None,
        "taken_at": parse_datetime(taken_at) if isinstance(taken_at, str) else None,
        "design": design,
        "specifications": snapshot.get("specifications") or [],
        "colors": [
            {
                **color,
                "swatch": swatch(color.get("hex_code")),
            }
            for color in snapshot.get("colors") or []
        ],
        "size_columns": size_columns,
        "size_rows": size_rows,
        "materials": [
            {**line, "per_piece": amount_text(line.get("planned_quantity"))}
            for line in snapshot.get("materials") or []
        ],
        "provenance": snapshot.get("provenance") or {},
    }


# ---------------------------------------------------------------- directory pages


def design_list(q: str = "") -> QuerySet[Design]:
    designs = Design.objects.annotate(
        run_count=Count("production_runs", distinct=True),
        open_run_count=Count(
            "production_runs",
            filter=Q(production_runs__status__in=OPEN_STATUSES),
            distinct=True,
        ),
    ).order_by("name", "id")
    if q.strip():
        designs = designs.filter(name__icontains=q.strip())
    return designs


def design_detail(design_id: str) -> Design | None:
    return (
        Design.objects.filter(pk=design_id)
        .prefetch_related("specifications", "colors", "size_sets", "materials__material")
        .first()
    )


def partner_list() -> QuerySet[Partner]:
    open_runs = ProductionRun.objects.filter(
        partner_id=OuterRef("pk"), status__in=OPEN_STATUSES
    ).order_by()
    return Partner.objects.annotate(
        member_count=Count("members", distinct=True),
        open_run_count=_subquery_count(open_runs),
    ).order_by("name", "id")


def _subquery_count(queryset):
    counted = queryset.values("partner_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def partner_profile(partner: Partner) -> dict:
    """A partner's profile for its page: country, languages and roles by name."""
    country = pycountry.countries.get(alpha_2=partner.country) if partner.country else None
    languages = [pycountry.languages.get(alpha_2=code) for code in partner.languages or []]
    return {
        "country": country.name if country else partner.country,
        "languages": [language.name for language in languages if language is not None],
        "roles": [
            str(PartnerRole(role).label)
            for role in partner.roles or []
            if role in PartnerRole.values
        ],
    }


def partner_members(partner: Partner) -> QuerySet[PartnerMember]:
    """The partner's members, each with `live_tokens`: the API tokens switching them off
    would revoke (said in the confirmation, counted in the same query)."""
    return (
        partner.members.select_related("user")
        .annotate(
            live_tokens=Count(
                "user__api_tokens", filter=Q(user__api_tokens__revoked_at__isnull=True)
            )
        )
        .order_by("created_at", "id")
    )


def runs_of_design(design: Design) -> QuerySet[ProductionRun]:
    """The design's runs, newest first; turn a page into read objects with `admin_run_rows`."""
    return admin_run_queryset(RunFilters(design_id=design.pk))
