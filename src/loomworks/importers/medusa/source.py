"""Reading the Medusa system's PostgreSQL database, read-only and a batch at a time.

Everything is read in one READ ONLY, REPEATABLE READ transaction, so the
import sees one consistent state of the source however long it takes and can
change nothing there. Each table is walked with a server-side (named) cursor
and fetched `batch_size` rows at a time: the importer's memory does not grow
with the size of the source.

The source may be at any point of its history: columns added later (HEAD's
`cancelled_at`, `previous_partner_id`, `produced_quantity`…) and whole tables
(`production_run_activity`) are read when they are there and taken as empty
when not. Soft-deleted rows (`deleted_at` set) are not read; a reference to
one is a dangling reference.
"""

from collections.abc import Iterator

# Where the framework keeps its many-to-many links (§1.10 of the source's
# description). Named once here so a database whose link tables are named
# otherwise needs one change.
RUN_TASK_LINK = "production_run_task"  # production_run_id, task_id
PARTNER_TASK_LINK = "partner_task"  # partner_id, task_id
DESIGN_ITEM_LINK = "design_inventory_item"  # design_id, inventory_item_id, planned_quantity, …

CONTAINER_PREFIX = "production-run-"


class SourceError(Exception):
    """The source cannot be read: not reachable, or not a Medusa production database."""


class Source:
    """A read-only connection to the Medusa database, with what its tables hold."""

    def __init__(self, url: str, *, schema: str = "", batch_size: int = 1000):
        self.url = url
        self.schema = schema
        self.batch_size = batch_size
        self.conn = None
        self._columns: dict[str, set[str]] = {}
        self._cursors = 0

    def __enter__(self) -> "Source":
        import psycopg

        try:
            self.conn = psycopg.connect(self.url, autocommit=False)
        except psycopg.Error as error:
            raise SourceError(f"Cannot connect to the Medusa database: {error}") from None
        self.conn.read_only = True
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        if self.schema:
            from psycopg import sql

            self.conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        rows = self.conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        ).fetchall()
        for table, column in rows:
            self._columns.setdefault(table, set()).add(column)
        missing = [t for t in ("production_runs", "design", "partner") if t not in self._columns]
        if missing:
            where = f"schema {self.schema}" if self.schema else "its default schema"
            raise SourceError(
                f"No Medusa production tables in {where}: {', '.join(missing)} not found."
            )
        return self

    def __exit__(self, *exc) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()

    # ---------------------------------------------------------------- what is there

    def has(self, table: str, column: str | None = None) -> bool:
        columns = self._columns.get(table)
        if columns is None:
            return False
        return column is None or column in columns

    def cols(self, table: str, alias: str, names: list[str]) -> str:
        """`alias."name"` for each column the table has, `NULL AS "name"` for the others."""
        parts = []
        for name in names:
            if self.has(table, name):
                parts.append(f'{alias}."{name}" AS "{name}"')
            else:
                parts.append(f'NULL AS "{name}"')
        return ", ".join(parts)

    def live(self, table: str, alias: str) -> str:
        """The condition that leaves soft-deleted rows out (true for a table without them)."""
        return f"{alias}.deleted_at IS NULL" if self.has(table, "deleted_at") else "TRUE"

    def count(self, query: str) -> int:
        return self.conn.execute(f"SELECT count(*) FROM ({query}) AS counted").fetchone()[0]

    def stream(self, query: str, params: tuple = ()) -> Iterator[list[dict]]:
        """The rows of `query` in batches, through a server-side cursor."""
        from psycopg.rows import dict_row

        self._cursors += 1
        with self.conn.cursor(name=f"medusa_{self._cursors}", row_factory=dict_row) as cursor:
            cursor.itersize = self.batch_size
            cursor.execute(query, params or None)
            while True:
                rows = cursor.fetchmany(self.batch_size)
                if not rows:
                    break
                yield rows

    # ---------------------------------------------------------------- the queries

    def partners_query(self) -> str:
        cols = self.cols("partner", "p", ["id", "name", "handle", "status", "created_at"])
        return f"SELECT {cols} FROM partner p WHERE {self.live('partner', 'p')} ORDER BY p.id"

    def admins_query(self) -> str:
        if not self.has("partner_admin"):
            return "SELECT NULL::text AS id WHERE FALSE"
        names = ["id", "first_name", "last_name", "email", "phone", "is_active", "partner_id"]
        cols = self.cols("partner_admin", "a", [*names, "role"])
        return (
            f"SELECT {cols}, p.id IS NOT NULL AS partner_exists FROM partner_admin a"
            f" LEFT JOIN partner p ON p.id = a.partner_id AND {self.live('partner', 'p')}"
            f" WHERE {self.live('partner_admin', 'a')} ORDER BY a.id"
        )

    def items_query(self) -> str:
        if not self.has("inventory_item"):
            return "SELECT NULL::text AS id WHERE FALSE"
        cols = self.cols("inventory_item", "i", ["id", "sku", "title", "metadata"])
        return (
            f"SELECT {cols} FROM inventory_item i"
            f" WHERE {self.live('inventory_item', 'i')} ORDER BY i.id"
        )

    def templates_query(self) -> str:
        if not self.has("task_template"):
            return "SELECT NULL::text AS id WHERE FALSE"
        names = ["id", "name", "description", "priority", "estimated_duration", "metadata"]
        cols = self.cols("task_template", "t", names)
        category = "NULL"
        join = ""
        if self.has("task_category") and self.has("task_template", "category_id"):
            category = "c.name"
            join = (
                " LEFT JOIN task_category c ON c.id = t.category_id"
                f" AND {self.live('task_category', 'c')}"
            )
        return (
            f"SELECT {cols}, {category} AS category_name FROM task_template t{join}"
            f" WHERE {self.live('task_template', 't')} ORDER BY t.id"
        )

    def designs_query(self) -> str:
        names = [
            "id", "name", "description", "status", "priority", "thumbnail_url", "moodboard",
            "tags", "designer_notes", "target_completion_date", "created_at", "updated_at",
        ]  # fmt: skip
        cols = self.cols("design", "d", names)
        return f"SELECT {cols} FROM design d WHERE {self.live('design', 'd')} ORDER BY d.id"

    def design_children_query(self, table: str, names: list[str]) -> str:
        cols = self.cols(table, "c", ["id", "design_id", *names])
        return (
            f"SELECT {cols} FROM {table} c WHERE {self.live(table, 'c')}"
            " AND c.design_id = ANY(%s) ORDER BY c.design_id, c.id"
        )

    def _run_tasks(self) -> str:
        """Which run each task belongs to: the framework's link, else the task's metadata."""
        link = ""
        run = "t.metadata->>'production_run_id'"
        if self.has(RUN_TASK_LINK):
            link = f" LEFT JOIN {RUN_TASK_LINK} l ON l.task_id = t.id"
            if self.has(RUN_TASK_LINK, "deleted_at"):
                link += " AND l.deleted_at IS NULL"
            run = f"COALESCE(l.production_run_id, {run})"
        return (
            f"SELECT DISTINCT ON (t.id) t.id AS task_id, {run} AS run_id, t.status, t.title,"
            f" t.parent_task_id FROM task t{link} WHERE {self.live('task', 't')}"
            " ORDER BY t.id"
        )

    RUN_COLUMNS = [
        "id", "status", "run_type", "quantity", "parent_run_id", "role", "design_id",
        "partner_id", "product_id", "variant_id", "order_id", "order_line_item_id",
        "accepted_at", "started_at", "finished_at", "completed_at", "dispatch_state",
        "dispatch_started_at", "dispatch_completed_at", "dispatch_template_names", "snapshot",
        "captured_at", "depends_on_run_ids", "metadata", "created_at", "updated_at",
        # Later columns (HEAD), read when present.
        "cancelled_at", "cancelled_reason", "previous_partner_id", "produced_quantity",
        "rejected_quantity", "finish_notes", "completion_notes", "lifecycle_transaction_id",
    ]  # fmt: skip

    def runs_query(self) -> str:
        """Every live run with what is needed to judge it: do its references resolve,
        are its tasks open, was it completed twice. Aggregates are joined by hash, so
        the source needs no index beyond its primary keys."""
        cols = self.cols("production_runs", "r", self.RUN_COLUMNS)
        live_r = self.live("production_runs", "o")
        open_tasks = "SELECT NULL::text AS run_id, 0 AS open_count WHERE FALSE"
        if self.has("task"):
            open_tasks = (
                f"SELECT rt.run_id, count(*) AS open_count FROM ({self._run_tasks()}) rt"
                f" WHERE rt.status NOT IN ('completed', 'cancelled')"
                f" AND NOT (rt.parent_task_id IS NULL AND rt.title LIKE '{CONTAINER_PREFIX}%%')"
                " GROUP BY rt.run_id"
            )
        completions = "SELECT NULL::text AS run_id, 0 AS n WHERE FALSE"
        if self.has("production_run_activity"):
            completions = (
                "SELECT a.production_run_id AS run_id, count(*) AS n"
                " FROM production_run_activity a WHERE a.kind = 'completed'"
                f" AND {self.live('production_run_activity', 'a')} GROUP BY 1"
            )
        deps = (
            "SELECT r.id AS run_id, dep.value AS dep_id FROM production_runs r,"
            " jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.depends_on_run_ids::jsonb)"
            " = 'array' THEN r.depends_on_run_ids::jsonb ELSE '[]'::jsonb END) AS dep"
        )
        return f"""
            WITH open_tasks AS ({open_tasks}),
            completions AS ({completions}),
            open_children AS (
                SELECT o.parent_run_id AS run_id, count(*) AS children,
                count(*) FILTER (WHERE o.status NOT IN ('completed', 'cancelled')) AS n
                FROM production_runs o
                WHERE {live_r} AND o.parent_run_id IS NOT NULL GROUP BY 1),
            dep_stats AS (
                SELECT deps.run_id, count(*) FILTER (WHERE o.id IS NULL) AS missing,
                count(*) FILTER (WHERE o.id IS NOT NULL AND o.status <> 'completed') AS unmet
                FROM ({deps}) deps LEFT JOIN production_runs o ON o.id = deps.dep_id AND {live_r}
                GROUP BY 1)
            SELECT {cols},
                d.id IS NOT NULL AS design_exists,
                p.id IS NOT NULL AS partner_exists,
                par.id IS NOT NULL AS parent_exists,
                COALESCE(ot.open_count, 0) AS open_tasks,
                COALESCE(c.n, 0) AS completions,
                COALESCE(oc.n, 0) AS open_children,
                COALESCE(oc.children, 0) AS children,
                COALESCE(ds.missing, 0) AS missing_dependencies,
                COALESCE(ds.unmet, 0) AS unmet_dependencies
            FROM production_runs r
            LEFT JOIN design d ON d.id = r.design_id AND {self.live("design", "d")}
            LEFT JOIN partner p ON p.id = r.partner_id AND {self.live("partner", "p")}
            LEFT JOIN production_runs par ON par.id = r.parent_run_id
                AND {self.live("production_runs", "par")}
            LEFT JOIN open_tasks ot ON ot.run_id = r.id
            LEFT JOIN completions c ON c.run_id = r.id
            LEFT JOIN open_children oc ON oc.run_id = r.id
            LEFT JOIN dep_stats ds ON ds.run_id = r.id
            WHERE {self.live("production_runs", "r")}
            ORDER BY r.id"""

    def run_links_query(self) -> str:
        """Runs that name a parent or runs they depend on: the second pass."""
        return (
            "SELECT r.id, r.parent_run_id, r.depends_on_run_ids FROM production_runs r"
            f" WHERE {self.live('production_runs', 'r')} AND (r.parent_run_id IS NOT NULL"
            " OR jsonb_typeof(r.depends_on_run_ids::jsonb) = 'array') ORDER BY r.id"
        )

    TASK_COLUMNS = [
        "id", "title", "description", "start_date", "end_date", "status", "priority",
        "metadata", "completed_at", "parent_task_id", "created_at", "updated_at",
    ]  # fmt: skip

    def tasks_query(self) -> str:
        if not self.has("task"):
            return "SELECT NULL::text AS id WHERE FALSE"
        cols = self.cols("task", "t", self.TASK_COLUMNS)
        partner = "NULL"
        join = ""
        if self.has(PARTNER_TASK_LINK):
            partner = "pt.partner_id"
            join = (
                f" LEFT JOIN (SELECT DISTINCT ON (task_id) task_id, partner_id"
                f" FROM {PARTNER_TASK_LINK} ORDER BY task_id, partner_id) pt ON pt.task_id = t.id"
            )
        return (
            f"SELECT {cols}, rt.run_id, {partner} AS linked_partner_id,"
            f" (parent.parent_task_id IS NULL AND parent.title LIKE '{CONTAINER_PREFIX}%%')"
            " AS parent_is_container"
            f" FROM task t JOIN ({self._run_tasks()}) rt ON rt.task_id = t.id{join}"
            " LEFT JOIN task parent ON parent.id = t.parent_task_id"
            f" WHERE {self.live('task', 't')} ORDER BY t.id"
        )

    def task_parents_query(self) -> str:
        """Tasks under another task that is not a run's container: the second pass."""
        if not self.has("task"):
            return "SELECT NULL::text AS id WHERE FALSE"
        return (
            "SELECT t.id, t.parent_task_id FROM task t JOIN task parent"
            " ON parent.id = t.parent_task_id"
            f" WHERE {self.live('task', 't')} AND NOT (parent.parent_task_id IS NULL"
            f" AND parent.title LIKE '{CONTAINER_PREFIX}%%') ORDER BY t.id"
        )

    def consumption_query(self) -> str:
        if not self.has("consumption_log"):
            return "SELECT NULL::text AS id WHERE FALSE"
        names = [
            "id", "design_id", "inventory_item_id", "quantity", "unit_of_measure",
            "consumption_type", "consumed_by", "consumed_at", "notes", "metadata",
        ]  # fmt: skip
        cols = self.cols("consumption_log", "c", names)
        return (
            f"SELECT {cols} FROM consumption_log c"
            f" WHERE {self.live('consumption_log', 'c')} ORDER BY c.id"
        )

    def activities_query(self) -> str:
        if not self.has("production_run_activity"):
            return "SELECT NULL::text AS id WHERE FALSE"
        names = [
            "id", "production_run_id", "activity_type", "kind", "actor_type", "actor_id",
            "partner_id", "channel", "summary", "payload", "occurred_at",
        ]  # fmt: skip
        cols = self.cols("production_run_activity", "a", names)
        return (
            f"SELECT {cols} FROM production_run_activity a"
            f" WHERE {self.live('production_run_activity', 'a')} ORDER BY a.id"
        )
