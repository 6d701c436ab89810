"""Reads the console needs beyond the production selectors: the dashboard's
lists, what a run page shows beside the run, and the directory pages.

Every function here runs a fixed number of queries, whatever the data.
"""

from dataclasses import dataclass

import pycountry
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_date, parse_datetime

from loomworks.catalog.models import Design, DesignStatus, Priority
from loomworks.core.formatting import amount_text
from loomworks.core.limits import swatch
from loomworks.core.paging import Total, capped_count
from loomworks.partners.models import Partner, PartnerMember, PartnerRole
from loomworks.production.models import (
    TERMINAL_STATUSES,
    ProductionRun,
    RunHistory,
    RunStatus,
)
from loomworks.production.selectors import (
    RunFilters,
    admin_run_queryset,
    admin_runs_by_id,
    late_condition,
    runs_ready_to_send,
)

DASHBOARD_LIST_LENGTH = 5


# ---------------------------------------------------------------- dashboard


# The open runs: the condition of the open-runs indexes, written the same way so
# PostgreSQL reads them from those indexes.
OPEN_RUNS = ~Q(status__in=TERMINAL_STATUSES)
# How long the dashboard may show its counts by status before counting again.
STATUS_COUNTS_SECONDS = 60
STATUS_COUNTS_KEY = "console:run-status-counts"
# The dashboard's lists say their totals exactly up to this many runs, then "about N".
LIST_TOTAL_CAP = 100


def status_counts() -> list[dict]:
    """Every run status with how many runs are in it, in lifecycle order.

    One GROUP BY over every run, kept in the cache for up to a minute: at 1M runs
    the count reads the whole table (1–4 s on a busy machine), and a dashboard's
    totals a minute old tell the same story. The lists below them are read live.
    """
    counted = cache.get(STATUS_COUNTS_KEY)
    if counted is None:
        counted = dict(
            ProductionRun.objects.order_by()
            .values("status")
            .annotate(n=Count("*"))
            .values_list("status", "n")
        )
        cache.set(STATUS_COUNTS_KEY, counted, STATUS_COUNTS_SECONDS)
    return [
        {"status": status, "label": label, "count": counted.get(status, 0)}
        for status, label in RunStatus.choices
    ]


def _with_history(kind: str):
    return Exists(RunHistory.objects.filter(run_id=OuterRef("pk"), kind=kind))


def runs_ready_to_dispatch() -> QuerySet[ProductionRun]:
    """Every approved run that can be sent now (the production selectors decide)."""
    return runs_ready_to_send()


def runs_blocked() -> QuerySet[ProductionRun]:
    """Open runs that wait for a run that was cancelled (their `blocked` history rows are
    read from the `history_blocked` index)."""
    return ProductionRun.objects.filter(_with_history("blocked"), OPEN_RUNS)


def runs_overdue() -> QuerySet[ProductionRun]:
    return ProductionRun.objects.filter(late_condition())


def needs_someone() -> list[dict]:
    """The dashboard's lists of runs that wait for a person, each with its total (exact
    up to `LIST_TOTAL_CAP`, then PostgreSQL's estimate: `count_is_estimate`).

    The runs are the admin's read objects (`AdminRun`), so the dashboard shows
    a run's date, late mark and missed date exactly as the run list does; the
    read objects of all five lists are built together, in three queries.

    Each list is read in the order of an index on open runs, so the first five
    come without sorting all of them: by due date from `run_open_status_due`,
    the overdue ones by the date they missed from `run_open_deadline`.
    """
    by_due_date = ("due_date", "number")
    lists = [
        (
            "pending_review",
            ProductionRun.objects.filter(OPEN_RUNS, status=RunStatus.PENDING_REVIEW),
            "?status=pending_review",
            by_due_date,
        ),
        (
            "awaiting_reassignment",
            ProductionRun.objects.filter(OPEN_RUNS, status=RunStatus.AWAITING_REASSIGNMENT),
            "?status=awaiting_reassignment",
            by_due_date,
        ),
        ("ready_to_dispatch", runs_ready_to_dispatch().filter(OPEN_RUNS), "", by_due_date),
        ("blocked", runs_blocked(), "", by_due_date),
        (
            "overdue",
            runs_overdue(),
            "?late=true",
            (Coalesce("promised_date", "due_date"), "id"),
        ),
    ]
    fetched = []
    for key, queryset, query, ordering in lists:
        ids = list(
            queryset.order_by(*ordering).values_list("pk", flat=True)[:DASHBOARD_LIST_LENGTH]
        )
        total = Total(len(ids))
        if len(ids) == DASHBOARD_LIST_LENGTH:
            total = capped_count(queryset, cap=LIST_TOTAL_CAP)
        fetched.append((key, ids, total, query))
    # The lists' ids first (small queries), then one read of them all as read objects:
    # building the admin's annotated query once, not once per list, halves the page's time.
    views = admin_runs_by_id(run_id for _key, ids, _count, _query in fetched for run_id in ids)
    return [
        {
            "key": key,
            "runs": [views[run_id] for run_id in ids],
            "count": total.count,
            "count_is_estimate": total.is_estimate,
            "query": query,
        }
        for key, ids, total, query in fetched
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


@dataclass(frozen=True)
class DesignRow:
    """A design on the designs page, with how many runs it has (open, and in all)."""

    design: Design
    run_count: int = 0
    open_run_count: int = 0


def design_list(q: str = "") -> QuerySet[Design]:
    """The designs, by name; page them, then count their runs with `design_rows`."""
    designs = Design.objects.only(
        "id", "name", "thumbnail_url", "status", "priority", "updated_at"
    ).order_by("name", "id")
    if q.strip():
        designs = designs.filter(name__icontains=q.strip())
    return designs


def design_rows(designs) -> list[DesignRow]:
    """The designs of one page with their run counts: two GROUP BYs over the page's
    designs, one read from the design index (`run_design_created`), one from the
    open-runs index (`run_open_design`), not a count over every run of every design."""
    designs = list(designs)
    runs = ProductionRun.objects.filter(design_id__in=[design.pk for design in designs]).order_by()

    def per_design(queryset) -> dict[str, int]:
        return dict(
            queryset.values("design_id").annotate(n=Count("*")).values_list("design_id", "n")
        )

    totals, open_runs = per_design(runs), per_design(runs.filter(OPEN_RUNS))
    return [
        DesignRow(design, totals.get(design.pk, 0), open_runs.get(design.pk, 0))
        for design in designs
    ]


def design_detail(design_id: str) -> Design | None:
    return (
        Design.objects.filter(pk=design_id)
        .prefetch_related("specifications", "colors", "size_sets", "materials__material")
        .first()
    )


@dataclass(frozen=True)
class PartnerRow:
    """A partner on the partners page, with its members and open runs counted."""

    partner: Partner
    member_count: int = 0
    open_run_count: int = 0


def partner_list() -> list[PartnerRow]:
    """Every partner by name with its members and open runs: two queries, the open runs
    counted in one GROUP BY over the open-runs index (`run_open_partner`). `count(*)`,
    not `count(id)`: the id is not in the index, and asking for it reads every row
    (0.6 s → 30 ms at 1M runs)."""
    partners = list(
        Partner.objects.only("id", "name", "handle", "status", "email", "phone")
        .annotate(member_count=Count("members"))
        .order_by("name", "id")
    )
    open_runs = dict(
        ProductionRun.objects.filter(OPEN_RUNS, partner__isnull=False)
        .order_by()
        .values("partner_id")
        .annotate(n=Count("*"))
        .values_list("partner_id", "n")
    )
    return [
        PartnerRow(partner, partner.member_count, open_runs.get(partner.pk, 0))
        for partner in partners
    ]


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
