"""Latency of the admin run list and detail, next to their floor.

For each case the endpoint is called in-process through Django's test client
(middleware, bearer-token auth, django-ninja, JSON rendering: everything but
the socket), with `DEBUG` off. Its floor is the same page fetched with one
hand-written SQL query through psycopg and encoded with the standard `json`
module: what the database and the encoding alone cost. The ratio
endpoint/floor is the framework's share; it should stay flat as data grows.

Until the admin API exists (`GET /api/admin/production-runs`), the harness
times the path it will take: `production.selectors.admin_run_page`/`admin_run_detail`
and the API's serialisers, encoded with Django's JSON encoder.
Each row says which path was measured.

    python -m benchmarks.latency [--repeat 25]
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from benchmarks import settings as bench

LIST_PATH = "/api/admin/production-runs"


@dataclass
class Case:
    name: str
    what: str
    params: dict = field(default_factory=dict)
    run_id: str | None = None  # a detail case


@dataclass
class Timing:
    case: str
    what: str
    path: str  # "api" or "selector"
    median_ms: float
    p95_ms: float
    floor_median_ms: float
    queries: int
    rows: int
    bytes: int
    same_rows: bool

    @property
    def ratio(self) -> float:
        return self.median_ms / self.floor_median_ms if self.floor_median_ms else float("nan")


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value))


# ---------------------------------------------------------------- the floor: one SQL query each

RUN_FIELDS = """
    r.id, r.number, r.status, r.run_type, r.quantity, r.role, r.design_id,
    d.name AS design_name, d.thumbnail_url, r.partner_id, p.name AS partner_name,
    p.handle AS partner_handle, r.previous_partner_id, r.parent_id, r.order_group,
    r.order_id, r.order_line_id, r.product_id, r.variant_id, r.accepted_at, r.started_at,
    r.finished_at, r.completed_at, r.cancelled_at, r.cancelled_reason, r.due_date,
    r.promised_date, r.notes, r.created_at, r.updated_at"""
PROGRESS = """
    LEFT JOIN LATERAL (
        SELECT count(*) AS total, count(*) FILTER (WHERE t.status = 'completed') AS completed
        FROM work_task t
        WHERE t.run_id = {run}.id AND t.status <> 'cancelled'
          AND (t.parent_id IS NOT NULL
               OR NOT EXISTS (SELECT 1 FROM work_task s WHERE s.parent_id = t.id))
    ) progress ON true"""
DEPENDS_ON = (
    "ARRAY(SELECT dep.depends_on_id FROM production_rundependency dep"
    " WHERE dep.run_id = r.id) AS depends_on"
)


def _where(params: dict) -> tuple[str, dict]:
    conditions, values = ["true"], {}
    for name in ("status", "run_type", "partner_id", "design_id"):
        if params.get(name):
            conditions.append(f"r.{name} = %({name})s")
            values[name] = params[name]
    if params.get("top_level"):
        conditions.append("r.parent_id IS NULL")
    q = (params.get("q") or "").strip()
    if q:
        values.update(q=q, pattern=f"%{q}%")
        conditions.append(
            "(r.id = %(q)s OR upper(d.name) LIKE upper(%(pattern)s)"
            " OR upper(p.name) LIKE upper(%(pattern)s) OR upper(p.handle) LIKE upper(%(pattern)s))"
        )
    return " AND ".join(conditions), values


def list_floor_sql(params: dict) -> tuple[str, dict]:
    where, values = _where(params)
    values.update(limit=int(params.get("limit", 20)), offset=int(params.get("offset", 0)))
    joins = (
        "FROM production_productionrun r JOIN catalog_design d ON d.id = r.design_id"
        " LEFT JOIN partners_partner p ON p.id = r.partner_id"
    )
    # The count joins designs and partners only when the search needs their names.
    count_from = joins if params.get("q", "").strip() else "FROM production_productionrun r"
    sql = f"""
        SELECT page.*, progress.total AS progress_total, progress.completed AS progress_completed,
               (SELECT count(*) {count_from} WHERE {where}) AS total_count
        FROM (SELECT {RUN_FIELDS}, {DEPENDS_ON} {joins} WHERE {where}
              ORDER BY r.created_at DESC, r.id DESC LIMIT %(limit)s OFFSET %(offset)s) page
        {PROGRESS.format(run="page")}
        ORDER BY page.created_at DESC, page.id DESC"""
    return sql, values


def _run_dict(row: dict, today: date) -> dict:
    terminal = row["status"] in ("completed", "cancelled")
    deadline = row["promised_date"] or row["due_date"]
    if row["status"] == "completed":
        stage = "completed"
    elif row["finished_at"]:
        stage = "finished"
    elif row["started_at"]:
        stage = "started"
    elif row["accepted_at"]:
        stage = "accepted"
    else:
        stage = "received"
    return {
        "id": row["id"],
        "reference": f"PR-{row['number']}",
        "status": row["status"],
        "stage": stage,
        "run_type": row["run_type"],
        "quantity": row["quantity"],
        "role": row["role"],
        "design_id": row["design_id"],
        "design": {
            "id": row["design_id"],
            "name": row["design_name"],
            "thumbnail_url": row["thumbnail_url"],
        },
        "partner_id": row["partner_id"],
        "partner": {
            "id": row["partner_id"],
            "name": row["partner_name"],
            "handle": row["partner_handle"],
        }
        if row["partner_id"]
        else None,
        "previous_partner_id": row["previous_partner_id"],
        "parent_run_id": row["parent_id"],
        "order_group": row["order_group"],
        "depends_on_run_ids": list(row["depends_on"] or []),
        "order_id": row["order_id"],
        "order_line_id": row["order_line_id"],
        "product_id": row["product_id"],
        "variant_id": row["variant_id"],
        "accepted_at": row["accepted_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "completed_at": row["completed_at"],
        "cancelled_at": row["cancelled_at"],
        "cancelled_reason": row["cancelled_reason"],
        "due_date": row["due_date"],
        "promised_date": row["promised_date"],
        "is_late": bool(not terminal and deadline and today > deadline),
        "notes": row["notes"],
        "progress": {"completed": row["progress_completed"], "total": row["progress_total"]},
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def list_floor(conn, params: dict) -> tuple[bytes, list[str]]:
    sql, values = list_floor_sql(params)
    rows = conn.execute(sql, values).fetchall()
    today = date.today()
    body = {
        "production_runs": [_run_dict(row, today) for row in rows],
        "count": rows[0]["total_count"] if rows else 0,
        "limit": values["limit"],
        "offset": values["offset"],
    }
    return json.dumps(body, default=_json_default).encode(), [row["id"] for row in rows]


TASK_JSON = """json_build_object('id', {t}.id, 'title', {t}.title, 'description', {t}.description,
    'status', {t}.status, 'priority', {t}.priority, 'position', {t}.position,
    'run_id', {t}.run_id, 'parent_task_id', {t}.parent_id, 'template_id', {t}.template_id,
    'due_date', {t}.due_date, 'accepted_at', {t}.accepted_at, 'completed_at', {t}.completed_at,
    'created_at', {t}.created_at{extra})"""
RELATED_JSON = """json_build_object('id', o.id, 'reference', 'PR-' || o.number, 'status', o.status,
    'role', o.role, 'partner_id', o.partner_id, 'order_group', o.order_group)"""


def detail_floor_sql() -> str:
    subtask = TASK_JSON.format(t="s", extra=", 'subtasks', json_build_array()")
    task = TASK_JSON.format(
        t="t",
        extra=f""", 'subtasks', coalesce((SELECT json_agg({subtask} ORDER BY s.position,
            s.created_at) FROM work_task s WHERE s.parent_id = t.id), '[]'::json)""",
    )
    return f"""
        SELECT {RUN_FIELDS}, {DEPENDS_ON}, r.snapshot,
            progress.total AS progress_total, progress.completed AS progress_completed,
            coalesce((SELECT json_agg({task} ORDER BY t.position, t.created_at)
                      FROM work_task t WHERE t.run_id = r.id AND t.parent_id IS NULL),
                     '[]'::json) AS tasks,
            coalesce((SELECT json_agg({RELATED_JSON} ORDER BY o.order_group, o.number)
                      FROM production_productionrun o WHERE o.parent_id = r.id),
                     '[]'::json) AS children,
            coalesce((SELECT json_agg({RELATED_JSON} ORDER BY o.number)
                      FROM production_rundependency x JOIN production_productionrun o
                      ON o.id = x.run_id WHERE x.depends_on_id = r.id), '[]'::json) AS dependents,
            (SELECT {RELATED_JSON} FROM production_productionrun o WHERE o.id = r.parent_id)
                AS parent
        FROM production_productionrun r JOIN catalog_design d ON d.id = r.design_id
        LEFT JOIN partners_partner p ON p.id = r.partner_id
        {PROGRESS.format(run="r")}
        WHERE r.id = %(id)s"""


def detail_floor(conn, run_id: str) -> tuple[bytes, list[str]]:
    row = conn.execute(detail_floor_sql(), {"id": run_id}).fetchone()
    run = _run_dict(row, date.today())
    run.update(
        snapshot=row["snapshot"],
        tasks=row["tasks"],
        children=row["children"],
        dependents=row["dependents"],
        parent=row["parent"],
    )
    return json.dumps({"production_run": run}, default=_json_default).encode(), [row["id"]]


# ---------------------------------------------------------------- the endpoint (or its path)


def api_available() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(LIST_PATH)
    except Resolver404:
        return False
    return True


def selector_list(params: dict) -> tuple[bytes, list[str]]:
    from django.core.serializers.json import DjangoJSONEncoder

    from loomworks.api.admin_schemas import page_out
    from loomworks.api.schemas import run_out
    from loomworks.production.selectors import RunFilters, admin_run_page

    limit, offset = int(params.get("limit", 20)), int(params.get("offset", 0))
    filters = RunFilters(
        **{k: v for k, v in params.items() if k in RunFilters.__dataclass_fields__}
    )
    body = page_out(admin_run_page(filters, limit=limit, offset=offset), "production_runs", run_out)
    ids = [run["id"] for run in body["production_runs"]]
    return json.dumps(body, cls=DjangoJSONEncoder).encode(), ids


def selector_detail(run_id: str) -> tuple[bytes, list[str]]:
    from django.core.serializers.json import DjangoJSONEncoder

    from loomworks.api.admin_runs import _detail_out
    from loomworks.production.selectors import admin_run_detail

    body = _detail_out(admin_run_detail(run_id))
    return json.dumps({"production_run": body}, cls=DjangoJSONEncoder).encode(), [run_id]


class Endpoint:
    """Calls a case through the API when it exists, else through the selector path."""

    def __init__(self):
        from django.test import Client

        from loomworks.accounts.models import ApiToken, User

        self.via_api = api_available()
        self.client = Client()
        admin = User.objects.get(email="bench-admin@loomworks.test")
        _token, raw = ApiToken.issue(admin)
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    @property
    def path(self) -> str:
        return "api" if self.via_api else "selector"

    def __call__(self, case: Case) -> tuple[bytes, list[str]]:
        if not self.via_api:
            if case.run_id:
                return selector_detail(case.run_id)
            return selector_list(case.params)
        url = f"{LIST_PATH}/{case.run_id}" if case.run_id else LIST_PATH
        response = self.client.get(url, case.params, **self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {case.params} answered {response.status_code}")
        body = response.content
        data = json.loads(body)
        if case.run_id:
            return body, [data["production_run"]["id"]]
        return body, [run["id"] for run in data["production_runs"]]


# ---------------------------------------------------------------- cases and timing


def pick_cases(conn) -> list[Case]:
    """The pages to time, chosen from the data so they mean the same at every size."""
    detail = conn.execute(
        "SELECT r.id FROM production_productionrun r WHERE r.status = 'in_progress'"
        " AND r.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM work_task t"
        " WHERE t.run_id = r.id) ORDER BY r.created_at DESC LIMIT 1"
    ).fetchone()
    partner = conn.execute(
        "SELECT partner_id FROM production_productionrun WHERE partner_id IS NOT NULL"
        " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    cases = [
        Case("list_first", "first page, newest first", {"limit": 20}),
        Case(
            "list_filtered",
            "status=in_progress, run_type=production",
            {"status": "in_progress", "run_type": "production", "limit": 20},
        ),
        Case("list_partner", "one partner's runs", {"partner_id": partner["partner_id"]}),
        Case("list_deep", "page 50 (offset 980)", {"limit": 20, "offset": 980}),
        Case("list_search", "search q=linen (design names)", {"q": "linen", "limit": 20}),
        Case("list_search_partner", "search q=porto (partner names)", {"q": "porto"}),
    ]
    if detail:
        cases.append(Case("detail", "an in-progress part with tasks", run_id=detail["id"]))
    return cases


def _time(call, repeat: int) -> tuple[list[float], tuple]:
    result = None
    for _ in range(3):
        result = call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(*, repeat: int = 25, progress=print) -> list[Timing]:
    import psycopg
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from psycopg.rows import dict_row

    endpoint = Endpoint()
    timings = []
    with psycopg.connect(bench.psycopg_url(), row_factory=dict_row) as conn:
        for case in pick_cases(conn):
            with CaptureQueriesContext(connection) as captured:
                endpoint(case)
            queries = len(captured)
            reset_queries()
            samples, (body, ids) = _time(lambda case=case: endpoint(case), repeat)
            if case.run_id:
                floor_samples, (_floor_body, floor_ids) = _time(
                    lambda case=case: detail_floor(conn, case.run_id), repeat
                )
            else:
                floor_samples, (_floor_body, floor_ids) = _time(
                    lambda case=case: list_floor(conn, case.params), repeat
                )
            timing = Timing(
                case=case.name,
                what=case.what,
                path=endpoint.path,
                median_ms=statistics.median(samples),
                p95_ms=_p95(samples),
                floor_median_ms=statistics.median(floor_samples),
                queries=queries,
                rows=len(ids),
                bytes=len(body),
                same_rows=ids == floor_ids,
            )
            timings.append(timing)
            progress(
                f"  {timing.case:<20} {timing.median_ms:8.1f} ms  floor {timing.floor_median_ms:7.1f}"
                f" ms  ×{timing.ratio:4.1f}  {timing.queries} queries"
                f"{'' if timing.same_rows else '  (floor rows differ!)'}"
            )
    return timings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Admin run list/detail latency vs raw SQL.")
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args(argv)
    bench.setup()
    measure(repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
