"""Latency of the admin and partner run lists and the admin detail, next to their floor.

For each case the endpoint is called in-process through Django's test client
(middleware, bearer-token auth, django-ninja, JSON rendering: everything but
the socket), with `DEBUG` off. Its floor is what a strong PostgreSQL engineer
would write by hand for the same page, with the same indexes: one SQL query
through psycopg for the page and its capped total (exact up to
`LIST_COUNT_CAP`, past it the planner's estimate: one `EXPLAIN` more, as the
endpoint does), the searches looking up the matching designs and partners
first, the deep pages by offset and by keyset, encoded with the standard
`json` module. The detail's floor is an authenticated request that does
nothing (`GET /api/auth/me`, same token, same client) plus the raw SQL of
every row the detail returns. The targets (issue 20): every list ≤ 20 ms
median and within 2× its floor; the detail within 2× its floor.

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
PARTNER_LIST_PATH = "/api/partners/production-runs"
ME_PATH = "/api/auth/me"
PARTNER_VISIBLE = ("approved", "sent_to_partner", "in_progress", "completed", "cancelled")
LIST_TARGET_MS = 20.0
RATIO_TARGET = 2.0


@dataclass
class Case:
    name: str
    what: str
    params: dict = field(default_factory=dict)  # what the endpoint is called with
    run_id: str | None = None  # a detail case
    floor: dict = field(default_factory=dict)  # what the floor's SQL is built from
    as_partner: str | None = None  # a partner's list: that partner's member calls it


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

    @property
    def target_met(self) -> bool:
        """Issue 20: a list ≤ 20 ms and ≤ 2× its floor; the detail ≤ 2× its floor."""
        fast = self.case == "detail" or self.median_ms <= LIST_TARGET_MS
        return fast and self.ratio <= RATIO_TARGET


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
    """The list's filters on `r` (the runs), as the endpoint applies them."""
    conditions, values = ["true"], {}
    for name in ("status", "run_type", "partner_id", "design_id"):
        if params.get(name):
            conditions.append(f"r.{name} = %({name})s")
            values[name] = params[name]
    if params.get("statuses"):
        conditions.append("r.status = ANY(%(statuses)s)")
        values["statuses"] = list(params["statuses"])
    if params.get("top_level"):
        conditions.append("r.parent_id IS NULL")
    q = (params.get("q") or "").strip()
    if q:
        # The matching designs and partners first (small tables, one initplan each),
        # then the runs by those ids through their indexes.
        values.update(q=q, pattern=f"%{q}%")
        conditions.append(
            "(r.id = %(q)s"
            " OR r.design_id = ANY(ARRAY(SELECT id FROM catalog_design"
            " WHERE upper(name) LIKE upper(%(pattern)s)))"
            " OR r.partner_id = ANY(ARRAY(SELECT id FROM partners_partner"
            " WHERE upper(name) LIKE upper(%(pattern)s) OR upper(handle) LIKE upper(%(pattern)s))))"
        )
    return " AND ".join(conditions), values


def list_floor_sql(params: dict, cap: int) -> tuple[str, dict]:
    """The page (by offset, or by keyset after `(after_created_at, after_id)`) and its total
    counted up to cap + 1, in one statement."""
    where, values = _where(params)
    page_where = where
    if params.get("after_id"):
        page_where += " AND (r.created_at, r.id) < (%(after_created_at)s, %(after_id)s)"
        values.update(after_created_at=params["after_created_at"], after_id=params["after_id"])
    values.update(
        limit=int(params.get("limit", 20)), offset=int(params.get("offset", 0)), cap=cap + 1
    )
    joins = (
        "FROM production_productionrun r JOIN catalog_design d ON d.id = r.design_id"
        " LEFT JOIN partners_partner p ON p.id = r.partner_id"
    )
    sql = f"""
        SELECT page.*, progress.total AS progress_total, progress.completed AS progress_completed,
               (SELECT count(*) FROM (SELECT 1 FROM production_productionrun r WHERE {where}
                                      LIMIT %(cap)s) capped) AS total_count
        FROM (SELECT {RUN_FIELDS}, {DEPENDS_ON} {joins} WHERE {page_where}
              ORDER BY r.created_at DESC, r.id DESC LIMIT %(limit)s OFFSET %(offset)s) page
        {PROGRESS.format(run="page")}
        ORDER BY page.created_at DESC, page.id DESC"""
    return sql, values


def estimate_sql(params: dict) -> tuple[str, dict]:
    where, values = _where(params)
    return f"EXPLAIN (FORMAT JSON) SELECT 1 FROM production_productionrun r WHERE {where}", values


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


def list_floor(conn, params: dict, cap: int) -> tuple[bytes, list[str]]:
    sql, values = list_floor_sql(params, cap)
    rows = conn.execute(sql, values).fetchall()
    today = date.today()
    total, is_estimate = (rows[0]["total_count"] if rows else 0), False
    if total > cap:  # past the cap: the planner's estimate, as the endpoint gives it
        sql, values = estimate_sql(params)
        plan = conn.execute(sql, values).fetchone()
        total, is_estimate = (
            max(int(next(iter(plan.values()))[0]["Plan"]["Plan Rows"]), total),
            True,
        )
    body = {
        "production_runs": [_run_dict(row, today) for row in rows],
        "count": total,
        "total_is_estimate": is_estimate,
        "limit": int(params.get("limit", 20)),
        "offset": int(params.get("offset", 0)),
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
    """Every row the admin detail returns, in one statement: the run with its design,
    partner and progress, its tasks with their checklists, the runs around it (parent,
    parts, the runs it waits for and those waiting for it), its price and ledger."""
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
            coalesce((SELECT json_agg({RELATED_JSON} ORDER BY o.number)
                      FROM production_rundependency x JOIN production_productionrun o
                      ON o.id = x.depends_on_id WHERE x.run_id = r.id), '[]'::json) AS depends,
            (SELECT {RELATED_JSON} FROM production_productionrun o WHERE o.id = r.parent_id)
                AS parent,
            (SELECT json_build_object('unit', pr.unit, 'amount', pr.amount::text, 'currency',
                    pr.currency, 'source', pr.source, 'fixed_at', pr.fixed_at)
             FROM money_runprice pr WHERE pr.run_id = r.id) AS price,
            coalesce((SELECT json_agg(json_build_object('kind', e.kind, 'amount', e.amount::text,
                      'currency', e.currency) ORDER BY e.occurred_on, e.created_at)
                      FROM money_ledgerentry e WHERE e.run_id = r.id), '[]'::json) AS ledger
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
        depends_on=row["depends"],
        parent=row["parent"],
        price=row["price"],
        ledger=row["ledger"],
    )
    return json.dumps({"production_run": run}, default=_json_default).encode(), [row["id"]]


# ---------------------------------------------------------------- the endpoint


class Endpoint:
    """Calls a case through the API, as the bench admin (or the case's partner member)."""

    path = "api"

    def __init__(self):
        from django.test import Client

        self.client = Client()
        self.headers = self._headers_of("bench-admin@loomworks.test")
        self.partner_headers: dict[str, dict] = {}

    @staticmethod
    def _headers_of(email: str) -> dict:
        from loomworks.accounts.models import ApiToken, User

        _token, raw = ApiToken.issue(User.objects.get(email=email))
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def headers_for(self, case: Case) -> dict:
        if not case.as_partner:
            return self.headers
        if case.as_partner not in self.partner_headers:
            self.partner_headers[case.as_partner] = self._headers_of(case.as_partner)
        return self.partner_headers[case.as_partner]

    def get(self, url: str, params: dict, headers: dict) -> dict:
        response = self.client.get(url, params, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}")
        return response

    def __call__(self, case: Case) -> tuple[bytes, list[str]]:
        if case.run_id:
            body = self.get(f"{LIST_PATH}/{case.run_id}", {}, self.headers).content
            return body, [json.loads(body)["production_run"]["id"]]
        url = PARTNER_LIST_PATH if case.as_partner else LIST_PATH
        body = self.get(url, case.params, self.headers_for(case)).content
        return body, [run["id"] for run in json.loads(body)["production_runs"]]

    def do_nothing(self) -> tuple[bytes, list[str]]:
        """An authenticated request that reads nothing but the token and its user."""
        return self.get(ME_PATH, {}, self.headers).content, []

    def next_cursor(self, params: dict) -> str:
        return json.loads(self.get(LIST_PATH, params, self.headers).content)["next_cursor"]


# ---------------------------------------------------------------- cases and timing


def _row_at(conn, position: int) -> dict:
    """(created_at, id) of the run at `position` (1-based) of the newest-first list."""
    return conn.execute(
        "SELECT created_at, id FROM production_productionrun"
        " ORDER BY created_at DESC, id DESC OFFSET %s LIMIT 1",
        [position - 1],
    ).fetchone()


def _keyset_case(name: str, what: str, endpoint: Endpoint, conn, position: int) -> Case:
    """The page after row `position`: its cursor from the API page that ends there."""
    cursor = endpoint.next_cursor({"limit": 20, "offset": position - 20})
    row = _row_at(conn, position)
    return Case(
        name,
        what,
        {"limit": 20, "cursor": cursor},
        floor={"limit": 20, "after_created_at": row["created_at"], "after_id": row["id"]},
    )


def pick_cases(conn, endpoint: Endpoint) -> list[Case]:
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
    member = conn.execute(
        "SELECT u.email FROM partners_partnermember m JOIN accounts_user u ON u.id = m.user_id"
        " WHERE m.partner_id = %s AND m.is_active ORDER BY u.id LIMIT 1",
        [partner["partner_id"]],
    ).fetchone()
    size = conn.execute("SELECT count(*) AS n FROM production_productionrun").fetchone()["n"]

    cases = [
        Case("list_first", "first page, newest first", {"limit": 20}),
        Case(
            "list_filtered",
            "status=in_progress, run_type=production",
            {"status": "in_progress", "run_type": "production", "limit": 20},
        ),
        Case("list_partner", "one partner's runs", {"partner_id": partner["partner_id"]}),
        Case("list_deep", "page 50 (offset 980)", {"limit": 20, "offset": 980}),
        _keyset_case("list_deep_cursor", "page 50 by cursor (after row 980)", endpoint, conn, 980),
        Case("list_search", "search q=linen (design names)", {"q": "linen", "limit": 20}),
        Case("list_search_partner", "search q=porto (partner names)", {"q": "porto"}),
    ]
    if size > 100_020:
        cases.insert(
            5,
            _keyset_case("list_far_cursor", "by cursor after row 100,000", endpoint, conn, 100_000),
        )
    if member:
        scope = {"partner_id": partner["partner_id"], "statuses": PARTNER_VISIBLE}
        cases += [
            Case(
                "partner_list",
                "partner API: own runs, first page",
                {"limit": 20},
                floor={**scope, "limit": 20},
                as_partner=member["email"],
            ),
            Case(
                "partner_search",
                "partner API: search q=linen",
                {"q": "linen", "limit": 20},
                floor={**scope, "q": "linen", "limit": 20},
                as_partner=member["email"],
            ),
        ]
    for case in cases:
        case.floor = case.floor or case.params
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

    from loomworks.core.paging import count_cap

    endpoint = Endpoint()
    cap = count_cap()
    timings = []
    with psycopg.connect(bench.psycopg_url(), row_factory=dict_row) as conn:
        cases = pick_cases(conn, endpoint)
        nothing, _ = _time(endpoint.do_nothing, repeat)
        do_nothing_ms = statistics.median(nothing)
        progress(f"  (an authenticated do-nothing request, {ME_PATH}: {do_nothing_ms:.1f} ms)")
        for case in cases:
            with CaptureQueriesContext(connection) as captured:
                endpoint(case)
            queries = len(captured)
            reset_queries()
            samples, (body, ids) = _time(lambda case=case: endpoint(case), repeat)
            if case.run_id:
                floor_samples, (_floor_body, floor_ids) = _time(
                    lambda case=case: detail_floor(conn, case.run_id), repeat
                )
                floor_ms = do_nothing_ms + statistics.median(floor_samples)
            else:
                floor_samples, (_floor_body, floor_ids) = _time(
                    lambda case=case: list_floor(conn, case.floor, cap), repeat
                )
                floor_ms = statistics.median(floor_samples)
            timing = Timing(
                case=case.name,
                what=case.what,
                path=endpoint.path,
                median_ms=statistics.median(samples),
                p95_ms=_p95(samples),
                floor_median_ms=floor_ms,
                queries=queries,
                rows=len(ids),
                bytes=len(body),
                same_rows=ids == floor_ids,
            )
            timings.append(timing)
            progress(
                f"  {timing.case:<20} {timing.median_ms:8.1f} ms  p95 {timing.p95_ms:7.1f}"
                f"  floor {timing.floor_median_ms:7.1f} ms  ×{timing.ratio:4.1f}"
                f"  {timing.queries:>2} queries  {'met' if timing.target_met else 'MISSED'}"
                f"{'' if timing.same_rows else '  (floor rows differ!)'}"
            )
    return timings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run lists and detail latency vs their floor.")
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args(argv)
    bench.setup()
    measure(repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
