"""Fill the benchmark database with realistic production runs, fast.

    python -m benchmarks.generate --runs 100000

brings the database (BENCH_DATABASE_URL, default lw_bench) to 100,000 runs:
it adds what is missing, so 10k → 100k → 1M grows one data set. The first
call also makes the brand admin, partners (each with a member who can log
in), designs and task templates.

The rows are written with PostgreSQL COPY, not through the services, but they
are what the services would have written: every status with the timestamps,
tasks, subtasks and history rows that status implies (an in-progress run has
at least one open task, a completed run none, a declined run's tasks are
cancelled), parents split into parts that depend on one another with a
status that follows theirs, and run numbers that continue the `PR-<n>`
counter. Old runs are mostly completed or cancelled; recent ones are spread
over the open statuses. Outbox events of the generated past are not written.

Logins: bench-admin@loomworks.test and partner members
bench-partner-<n>@loomworks.test, all with the password `loomworks-bench`.
"""

import argparse
import json
import random
import resource
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from benchmarks import settings as bench

PASSWORD = "loomworks-bench"
ADMIN_EMAIL = "bench-admin@loomworks.test"
PARTNER_COUNT = 200
DESIGN_COUNT = 2000
BATCH = 5000

FABRICS = [
    "Linen", "Cotton", "Denim", "Wool", "Silk", "Jersey", "Twill", "Canvas", "Corduroy",
    "Poplin", "Chambray", "Seersucker", "Velvet", "Tweed", "Flannel", "Satin", "Crepe",
    "Gabardine", "Fleece", "Hemp",
]  # fmt: skip
GARMENTS = [
    "Shirt", "Dress", "Trousers", "Jacket", "Skirt", "Coat", "Overshirt", "Blazer", "Shorts",
    "Jumpsuit", "Cardigan", "Tote", "Apron", "Hoodie", "Vest",
]  # fmt: skip
STYLES = [
    "Camp", "Relaxed", "Tailored", "Boxy", "Wrap", "Utility", "Pleated", "Cropped",
    "Oversized", "Slim", "Field", "Work", "Weekend", "Studio", "Harbour",
]  # fmt: skip
WORKSHOP_WORDS = ["Atelier", "Studio", "Stitch", "Maison", "Fabrica", "Sartoria", "Taller", "Loom"]
PLACES = [
    "Nord", "Porto", "Lisboa", "Braga", "Prato", "Lyon", "Leicester", "Izmir", "Tunis", "Sofia",
    "Cluj", "Guimaraes", "Biella", "Como", "Lodz", "Valencia", "Tanger", "Bursa", "Troyes",
    "Vila Nova", "Kaunas", "Plovdiv", "Oporto Sul", "Alcoy", "Tomar",
]  # fmt: skip
TEMPLATES = [
    ("Cutting", ["Check fabric against the swatch", "Lay and mark", "Cut panels", "Bundle"]),
    ("Stitching", ["Join shoulders and sides", "Set sleeves", "Attach collar", "Hem"]),
    ("Finishing", ["Trim threads", "Press", "Attach labels", "Fold and bag"]),
    ("Quality check", ["Measure against size chart", "Check seams", "Photograph"]),
    ("Dyeing", ["Prepare dye bath", "Dye", "Rinse and dry"]),
    ("Embroidery", ["Digitise", "Stitch-out sample", "Embroider batch"]),
    ("Printing", ["Make screens", "Print", "Cure"]),
    ("Washing", ["Enzyme wash", "Tumble dry"]),
    ("Pattern grading", []),
    ("Packing", ["Count", "Pack", "Label cartons"]),
    ("Button attaching", []),
    ("Redo fix", ["Fix the listed defects", "Re-check"]),
]
ROLES = ["cutting", "stitching", "finishing"]
CANCEL_REASONS = ["Order withdrawn", "Design dropped", "Fabric unavailable", "Duplicate run"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rest = divmod(number, 32)
        chars.append(_ALPHABET[rest])
    return "".join(reversed(chars))


def new_id(prefix: str, at: datetime, rng: random.Random) -> str:
    """The app's id format (loomworks.core.ids), with the clock part taken from `at`."""
    millis = int(at.timestamp() * 1000)
    return f"{prefix}_{_encode(millis, 10)}{_encode(rng.getrandbits(80), 16)}"


# ---------------------------------------------------------------- the catalogue


@dataclass
class Catalogue:
    admin_id: int
    admin_name: str
    partners: list[tuple[str, str, int]]  # (id, name, member user id)
    designs: list[tuple[str, str]]  # (id, snapshot JSON)
    templates: list[tuple[str, str, list[str]]]  # (id, name, checklist)


def _make_catalogue(conn, rng: random.Random, now: datetime) -> None:
    from django.contrib.auth.hashers import make_password

    password = make_password(PASSWORD)
    since = now - timedelta(days=800)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO accounts_user (password, is_superuser, email, first_name, last_name,"
            " is_staff, is_active, date_joined, language)"
            " VALUES (%s, false, %s, 'Bench', 'Admin', true, true, %s, '') RETURNING id",
            [password, ADMIN_EMAIL, since],
        )
        partners = []
        for n in range(PARTNER_COUNT):
            # 8 words × 25 places: 200 different names
            name = f"{WORKSHOP_WORDS[n % len(WORKSHOP_WORDS)]} {PLACES[n % len(PLACES)]}"
            handle = f"bench-{n}-" + name.lower().replace(" ", "-")
            partner_id = new_id("ptr", since, rng)
            cur.execute(
                "INSERT INTO partners_partner (created_at, updated_at, id, name, handle, status,"
                " email, phone, languages, roles)"
                " VALUES (%s, %s, %s, %s, %s, 'active', %s, '', '[\"pt\"]', '[]')",
                [since, since, partner_id, name, handle, f"hello@{handle}.test"],
            )
            cur.execute(
                "INSERT INTO accounts_user (password, is_superuser, email, first_name, last_name,"
                " is_staff, is_active, date_joined, language)"
                " VALUES (%s, false, %s, 'Member', %s, false, true, %s, '') RETURNING id",
                [password, f"bench-partner-{n}@loomworks.test", str(n), since],
            )
            user_id = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO partners_partnermember (created_at, updated_at, id, role, is_active,"
                " email_notifications, partner_id, user_id)"
                " VALUES (%s, %s, %s, 'owner', true, true, %s, %s)",
                [since, since, new_id("mem", since, rng), partner_id, user_id],
            )
            partners.append(partner_id)
        with cur.copy(
            "COPY catalog_design (created_at, updated_at, id, name, description, status,"
            " priority, thumbnail_url, moodboard, tags, notes, measurement_points) FROM STDIN"
        ) as copy:
            for n in range(DESIGN_COUNT):
                name = (
                    f"{STYLES[n % len(STYLES)]} {FABRICS[(n // len(STYLES)) % len(FABRICS)]} "
                    f"{GARMENTS[(n // 7) % len(GARMENTS)]}"
                )
                if n >= len(STYLES) * len(FABRICS):
                    name = f"{name} No. {n // (len(STYLES) * len(FABRICS)) + 1}"
                status = rng.choice(["Approved", "Commerce_Ready", "Sample_Production"])
                copy.write_row(
                    (since, since, new_id("des", since, rng), name,
                     f"A {name.lower()} for the season.", status, "medium", "", "{}",
                     json.dumps([name.split()[1].lower()]), "", "[]")
                )  # fmt: skip
        for name, checklist in TEMPLATES:
            cur.execute(
                "INSERT INTO work_tasktemplate (created_at, updated_at, id, name, description,"
                " category, priority, estimated_duration, checklist)"
                " VALUES (%s, %s, %s, %s, %s, %s, 'medium', 120, %s)",
                [since, since, new_id("tpl", since, rng), name, f"{name}.", name.lower(),
                 json.dumps(checklist)],
            )  # fmt: skip
        cur.execute("INSERT INTO core_counter (name, value) VALUES ('production_run', 0)"
                    " ON CONFLICT (name) DO NOTHING")  # fmt: skip


def load_catalogue(conn) -> Catalogue | None:
    with conn.cursor() as cur:
        cur.execute("SELECT id, first_name || ' ' || last_name FROM accounts_user WHERE email = %s",
                    [ADMIN_EMAIL])  # fmt: skip
        admin = cur.fetchone()
        if admin is None:
            return None
        cur.execute(
            "SELECT p.id, p.name, m.user_id FROM partners_partner p"
            " JOIN partners_partnermember m ON m.partner_id = p.id"
            " WHERE p.handle LIKE 'bench-%%' ORDER BY p.handle"
        )
        partners = cur.fetchall()
        cur.execute("SELECT id, name, description FROM catalog_design ORDER BY id")
        designs = [
            (
                design_id,
                json.dumps(
                    {
                        "design": {"id": design_id, "name": name, "description": text},
                        "specifications": [],
                        "colors": [],
                        "size_sets": [],
                        "materials": [],
                    }
                ),
            )
            for design_id, name, text in cur.fetchall()
        ]
        cur.execute("SELECT id, name, checklist FROM work_tasktemplate ORDER BY name")
        templates = [(tid, name, checklist) for tid, name, checklist in cur.fetchall()]
    return Catalogue(admin[0], admin[1], partners, designs, templates)


# ---------------------------------------------------------------- runs

OLD_STATUSES = [
    ("completed", 84), ("cancelled", 9), ("in_progress", 3), ("sent_to_partner", 1),
    ("approved", 1), ("awaiting_reassignment", 1), ("pending_review", 1),
]  # fmt: skip
RECENT_STATUSES = [
    ("draft", 4), ("pending_review", 10), ("approved", 14), ("sent_to_partner", 15),
    ("in_progress", 34), ("completed", 17), ("cancelled", 4), ("awaiting_reassignment", 2),
]  # fmt: skip


def _pick(rng: random.Random, weighted) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


@dataclass
class Rows:
    runs: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    history: list = field(default_factory=list)
    dependencies: list = field(default_factory=list)


@dataclass
class Steps:
    """When each step of a run happened (None: it did not)."""

    created: datetime
    approved: datetime | None = None
    dispatched: datetime | None = None
    accepted: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    ended: datetime | None = None  # completed, cancelled or declined


PATHS = {
    # status: the steps it went through, and how it ended
    "draft": ((), None),
    "pending_review": ((), None),
    "approved": (("approved",), None),
    "sent_to_partner": (("approved", "dispatched"), None),
    "in_progress": (("approved", "dispatched", "accepted"), None),
    "completed": (("approved", "dispatched", "accepted", "started", "finished"), "completed"),
    "awaiting_reassignment": (("approved", "dispatched"), "declined"),
}
STEP_DAYS = {"approved": 2, "dispatched": 2, "accepted": 3, "started": 2, "finished": 20}
CANCELLED_AFTER = [((), 35), (("approved",), 30), (("approved", "dispatched"), 15),
                   (("approved", "dispatched", "accepted"), 20)]  # fmt: skip


class Generator:
    def __init__(self, catalogue: Catalogue, rng: random.Random, now: datetime, number: int):
        self.c = catalogue
        self.rng = rng
        self.now = now
        self.number = number  # the last run number used

    def _steps(self, created: datetime, names, ending: str | None) -> Steps:
        rng = self.rng
        offsets = []
        total = 0.0
        for name in names:
            total += rng.uniform(0.05, 1.0) * STEP_DAYS[name] * 86400
            offsets.append((name, total))
        end_offset = None
        if ending:
            total += rng.uniform(0.1, 1.0) * 5 * 86400
            end_offset = total
        room = (self.now - created).total_seconds() - 60
        scale = max(0.0, min(1.0, room / total)) if total else 1.0
        steps = Steps(created=created)
        for name, offset in offsets:
            setattr(steps, name, created + timedelta(seconds=offset * scale))
        if end_offset is not None:
            steps.ended = created + timedelta(seconds=end_offset * scale)
        return steps

    def _history(self, run_id, kind, before, after, at, actor="admin", note="", related=None):
        if actor == "admin":
            actor_id, name = self.c.admin_id, self.c.admin_name
        elif actor == "system":
            actor_id, name = None, "Loomworks"
        else:
            actor_id, name = actor
        self.rows.history.append(
            (kind, before, after, "partner" if isinstance(actor, tuple) else actor, name, note,
             "{}", at, actor_id, related, run_id)
        )  # fmt: skip

    def _tasks(self, run_id, partner_id, at: datetime, mode: str, due, ended: datetime | None):
        """Tasks from 1–3 templates; `mode`: pending, partial, done, cancelled, partial_cancelled."""
        rng = self.rng
        chosen = rng.sample(self.c.templates, rng.randint(1, 3))
        tree = []  # (template, task id, [subtask ids])
        leaves = []
        for template_id, name, checklist in chosen:
            task_id = new_id("task", at, rng)
            subs = [new_id("task", at, rng) for _ in checklist]
            tree.append((template_id, name, checklist, task_id, subs))
            leaves.extend(subs or [task_id])
        if mode == "partial":
            done = set(leaves[: rng.randint(0, len(leaves) - 1)])
        elif mode == "partial_cancelled":
            done = set(leaves[: rng.randint(0, len(leaves))])
        elif mode == "done":
            done = set(leaves)
        else:
            done = set()
        open_status = "cancelled" if mode in ("cancelled", "partial_cancelled") else "pending"
        span = max(((ended or self.now) - at).total_seconds() - 1, 1)

        def stamp(status):
            when = at + timedelta(seconds=rng.uniform(0, span))
            return (when if status == "completed" else None,
                    (ended or when) if status == "cancelled" else None, when)  # fmt: skip

        latest_done = None
        for position, (template_id, name, checklist, task_id, subs) in enumerate(tree):
            sub_rows = []
            for index, (item, sub_id) in enumerate(zip(checklist, subs, strict=True)):
                status = "completed" if sub_id in done else open_status
                completed_at, cancelled_at, updated = stamp(status)
                sub_rows.append(
                    (at, updated, sub_id, item, "", status, "medium", index, None, None,
                     completed_at, cancelled_at, task_id, partner_id, run_id, template_id)
                )  # fmt: skip
            finished = all(s in done for s in subs) if subs else task_id in done
            status = "completed" if finished else open_status
            completed_at, cancelled_at, updated = stamp(status)
            if finished and sub_rows:
                completed_at = max(row[10] for row in sub_rows)
            self.rows.tasks.append(
                (at, updated, task_id, name, f"{name}.", status, "medium", position, due, None,
                 completed_at, cancelled_at, None, partner_id, run_id, template_id)
            )  # fmt: skip
            self.rows.tasks.extend(sub_rows)
            for row in (*sub_rows, self.rows.tasks[-len(sub_rows) - 1]):
                if row[10] and (latest_done is None or row[10] > latest_done):
                    latest_done = row[10]
        return latest_done

    def _run(
        self,
        *,
        status,
        steps: Steps,
        design,
        partner,
        parent=None,
        group=None,
        role="",
        quantity=None,
        previous=None,
        planned=(),
        cancelled_from=None,
        kind="production",
    ):
        """One run row, its history and its tasks. Returns its id and number."""
        rng = self.rng
        self.number += 1
        number = self.number
        run_id = new_id("run", steps.created, rng)
        design_id, snapshot = design
        partner_id = partner[0] if partner else None
        member = (partner[2], f"Member {partner[1]}") if partner else None
        quantity = quantity or rng.choice([10, 20, 24, 30, 50, 60, 100, 120, 200, 250, 500])
        due = (steps.created + timedelta(days=rng.randint(20, 90))).date()
        promised = (due - timedelta(days=rng.randint(0, 10))) if steps.accepted else None
        ended_status = status

        # history: creation, then each step
        first = "approved" if parent else ("draft" if status == "draft" else "pending_review")
        self._history(run_id, "created", "", first, steps.created,
                      note=f"Part of PR-{parent[1]}" if parent else "")  # fmt: skip
        current = first
        if steps.approved and not parent:
            self._history(run_id, "approve", current, "approved", steps.approved)
            current = "approved"
        if steps.dispatched:
            actor = "system" if group and group > 1 else "admin"
            self._history(run_id, "dispatch", current, "sent_to_partner", steps.dispatched, actor)
            current = "sent_to_partner"
        if steps.accepted:
            self._history(run_id, "accept", current, "in_progress", steps.accepted, member)
            current = "in_progress"
        if steps.started:
            self._history(run_id, "start", current, current, steps.started, member)
        if steps.finished:
            self._history(run_id, "finish", current, current, steps.finished, member)
        completed_at = cancelled_at = None
        reason = ""
        if status == "completed":
            self._history(run_id, "complete", current, "completed", steps.ended, "system",
                          note=f"Every task of PR-{number} is done.")  # fmt: skip
            completed_at = steps.ended
        elif status == "cancelled":
            reason = rng.choice(CANCEL_REASONS)
            self._history(run_id, "cancel", current, "cancelled", steps.ended, note=reason)
            cancelled_at = steps.ended
        elif status == "awaiting_reassignment":
            self._history(run_id, "decline", current, status, steps.ended, member,
                          note="No capacity")  # fmt: skip
            previous, partner_id = partner_id, None

        latest_done = None
        if steps.dispatched:
            mode = {"sent_to_partner": "pending", "in_progress": "partial", "completed": "done",
                    "awaiting_reassignment": "cancelled"}.get(status)  # fmt: skip
            if status == "cancelled":
                mode = "partial_cancelled" if steps.accepted else "cancelled"
            latest_done = self._tasks(run_id, partner[0], steps.dispatched, mode, due,
                                      steps.ended if status != "in_progress" else None)  # fmt: skip
        # What the reminder rules read: when it was last sent, when it last moved forward.
        stage = steps.finished or steps.started or steps.accepted
        last_progress = max(t for t in (stage, latest_done) if t) if stage else None
        updated = steps.ended or steps.finished or steps.started or steps.accepted
        updated = updated or steps.dispatched or steps.approved or steps.created
        self.rows.runs.append(
            (steps.created, updated, run_id, number, kind, quantity, ended_status, role, group,
             json.dumps(list(planned)), snapshot, steps.accepted, steps.started, steps.finished,
             completed_at, cancelled_at, reason, due, promised, "", "{}", design_id,
             parent[0] if parent else None, partner_id, previous, steps.dispatched, last_progress)
        )  # fmt: skip
        return run_id, number

    def _status_for(self, created: datetime) -> str:
        recent = (self.now - created).days < 90
        return _pick(self.rng, RECENT_STATUSES if recent else OLD_STATUSES)

    def standalone(self, created: datetime) -> None:
        rng = self.rng
        status = self._status_for(created)
        if status == "cancelled":
            names = _pick(rng, [(tuple(p), w) for p, w in CANCELLED_AFTER])
            steps = self._steps(created, names, "cancelled")
        else:
            names, ending = PATHS[status]
            steps = self._steps(created, names, ending)
        partner = rng.choice(self.c.partners) if (steps.approved or rng.random() < 0.5) else None
        self._run(status=status, steps=steps, design=rng.choice(self.c.designs), partner=partner,
                  kind="sample" if rng.random() < 0.1 else "production")  # fmt: skip

    def split(self, created: datetime) -> int:
        """A parent split into a chain of 2–3 parts (part k+1 depends on part k). Returns runs made."""
        rng = self.rng
        status = self._status_for(created)
        if status in ("draft", "pending_review"):
            self.standalone(created)
            return 1
        parts = rng.randint(2, 3)
        design = rng.choice(self.c.designs)
        partners = rng.sample(self.c.partners, parts)
        quantity = rng.choice([100, 200, 300, 500])
        # How far the chain got: parts before `reached` completed, part `reached` moving.
        if status == "completed":
            reached, moving = parts, None
        elif status == "cancelled":
            reached, moving = 0, "cancelled"
        elif status == "in_progress":
            reached = rng.randint(0, parts - 1)
            moving = (
                "in_progress" if reached == 0 else rng.choice(["sent_to_partner", "in_progress"])
            )
        else:  # approved, sent_to_partner, awaiting_reassignment at the parent: not accepted yet
            reached, moving = 0, rng.choice(["sent_to_partner", "awaiting_reassignment"])
        parent_steps = self._steps(created, ("approved",), None)
        self.number += 1
        parent_number = self.number
        parent_id = new_id("run", created, rng)
        at = parent_steps.approved
        child_ids, child_end = [], at
        templates = [t[0] for t in rng.sample(self.c.templates, 2)]
        first_accept = None
        for index in range(parts):
            if index < reached:
                child_status = "completed"
            elif index == reached and moving:
                child_status = moving
            else:
                child_status = "cancelled" if status == "cancelled" else "approved"
            # parts made at approval; each starts when the one before it completed
            names, ending = PATHS.get(child_status, ((), "cancelled"))
            if child_status == "cancelled":
                names = ("dispatched",) if index == 0 and rng.random() < 0.5 else ()
            start = child_end if index > 0 and child_status != "approved" else at
            steps = self._steps(start, names, ending)
            steps.created, steps.approved = at, at
            if steps.dispatched is None and child_status not in ("approved", "cancelled"):
                steps.dispatched = start
            run_id, _ = self._run(
                status=child_status, steps=steps, design=design, partner=partners[index],
                parent=(parent_id, parent_number), group=index + 1, role=ROLES[index],
                quantity=quantity, planned=templates,
            )  # fmt: skip
            if steps.accepted and (first_accept is None or steps.accepted < first_accept):
                first_accept = steps.accepted
            if child_ids:
                self.rows.dependencies.append((child_ids[-1], run_id))
            child_ids.append(run_id)
            child_end = steps.ended or child_end
        # the parent follows its parts
        self._history(parent_id, "created", "", "pending_review", created)
        self._history(parent_id, "approve", "pending_review", "approved", at)
        parent_status, accepted_at, completed_at, cancelled_at = "approved", None, None, None
        if first_accept:
            parent_status, accepted_at = "in_progress", first_accept
            self._history(parent_id, "parts_started", "approved", "in_progress", first_accept,
                          "system", related=child_ids[0])  # fmt: skip
        if status == "completed":
            parent_status, completed_at = "completed", child_end
            self._history(parent_id, "complete", "in_progress", "completed", child_end, "system",
                          note="Every part has ended; at least one completed.",
                          related=child_ids[-1])  # fmt: skip
        elif status == "cancelled":
            parent_status, cancelled_at = "cancelled", child_end
            self._history(parent_id, "cancel", "approved", "cancelled", child_end,
                          note="Order withdrawn")  # fmt: skip
        due = (created + timedelta(days=rng.randint(30, 90))).date()
        self.rows.runs.append(
            (created, completed_at or cancelled_at or accepted_at or at, parent_id, parent_number,
             "production", quantity, parent_status, "", None, "[]", design[1], accepted_at, None,
             None, completed_at, cancelled_at, "Order withdrawn" if cancelled_at else "", due,
             None, "", "{}", design[0], None, None, None, None, None)
        )  # fmt: skip
        return parts + 1

    def batch(self, count: int) -> Rows:
        self.rows = Rows()
        made = 0
        while made < count:
            created = self.now - timedelta(seconds=self.rng.uniform(60, 730 * 86400))
            if count - made >= 4 and self.rng.random() < 0.08:
                made += self.split(created)
            else:
                self.standalone(created)
                made += 1
        return self.rows


RUN_COLUMNS = (
    "created_at, updated_at, id, number, run_type, quantity, status, role, order_group,"
    " planned_template_ids, snapshot, accepted_at, started_at, finished_at, completed_at,"
    " cancelled_at, cancelled_reason, due_date, promised_date, notes, metadata, design_id,"
    " parent_id, partner_id, previous_partner_id, last_sent_at, last_progress_at"
)
TASK_COLUMNS = (
    "created_at, updated_at, id, title, description, status, priority, position, due_date,"
    " accepted_at, completed_at, cancelled_at, parent_id, partner_id, run_id, template_id"
)
HISTORY_COLUMNS = (
    "kind, from_status, to_status, actor_kind, actor_name, note, details, occurred_at,"
    " actor_id, related_run_id, run_id"
)


# Columns every generated row holds the same value in (what the services write
# for a run without a size matrix, a task that is not a quality check).
CONSTANT_COLUMNS = {
    "production_productionrun": {"size_quantities": "[]"},
    "work_task": {"quality_check": False, "check_result": "", "check_note": ""},
}


def _copy(cur, table: str, columns: str, rows) -> None:
    constants = CONSTANT_COLUMNS.get(table, {})
    if constants:
        columns = ", ".join([columns, *constants])
    extra = tuple(constants.values())
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row + extra if extra else row)


def existing_runs(conn) -> int:
    return conn.execute("SELECT count(*) FROM production_productionrun").fetchone()[0]


def generate(target: int, *, seed: int | None = None, progress=print) -> dict:
    """Add runs until the database holds `target`. Returns what was done, with timings."""
    import psycopg

    bench.setup(migrate=True)
    started = time.monotonic()
    now = datetime.now(UTC)
    rng = random.Random(seed if seed is not None else secrets.randbits(32))
    with psycopg.connect(bench.psycopg_url()) as conn:
        conn.execute("SET synchronous_commit = off")
        # Foreign keys are right by construction; skipping their triggers makes COPY faster.
        conn.execute("SET session_replication_role = replica")
        catalogue = load_catalogue(conn)
        if catalogue is None:
            progress("Making the catalogue: admin, partners with members, designs, templates…")
            _make_catalogue(conn, rng, now)
            conn.commit()
            catalogue = load_catalogue(conn)
        have = existing_runs(conn)
        if have >= target:
            progress(f"{have:,} runs already; nothing to add.")
            return {"runs": have, "added": 0, "seconds": 0.0}
        number = conn.execute(
            "SELECT coalesce(max(number), 0) FROM production_productionrun"
        ).fetchone()[0]
        generator = Generator(catalogue, rng, now, number)
        added = tasks = history = 0
        progress(f"Adding {target - have:,} runs to {have:,}…")
        while have + added < target:
            rows = generator.batch(min(BATCH, target - have - added))
            with conn.cursor() as cur:
                _copy(cur, "production_productionrun", RUN_COLUMNS, rows.runs)
                _copy(cur, "work_task", TASK_COLUMNS, rows.tasks)
                _copy(cur, "production_runhistory", HISTORY_COLUMNS, rows.history)
                _copy(cur, "production_rundependency", "depends_on_id, run_id", rows.dependencies)
            conn.commit()
            added += len(rows.runs)
            tasks += len(rows.tasks)
            history += len(rows.history)
            elapsed = time.monotonic() - started
            progress(
                f"  {have + added:>10,} runs  {tasks:>10,} tasks  {history:>10,} history rows"
                f"  {added / elapsed:>8,.0f} runs/s"
            )
        conn.execute(
            "UPDATE core_counter SET value = (SELECT max(number) FROM production_productionrun)"
            " WHERE name = 'production_run'"
        )
        conn.commit()
    progress("Analysing the tables…")
    with psycopg.connect(bench.psycopg_url(), autocommit=True) as conn:
        for table in ("production_productionrun", "work_task", "production_runhistory",
                      "production_rundependency", "catalog_design", "partners_partner"):  # fmt: skip
            conn.execute(f"VACUUM ANALYZE {table}")
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    progress(f"Done: {have + added:,} runs in {seconds:.0f}s (peak memory {peak:.0f} MiB).")
    return {"runs": have + added, "added": added, "tasks": tasks, "history": history,
            "seconds": seconds, "peak_mib": peak}  # fmt: skip


CHECKS = {
    "in-progress runs without an open task": """
        SELECT count(*) FROM production_productionrun r WHERE r.status = 'in_progress'
        AND NOT EXISTS (SELECT 1 FROM production_productionrun c WHERE c.parent_id = r.id)
        AND NOT EXISTS (SELECT 1 FROM work_task t WHERE t.run_id = r.id
                        AND t.status IN ('pending', 'accepted', 'in_progress'))""",
    "completed runs with an open task": """
        SELECT count(DISTINCT t.run_id) FROM work_task t JOIN production_productionrun r
        ON r.id = t.run_id WHERE r.status = 'completed'
        AND t.status IN ('pending', 'accepted', 'in_progress')""",
    "runs without their creation row": """
        SELECT count(*) FROM production_productionrun r WHERE NOT EXISTS
        (SELECT 1 FROM production_runhistory h WHERE h.run_id = r.id AND h.kind = 'created')""",
    "runs whose last history row is not their status": """
        SELECT count(*) FROM production_productionrun r WHERE r.status <> (
        SELECT h.to_status FROM production_runhistory h WHERE h.run_id = r.id
        ORDER BY h.occurred_at DESC, h.id DESC LIMIT 1)""",
    "completed parents with a part still open": """
        SELECT count(*) FROM production_productionrun p WHERE p.status = 'completed'
        AND EXISTS (SELECT 1 FROM production_productionrun c WHERE c.parent_id = p.id
        AND c.status NOT IN ('completed', 'cancelled'))""",
    "parts dispatched before what they depend on completed": """
        SELECT count(*) FROM production_rundependency d
        JOIN production_productionrun r ON r.id = d.run_id
        JOIN production_productionrun o ON o.id = d.depends_on_id
        WHERE r.status IN ('sent_to_partner', 'in_progress', 'completed')
        AND o.status <> 'completed'""",
    "subtasks completed under a task that is not, or the reverse": """
        SELECT count(*) FROM work_task p WHERE p.parent_id IS NULL AND p.run_id IS NOT NULL
        AND EXISTS (SELECT 1 FROM work_task s WHERE s.parent_id = p.id)
        AND (p.status = 'completed') <> NOT EXISTS (SELECT 1 FROM work_task s
             WHERE s.parent_id = p.id AND s.status <> 'completed')""",
    "sent runs without the time they were sent (reminders read it)": """
        SELECT count(*) FROM production_productionrun
        WHERE status = 'sent_to_partner' AND last_sent_at IS NULL""",
    "accepted runs in work without their last progress (reminders read it)": """
        SELECT count(*) FROM production_productionrun
        WHERE status = 'in_progress' AND accepted_at IS NOT NULL AND partner_id IS NOT NULL
        AND last_progress_at IS NULL""",
}


def check(progress=print) -> int:
    """Count rows that break what the services guarantee. Returns the number of problems."""
    import psycopg

    problems = 0
    with psycopg.connect(bench.psycopg_url()) as conn:
        for what, query in CHECKS.items():
            found = conn.execute(query).fetchone()[0]
            problems += found
            progress(f"  {'ok ' if not found else 'BAD'} {what}: {found}")
        rows = conn.execute(
            "SELECT status, count(*) FROM production_productionrun GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        progress("  statuses: " + ", ".join(f"{s} {n:,}" for s, n in rows))
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, required=True, help="total runs wanted")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--check", action="store_true", help="then check the data's invariants")
    parser.add_argument("--json", action="store_true", help="end with the summary as JSON")
    args = parser.parse_args(argv)
    summary = generate(args.runs, seed=args.seed)
    problems = check() if args.check else 0
    if args.json:
        print(json.dumps({**summary, "problems": problems}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
