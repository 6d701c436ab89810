"""A small Medusa database: every status, legacy sub-state, shape of metadata, parent,
child and dependency the importer must read, and the broken records it must flag
or refuse. Written into a schema of its own by `build(conn)`.

Ids say what each row is for (`prod_run_completed_open_tasks`…), so a test can
name the record it checks.
"""

from datetime import UTC, datetime, timedelta
from importlib import resources

from psycopg.types.json import Jsonb

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def schema_sql() -> str:
    return resources.files("loomworks.importers.medusa").joinpath("schema.sql").read_text()


class Builder:
    def __init__(self):
        self.rows: dict[str, list[dict]] = {}
        self.counter = 0

    def add(self, table: str, **row) -> dict:
        self.rows.setdefault(table, []).append(row)
        return row

    def next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter:04d}"

    def write(self, conn) -> None:
        # Rows are grouped by the columns they give, so the others keep their defaults.
        for table, rows in self.rows.items():
            groups: dict[tuple, list[dict]] = {}
            for row in rows:
                groups.setdefault(tuple(sorted(row)), []).append(row)
            for columns, group in groups.items():
                quoted = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join(["%s"] * len(columns))
                values = [
                    [Jsonb(row[c]) if isinstance(row[c], dict | list) else row[c] for c in columns]
                    for row in group
                ]
                with conn.cursor() as cur:
                    cur.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", values)


PARTNERS = [
    ("partner_nord", "Atelier Nord", "atelier-nord", "active"),
    ("partner_sul", "Costura Sul", "costura-sul", "active"),
    ("partner_weave", "Weave House", "weave-house", "inactive"),
    ("partner_new", "New Stitch", "new-stitch", "pending"),
]
DESIGN_STATUSES = [
    "Conceptual", "In_Development", "Technical_Review", "Sample_Production", "Revision",
    "Approved", "Rejected", "On_Hold", "Commerce_Ready", "Superseded",
]  # fmt: skip
RUN_STATUSES = [
    "draft", "pending_review", "approved", "sent_to_partner", "in_progress", "completed",
    "cancelled", "awaiting_reassignment",
]  # fmt: skip
TASK_STATUSES = ["pending", "assigned", "accepted", "in_progress", "completed", "cancelled"]


def build(conn, *, schema: str, filler_runs: int = 48) -> Builder:
    """Create `schema` with the Medusa tables and fill it. Returns what was written."""
    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute(f"SET search_path TO {schema}")
    conn.execute(schema_sql())
    b = Builder()

    # Partners and their admins (one deleted partner; one admin of it).
    for pid, name, handle, status in PARTNERS:
        b.add("partner", id=pid, name=name, handle=handle, status=status, metadata={"x": 1})
        b.add("partner_admin", id=f"padm_{pid}_owner", first_name="Owner", last_name=name,
              email=f"owner@{handle}.test", partner_id=pid, role="owner")  # fmt: skip
        b.add("partner_admin", id=f"padm_{pid}_mgr", first_name="Manager", last_name=name,
              email=f"manager@{handle}.test", partner_id=pid, role="manager",
              is_active=pid != "partner_sul")  # fmt: skip
    b.add("partner", id="partner_gone", name="Gone", handle="gone", status="active",
          deleted_at=at(0))  # fmt: skip
    b.add("partner_admin", id="padm_orphan", first_name="O", last_name="Rphan",
          email="orphan@gone.test", partner_id="partner_gone", role="admin")  # fmt: skip
    b.add("partner_admin", id="padm_taken", first_name="Taken", last_name="Email",
          email="taken@loomworks.test", partner_id="partner_nord", role="admin")  # fmt: skip

    # Inventory items, task categories and templates (two share a name).
    for n, (sku, title, unit) in enumerate(
        [
            ("LIN-01", "Linen natural", "Meter"),
            ("BTN-04", "Horn button", "Piece"),
            ("THR-02", "Cotton thread", "Roll"),
            ("", "Dye (no SKU)", None),
        ]
    ):
        b.add("inventory_item", id=f"iitem_{n}", sku=sku or None, title=title,
              metadata={"unit_of_measure": unit} if unit else None)  # fmt: skip
    b.add("task_category", id="tcat_cut", name="Cutting")
    b.add("task_category", id="tcat_qc", name="Quality check")
    templates = [
        ("ttpl_cut", "Cutting", "tcat_cut", "high"),
        ("ttpl_sew", "Stitching", None, "medium"),
        ("ttpl_qc", "Quality check", "tcat_qc", "low"),
        ("ttpl_dup1", "Finishing", None, "medium"),
        ("ttpl_dup2", "Finishing", None, "medium"),
    ]
    for tid, name, category, priority in templates:
        b.add("task_template", id=tid, name=name, description=f"{name} step",
              category_id=category, priority=priority, estimated_duration=90,
              metadata={"order": 1})  # fmt: skip

    # Designs: every status, with specifications, colours, sizes and materials.
    for n, status in enumerate(DESIGN_STATUSES):
        did = f"design_{n}"
        b.add("design", id=did, name=f"Design {n} {status}", description="A shirt",
              status=status, priority=["Low", "Medium", "High", "Urgent"][n % 4],
              tags=["linen", "ss26"], moodboard={"images": []} if n % 2 else None,
              designer_notes="notes", target_completion_date=at(24 * 30),
              created_at=at(-100 + n))  # fmt: skip
        b.add("design_specifications", id=f"dspec_{n}_a", design_id=did, title="Chest",
              category="Measurements", details="Chest 104", measurements={"chest": 104},
              special_instructions="Ease +2" if n % 3 == 0 else None)  # fmt: skip
        b.add("design_specifications", id=f"dspec_{n}_b", design_id=did, title="Fabric",
              category="Materials", details="Linen", measurements=None)  # fmt: skip
        b.add("design_colors", id=f"dcol_{n}_a", design_id=did, name="Madder",
              hex_code="#A0522D", order=1)  # fmt: skip
        b.add("design_colors", id=f"dcol_{n}_b", design_id=did, name="Indigo",
              hex_code="indigo-blue" if n == 0 else "#1F2A44", order=2)  # fmt: skip
        for size in ("S", "M", "L"):
            b.add("design_size_sets", id=f"dsize_{n}_{size}", design_id=did,
                  size_label=size, measurements={"length": 70})  # fmt: skip
        b.add("design_inventory_item", id=f"dii_{n}_a", design_id=did,
              inventory_item_id="iitem_0", planned_quantity=1.6)  # fmt: skip
        b.add("design_inventory_item", id=f"dii_{n}_b", design_id=did,
              inventory_item_id="iitem_1" if n else "iitem_missing", planned_quantity=7)  # fmt: skip
    b.add("design", id="design_unknown_status", name="Odd", description="", status="Archived")

    def run(rid, status, *, partner="partner_nord", design="design_0", hours=0, **extra):
        snapshot = {"captured_at": at(hours).isoformat(), "design": {"id": design},
                    "specifications": [], "colors": [], "size_sets": [],
                    "inventory_links": [], "provenance": {"partner_id": partner}}  # fmt: skip
        row = dict(id=rid, status=status, design_id=design, partner_id=partner, quantity=10,
                   snapshot=snapshot, captured_at=at(hours), created_at=at(hours),
                   updated_at=at(hours + 5))  # fmt: skip
        lifecycle = {
            "sent_to_partner": {"dispatch_completed_at": at(hours + 1)},
            "in_progress": {"accepted_at": at(hours + 2)},
            "completed": {"accepted_at": at(hours + 2), "started_at": at(hours + 3),
                          "finished_at": at(hours + 4), "completed_at": at(hours + 5)},
            "cancelled": {"cancelled_at": at(hours + 3), "cancelled_reason": "Admin cancelled"},
            "awaiting_reassignment": {"previous_partner_id": partner, "partner_id": None},
        }.get(status, {})  # fmt: skip
        row.update(lifecycle)
        row.update(extra)
        return b.add("production_runs", **row)

    def tasks(rid, partner="partner_nord", statuses=("pending", "pending"), comments=True):
        """A container task with template tasks under it, each with a subtask."""
        container = b.add("task", id=f"task_{rid}_c", title=f"production-run-{rid}",
                          start_date=at(1), status="pending",
                          metadata={"workflow_type": "production_run",
                                    "production_run_id": rid,
                                    "comments": [{"id": f"comment_{rid}_c", "comment": "Fabric late",
                                                  "author_type": "admin", "author_id": "u1",
                                                  "author_name": "Ana Admin",
                                                  "created_at": at(2).isoformat()}]
                                    if comments else []})  # fmt: skip
        b.add("production_run_task", id=b.next("prtl"), production_run_id=rid,
              task_id=container["id"])  # fmt: skip
        for n, status in enumerate(statuses):
            tpl = templates[n % 3]
            task = b.add("task", id=f"task_{rid}_{n}", title=tpl[1], start_date=at(1),
                         end_date=at(24 * 7), status=status, priority=tpl[3],
                         parent_task_id=container["id"],
                         completed_at=at(3) if status == "completed" else None,
                         metadata={"workflow_type": "production_run", "production_run_id": rid,
                                   "template_id": tpl[0], "template_name": tpl[1],
                                   "order": n + 1,
                                   "comments": [{"id": f"comment_{rid}_{n}",
                                                 "comment": "  Started cutting ",
                                                 "author_type": "partner", "author_id": partner,
                                                 "author_name": "Partner",
                                                 "created_at": at(3).isoformat()}]
                                   if comments else []})  # fmt: skip
            b.add("production_run_task", id=b.next("prtl"), production_run_id=rid,
                  task_id=task["id"])  # fmt: skip
            if partner:
                b.add("partner_task", id=b.next("ptl"), partner_id=partner, task_id=task["id"])
            # A checklist item: not linked to the run, only under its task.
            b.add("task", id=f"task_{rid}_{n}_s", title=f"{tpl[1]}: check", start_date=at(1),
                  status="completed" if status == "completed" else "pending",
                  parent_task_id=task["id"], metadata={"order": 1})  # fmt: skip

    def activity(rid, kind, hours, actor="partner", activity_type="lifecycle_event"):
        b.add("production_run_activity", id=b.next("prun_act"), production_run_id=rid,
              activity_type=activity_type, kind=kind, actor_type=actor,
              summary=f"Run {kind}", payload={"design_id": "design_0"},
              occurred_at=at(hours))  # fmt: skip

    # Every status, plain.
    for n, status in enumerate(RUN_STATUSES):
        rid = f"prod_run_{status}"
        run(rid, status, hours=n, design=f"design_{n}")
        if status in ("sent_to_partner", "in_progress", "completed", "cancelled",
                      "awaiting_reassignment"):  # fmt: skip
            done = status == "completed"
            tasks(rid, statuses=("completed", "completed") if done else ("pending", "accepted"))
            activity(rid, "sent_to_partner", n + 1, actor="system")
        if status in ("in_progress", "completed"):
            activity(rid, "accepted", n + 2)
        if status == "completed":
            activity(rid, "started", n + 3)
            activity(rid, "finished", n + 4)
            activity(rid, "completed", n + 5)

    # In progress at each lifecycle sub-stage; the "finished" one is the one the
    # test completes through the partner API.
    run("prod_run_in_progress_started", "in_progress", hours=20, accepted_at=at(21),
        started_at=at(22))  # fmt: skip
    tasks("prod_run_in_progress_started", statuses=("in_progress", "assigned"))
    run("prod_run_in_progress_finished", "in_progress", hours=20, accepted_at=at(21),
        started_at=at(22), finished_at=at(23), lifecycle_transaction_id="wf_123")  # fmt: skip
    tasks("prod_run_in_progress_finished", statuses=("completed", "in_progress"))

    # Legacy sub-states and metadata keys.
    run("prod_run_legacy_accepted", "in_progress", hours=30, accepted_at=None,
        metadata={"acceptance": {"accepted_at": at(31).isoformat()},
                  "source": "order.placed", "is_custom_design": True})  # fmt: skip
    tasks("prod_run_legacy_accepted", comments=False)
    run("prod_run_legacy_awaiting", "approved", hours=31, dispatch_state="idle",
        metadata={"dispatch": {"state": "awaiting_templates", "started_at": at(32).isoformat()},
                  "dispatch_template_names": ["Cutting", "Stitching"]})  # fmt: skip
    run("prod_run_awaiting_templates", "approved", hours=32, dispatch_state="awaiting_templates",
        dispatch_started_at=at(33), dispatch_template_names=["Quality check"])  # fmt: skip
    run("prod_run_dispatch_done", "sent_to_partner", hours=33, dispatch_state="completed",
        dispatch_started_at=at(33), dispatch_completed_at=at(34),
        metadata={"source": "admin.designs.manual", "migrated_from": "send-to-production"})  # fmt: skip
    tasks("prod_run_dispatch_done")
    run("prod_run_completed_legacy", "completed", hours=34, completed_at=None,
        updated_at=at(40))  # fmt: skip
    run("prod_run_ambiguous_template", "approved", hours=35,
        dispatch_template_names=["Finishing", "Pressing"])  # fmt: skip
    run("prod_run_sample", "pending_review", hours=36, run_type="sample", partner=None,
        order_id="order_1", order_line_item_id="oli_1", product_id="prod_1",
        variant_id="variant_1")  # fmt: skip

    # A parent split into three steps for three partners, each depending on the one before.
    run("prod_run_parent", "in_progress", partner=None, hours=40, design="design_3",
        metadata={"source": "admin.designs.manual"})  # fmt: skip
    run("prod_run_child_cut", "completed", partner="partner_nord", hours=41, design="design_3",
        parent_run_id="prod_run_parent", role="cutting")  # fmt: skip
    tasks("prod_run_child_cut", statuses=("completed",))
    run("prod_run_child_weave", "in_progress", partner="partner_weave", hours=42,
        design="design_3", parent_run_id="prod_run_parent", role="weaving",
        depends_on_run_ids=["prod_run_child_cut"])  # fmt: skip
    tasks("prod_run_child_weave", partner="partner_weave")
    run("prod_run_child_tailor", "approved", partner="partner_sul", hours=43, design="design_3",
        parent_run_id="prod_run_parent", role="tailoring",
        depends_on_run_ids=["prod_run_child_cut", "prod_run_child_weave"],
        dispatch_template_names=["Stitching"])  # fmt: skip

    # Broken records: imported as they are, flagged.
    run("prod_run_completed_open_tasks", "completed", hours=50)
    tasks("prod_run_completed_open_tasks", statuses=("completed", "pending"))
    run("prod_run_completed_twice", "completed", hours=51)
    activity("prod_run_completed_twice", "completed", 55)
    activity("prod_run_completed_twice", "completed", 56)
    run("prod_run_dangling_partner", "in_progress", partner="partner_missing", hours=52)
    run("prod_run_dangling_parent", "approved", hours=53, parent_run_id="prod_run_missing")
    run("prod_run_dangling_dependency", "approved", hours=54,
        depends_on_run_ids=["prod_run_missing", "prod_run_completed"])  # fmt: skip
    run("prod_run_sent_too_early", "sent_to_partner", hours=55,
        depends_on_run_ids=["prod_run_approved"])  # fmt: skip
    run("prod_run_fractional", "approved", hours=56, quantity=2.5)
    run("prod_run_completed_parent", "completed", partner=None, hours=57)
    run("prod_run_open_child", "in_progress", hours=58, parent_run_id="prod_run_completed_parent")

    # Records that cannot be imported.
    run("prod_run_no_design", "approved", hours=60, design=None)
    run("prod_run_missing_design", "approved", hours=61, design="design_missing")
    run("prod_run_zero_quantity", "approved", hours=62, quantity=0)
    run("prod_run_unknown_status", "on_hold", hours=63)
    run("prod_run_bad_design_status", "approved", hours=64, design="design_unknown_status")
    run("prod_run_deleted", "approved", hours=65, deleted_at=at(70))
    b.add("task", id="task_orphan_run", title="Lost", start_date=at(1), status="pending",
          metadata={"production_run_id": "prod_run_missing"})  # fmt: skip
    b.add("task", id="task_weird_status", title="Odd", start_date=at(1), status="blocked",
          metadata={"production_run_id": "prod_run_in_progress"})  # fmt: skip
    b.add("task", id="task_partner_only", title="Swatch check", start_date=at(1),
          status="accepted", metadata={})  # fmt: skip
    b.add("partner_task", id=b.next("ptl"), partner_id="partner_sul", task_id="task_partner_only")

    # Filler: more runs over every status, so the batches turn over.
    for n in range(filler_runs):
        status = RUN_STATUSES[n % len(RUN_STATUSES)]
        partner = PARTNERS[n % len(PARTNERS)][0]
        rid = f"prod_run_fill_{n:03d}"
        run(rid, status, partner=partner, hours=100 + n, design=f"design_{n % 10}")
        if status in ("sent_to_partner", "in_progress", "completed", "cancelled"):
            done = status == "completed"
            tasks(rid, partner=partner,
                  statuses=("completed",) * 3 if done else (TASK_STATUSES[n % 6], "pending"))  # fmt: skip
            activity(rid, "sent_to_partner", 101 + n, actor="system")
            activity(rid, "assignment_pending", 102 + n, actor="scheduled_flow",
                     activity_type="reminder_sent")  # fmt: skip
        if status == "completed":
            activity(rid, "completed", 110 + n)

    # Consumption logs: run-scoped ones import; the others cannot.
    for n, rid in enumerate(("prod_run_in_progress", "prod_run_completed",
                             "prod_run_in_progress_finished")):  # fmt: skip
        b.add("consumption_log", id=f"clog_{n}", design_id="design_0", inventory_item_id="iitem_0",
              quantity=1.25 + n, unit_of_measure="Meter", consumption_type="production",
              consumed_by="partner", consumed_at=at(10 + n),
              metadata={"production_run_id": rid})  # fmt: skip
    b.add("consumption_log", id="clog_design_only", design_id="design_0",
          inventory_item_id="iitem_1", quantity=3, metadata=None)  # fmt: skip
    b.add("consumption_log", id="clog_zero", design_id="design_0", inventory_item_id="iitem_1",
          quantity=0, metadata={"production_run_id": "prod_run_in_progress"})  # fmt: skip
    b.add("consumption_log", id="clog_unknown_item", design_id="design_0",
          inventory_item_id="iitem_missing", quantity=2,
          metadata={"production_run_id": "prod_run_in_progress"})  # fmt: skip
    b.add("production_run_activity", id="prun_act_lost", production_run_id="prod_run_missing",
          activity_type="note", kind="whatsapp_message_logged", actor_type="admin",
          occurred_at=at(5))  # fmt: skip
    b.add("production_run_activity", id="prun_act_note", production_run_id="prod_run_completed",
          activity_type="note", kind="whatsapp_message_logged", actor_type="admin",
          channel="whatsapp", summary="Called about buttons", occurred_at=at(9))  # fmt: skip

    b.write(conn)
    conn.commit()
    return b
