"""`loomworks import-medusa`: the Medusa system's production data, into Loomworks.

The stages run in the order their references need: partners and their
admins, materials, task templates, designs with their specifications,
colours, sizes and bill of materials; runs (then, in a second pass, their
parents and dependencies, so a child read before its parent still finds
it); tasks (then their parents), with their comments; consumption logs; the
runs' activity. Every row keeps its Medusa id in `external_ref`: a second
import finds what the first wrote and updates it.

An import is not a transition. Rows are written in the status they had in
Medusa, directly (the one place outside the transition functions that may:
see tests/test_status_writes.py), and every run gets a history row
`imported` that says so. A run already imported whose status has since
changed in Loomworks is left as it is: Loomworks is where it lives now.

What breaks our rules (a completed run with open tasks, a run completed
twice, a reference to nothing…) is imported as it was, flagged on the run
(`import_flags`, shown on its page) and listed in the report. What cannot be
imported at all (a run without a design, a log not tied to a run…) is
skipped and listed with the reason.

With `dry_run`, the same work is done inside a transaction that is rolled
back: the report says what would be imported, and nothing is written.
"""

import contextlib
import time
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from loomworks.catalog.models import (
    Design,
    DesignColor,
    DesignMaterial,
    DesignSizeSet,
    DesignSpecification,
    Material,
    MaterialUnit,
)
from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import Conflict
from loomworks.core.models import Counter
from loomworks.importers.medusa import mapping
from loomworks.importers.medusa.source import CONTAINER_PREFIX, DESIGN_ITEM_LINK, Source
from loomworks.partners.models import Partner, PartnerMember
from loomworks.production.models import (
    ActorKind,
    ConsumptionLog,
    ConsumptionType,
    ProductionRun,
    RunDependency,
    RunHistory,
    RunStatus,
)
from loomworks.work.models import AuthorKind, Task, TaskComment, TaskStatus, TaskTemplate

User = get_user_model()

ACTOR_NAME = "Medusa import"
Progress = Callable[[str], None]


@dataclass
class Report:
    """What an import did (or, dry, would do): counts, refusals and flagged runs."""

    dry_run: bool = False
    source: str = ""
    counts: dict = field(default_factory=lambda: defaultdict(Tally))
    refused: list = field(default_factory=list)  # (kind, medusa id, reason)
    flagged: list = field(default_factory=list)  # (medusa id, our reference, [flags])
    notes: Tally = field(default_factory=Tally)  # legacy values read, by what was read
    invitations: int = 0
    seconds: float = 0.0

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        if n:
            self.counts[kind][outcome] += n

    def refuse(self, kind: str, ref, reason: str) -> None:
        self.refused.append((kind, str(ref), reason))

    def lines(self) -> list[str]:
        verb = "Would import" if self.dry_run else "Imported"
        out = [f"{verb} from {self.source}:"]
        for kind, outcome in self.counts.items():
            parts = ", ".join(f"{n:,} {what}" for what, n in sorted(outcome.items()))
            out.append(f"  {kind:<22} {parts}")
        if self.notes:
            out.append("Legacy values read:")
            out += [f"  {n:>8,}  {what}" for what, n in self.notes.most_common()]
        if self.flagged:
            out.append(f"Imported as they were, flagged ({len(self.flagged):,}):")
            out += [f"  {ref} ({ours}): {'; '.join(flags)}" for ref, ours, flags in self.flagged]
        if self.refused:
            out.append(f"Cannot be imported ({len(self.refused):,}):")
            out += [f"  {kind} {ref}: {reason}" for kind, ref, reason in self.refused]
        if self.invitations:
            out.append(f"Invitations to set a password sent: {self.invitations:,}")
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        out.append(f"Took {self.seconds:.1f}s.")
        return out


class _Bar:
    """A text progress bar through the `progress` callable the seeding commands use."""

    WIDTH = 30

    def __init__(self, progress: Progress | None, label: str, total: int):
        self.progress, self.label, self.total, self.done = progress, label, total, 0

    def advance(self, n: int) -> None:
        self.done += n
        if not self.progress:
            return
        total = max(self.total, self.done, 1)
        filled = int(self.WIDTH * self.done / total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.progress(f"  {self.label:<18} [{bar}] {self.done:>9,}/{total:,}")


def _safe_url(url: str) -> str:
    """The source's address without its password, for the report and the audit row."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def _create_as_of(model, objects: list, times: list) -> None:
    """Insert rows with their source's creation and update times.

    `auto_now_add`/`auto_now` would stamp them now; they are switched off for
    this one insert (the import runs alone in its command) instead of
    correcting every row afterwards.
    """
    now = timezone.now()
    stamped = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
    ]
    for obj, (created, updated) in zip(objects, times, strict=True):
        if hasattr(obj, "created_at"):
            obj.created_at = created or now
        if hasattr(obj, "updated_at"):
            obj.updated_at = updated or created or now
    saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]
    try:
        for f in stamped:
            f.auto_now = f.auto_now_add = False
        model.objects.bulk_create(objects)
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _differs(obj, values: dict) -> bool:
    """Set `values` on `obj`; True when one of them was not what it had."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


# Django's bulk_update writes a CASE with one branch per row: its cost grows
# with the square of the batch, so it goes a hundred rows at a time.
UPDATE_BATCH = 100


class MedusaImport:
    def __init__(
        self,
        source: Source,
        *,
        dry_run: bool,
        send_invitations: bool,
        progress: Progress | None,
    ):
        self.source = source
        self.dry_run = dry_run
        self.send_invitations = send_invitations and not dry_run
        self.progress = progress
        self.report = Report(dry_run=dry_run, source=_safe_url(source.url))
        self.actor = Actor(kind=Actor.SYSTEM, name=ACTOR_NAME)
        self.now = timezone.now()
        # The catalogue is small next to the runs: its id maps are held in memory.
        self.partners: dict[str, str] = {}
        self.designs: dict[str, str] = {}
        self.materials: dict[str, Material] = {}
        self.templates: dict[str, str] = {}
        self.template_names: dict[str, list[str]] = defaultdict(list)

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)

    def batches(self, label: str, query: str, params: tuple = ()):
        bar = _Bar(self.progress, label, self.source.count(query) if self.progress else 0)
        for rows in self.source.stream(query, params):
            yield rows
            bar.advance(len(rows))

    # ---------------------------------------------------------------- partners and members

    def partners_stage(self) -> None:
        for rows in self.batches("partners", self.source.partners_query()):
            with transaction.atomic():
                self._partners(rows)
        self.partners = dict(
            Partner.objects.exclude(external_ref="").values_list("external_ref", "id")
        )
        for rows in self.batches("partner admins", self.source.admins_query()):
            with transaction.atomic():
                self._members(rows)

    def _partners(self, rows: list[dict]) -> None:
        existing = {
            p.external_ref: p
            for p in Partner.objects.filter(external_ref__in=[r["id"] for r in rows])
        }
        wanted = {mapping.handle(r["handle"], r["name"] or r["id"]) for r in rows}
        taken = set(
            Partner.objects.filter(handle__in=wanted)
            .exclude(external_ref__in=[r["id"] for r in rows])
            .values_list("handle", flat=True)
        )
        new, changed = [], []
        for row in rows:
            name = mapping.text(row["name"], 200) or row["id"]
            status = mapping.partner_status(row["status"])
            partner = existing.get(row["id"])
            if partner is not None:
                if (partner.name, partner.status) != (name, status):
                    partner.name, partner.status = name, status
                    changed.append(partner)
                continue
            handle = mapping.handle(row["handle"], name)
            if handle in taken:
                handle = f"{handle}-medusa"[:100]
                self.report.notes["partner handles taken here: -medusa added"] += 1
            taken.add(handle)
            new.append(Partner(external_ref=row["id"], name=name, handle=handle, status=status))
        Partner.objects.bulk_create(new)
        Partner.objects.bulk_update(
            changed, ["name", "status", "updated_at"], batch_size=UPDATE_BATCH
        )
        self.report.count("partners", "created", len(new))
        self.report.count("partners", "updated", len(changed))
        self.report.count("partners", "unchanged", len(rows) - len(new) - len(changed))

    def _members(self, rows: list[dict]) -> None:
        refs = [r["id"] for r in rows]
        existing = {
            m.external_ref: m
            for m in PartnerMember.objects.filter(external_ref__in=refs).select_related("user")
        }
        emails = {(r["email"] or "").strip().lower() for r in rows}
        used = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        created = updated = 0
        for row in rows:
            email = (row["email"] or "").strip().lower()
            member = existing.get(row["id"])
            partner_id = self.partners.get(row["partner_id"] or "")
            if member is None and not partner_id:
                self.report.refuse(
                    "partner admin", row["id"], f"its partner {row['partner_id']} is not imported"
                )
                continue
            role = mapping.member_role(row["role"])
            active = row["is_active"] is not False
            if member is not None:
                names = {
                    "first_name": mapping.text(row["first_name"], 150),
                    "last_name": mapping.text(row["last_name"], 150),
                }
                if _differs(member.user, names):
                    member.user.save(update_fields=list(names))
                if _differs(member, {"role": role, "is_active": active}):
                    member.save(update_fields=["role", "is_active", "updated_at"])
                    updated += 1
                continue
            if "@" not in email:
                self.report.refuse("partner admin", row["id"], f"no e-mail address ({email!r})")
                continue
            if email in used:
                self.report.refuse(
                    "partner admin", row["id"], f"{email} is someone else's e-mail here already"
                )
                continue
            used.add(email)
            # No password: theirs cannot come across (the hashes are the source's
            # auth module's). They are invited to set one (`--send-invitations`).
            user = User.objects.create_user(
                email,
                None,
                first_name=mapping.text(row["first_name"], 150),
                last_name=mapping.text(row["last_name"], 150),
            )
            PartnerMember.objects.create(
                partner_id=partner_id,
                user=user,
                role=role,
                is_active=active,
                external_ref=row["id"],
            )
            created += 1
        self.report.count("partner members", "created", created)
        self.report.count("partner members", "updated", updated)

    def invitations_stage(self) -> None:
        from loomworks.partners.services import member_invitation_resend

        members = (
            PartnerMember.objects.exclude(external_ref="")
            .filter(is_active=True, user__is_active=True)
            .select_related("user")
            .iterator(chunk_size=500)
        )
        for member in members:
            if member.user.has_usable_password():
                continue
            try:
                member_invitation_resend(member=member)
            except Conflict:
                continue
            self.report.invitations += 1

    # ---------------------------------------------------------------- materials, templates, designs

    def materials_stage(self) -> None:
        for rows in self.batches("materials", self.source.items_query()):
            with transaction.atomic():
                self._materials(rows)
        self.materials = {m.external_ref: m for m in Material.objects.exclude(external_ref="")}

    def _materials(self, rows: list[dict]) -> None:
        refs = [r["id"] for r in rows]
        existing = {m.external_ref: m for m in Material.objects.filter(external_ref__in=refs)}
        skus = {mapping.text(r["sku"], 100) for r in rows}
        taken = set(
            Material.objects.filter(sku__in=skus)
            .exclude(external_ref__in=refs)
            .values_list("sku", flat=True)
        )
        new, changed = [], []
        for row in rows:
            name = mapping.text(row["title"], 200) or row["id"]
            material = existing.get(row["id"])
            if material is not None:
                if material.name != name:
                    material.name = name
                    changed.append(material)
                continue
            sku = mapping.text(row["sku"], 100)
            if not sku or sku in taken:
                sku = f"medusa-{row['id']}"[:100]
            taken.add(sku)
            unit = mapping.UNITS.get(mapping.legacy(row["metadata"] or {}, "unit_of_measure"))
            if unit not in MaterialUnit.values:
                unit = MaterialUnit.PIECE
            new.append(Material(external_ref=row["id"], sku=sku, name=name, unit=unit))
        Material.objects.bulk_create(new)
        Material.objects.bulk_update(changed, ["name", "updated_at"], batch_size=UPDATE_BATCH)
        self.report.count("materials", "created", len(new))
        self.report.count("materials", "updated", len(changed))

    def templates_stage(self) -> None:
        for rows in self.batches("task templates", self.source.templates_query()):
            with transaction.atomic():
                self._templates(rows)
        for ref, pk, name in TaskTemplate.objects.exclude(external_ref="").values_list(
            "external_ref", "id", "name"
        ):
            self.templates[ref] = pk
            self.template_names[name].append(pk)

    def _templates(self, rows: list[dict]) -> None:
        refs = [r["id"] for r in rows]
        existing = {t.external_ref: t for t in TaskTemplate.objects.filter(external_ref__in=refs)}
        new, changed = [], []
        for row in rows:
            values = {
                "name": mapping.text(row["name"], 200) or row["id"],
                "description": row["description"] or "",
                "category": mapping.text(row["category_name"], 100),
                "priority": mapping.priority(row["priority"]),
                "estimated_duration": row["estimated_duration"]
                if (row["estimated_duration"] or 0) > 0
                else None,
            }
            template = existing.get(row["id"])
            if template is None:
                new.append(TaskTemplate(external_ref=row["id"], **values))
                continue
            if _differs(template, values):
                changed.append(template)
        TaskTemplate.objects.bulk_create(new)
        TaskTemplate.objects.bulk_update(
            changed, [*TEMPLATE_KEYS, "updated_at"], batch_size=UPDATE_BATCH
        )
        self.report.count("task templates", "created", len(new))
        self.report.count("task templates", "updated", len(changed))

    def designs_stage(self) -> None:
        for rows in self.batches("designs", self.source.designs_query()):
            with transaction.atomic():
                self._designs(rows)
        self.designs = dict(
            Design.objects.exclude(external_ref="").values_list("external_ref", "id")
        )

    def _designs(self, rows: list[dict]) -> None:
        refs = [r["id"] for r in rows]
        existing = {d.external_ref: d for d in Design.objects.filter(external_ref__in=refs)}
        new, changed, times = [], [], []
        for row in rows:
            status = mapping.design_status(row["status"])
            if status is None:
                self.report.refuse("design", row["id"], f"unknown status {row['status']!r}")
                continue
            values = {
                "name": mapping.text(row["name"], 200) or row["id"],
                "description": row["description"] or "",
                "priority": mapping.priority(row["priority"]),
                "thumbnail_url": mapping.text(row["thumbnail_url"], 500),
                "moodboard": mapping.json_dict(row["moodboard"]),
                "tags": mapping.json_list(row["tags"]),
                "notes": row["designer_notes"] or "",
                "target_date": mapping.date_of(row["target_completion_date"]),
            }
            design = existing.get(row["id"])
            if design is None:
                # Imported in the status it had: an import is not a design transition.
                new.append(Design(external_ref=row["id"], status=status, **values))
                times.append((row["created_at"], row["updated_at"]))
                continue
            if _differs(design, values):
                changed.append(design)
        _create_as_of(Design, new, times)
        Design.objects.bulk_update(changed, [*DESIGN_KEYS, "updated_at"], batch_size=UPDATE_BATCH)
        self.report.count("designs", "created", len(new))
        self.report.count("designs", "updated", len(changed))
        by_ref = {d.external_ref: d.pk for d in [*new, *changed]}
        self._design_parts(by_ref)

    def _design_parts(self, by_ref: dict[str, str]) -> None:
        """Specifications, colours, sizes and materials: replaced by the source's each time."""
        if not by_ref:
            return
        ids = list(by_ref.values())
        for model in (DesignSpecification, DesignColor, DesignSizeSet, DesignMaterial):
            model.objects.filter(design_id__in=ids).delete()
        refs = list(by_ref)
        source = self.source
        specs, colors, sizes, lines = [], [], [], []
        if source.has("design_specifications"):
            query = source.design_children_query(
                "design_specifications",
                ["title", "category", "details", "measurements", "special_instructions"],
            )
            for rows in source.stream(query, (refs,)):
                for row in rows:
                    details = row["details"] or ""
                    if row["special_instructions"]:
                        details = f"{details}\n\n{row['special_instructions']}".strip()
                    specs.append(
                        DesignSpecification(
                            design_id=by_ref[row["design_id"]],
                            title=mapping.text(row["title"], 200) or "—",
                            category=mapping.text(row["category"], 100),
                            details=details,
                            measurements=mapping.json_dict(row["measurements"]),
                            position=len(specs),
                        )
                    )
        if source.has("design_colors"):
            query = source.design_children_query(
                "design_colors", ["name", "hex_code", "usage_notes", "order"]
            )
            for rows in source.stream(query, (refs,)):
                for row in rows:
                    hex_code = (row["hex_code"] or "").strip()
                    if len(hex_code) > 7:
                        self.report.notes["colours whose code was not #RRGGBB: left blank"] += 1
                        hex_code = ""
                    colors.append(
                        DesignColor(
                            design_id=by_ref[row["design_id"]],
                            name=mapping.text(row["name"], 100) or "—",
                            hex_code=hex_code,
                            usage_notes=row["usage_notes"] or "",
                            position=max(int(row["order"] or 0), 0),
                        )
                    )
        if source.has("design_size_sets"):
            query = source.design_children_query("design_size_sets", ["size_label", "measurements"])
            for rows in source.stream(query, (refs,)):
                for row in rows:
                    sizes.append(
                        DesignSizeSet(
                            design_id=by_ref[row["design_id"]],
                            size_label=mapping.text(row["size_label"], 50) or "—",
                            measurements=mapping.json_dict(row["measurements"]),
                            position=len(sizes),
                        )
                    )
        if source.has(DESIGN_ITEM_LINK):
            query = source.design_children_query(
                DESIGN_ITEM_LINK, ["inventory_item_id", "planned_quantity"]
            )
            for rows in source.stream(query, (refs,)):
                for row in rows:
                    material = self.materials.get(row["inventory_item_id"] or "")
                    planned = mapping.decimal(row["planned_quantity"] or 0)
                    if material is None or planned is None or planned < 0:
                        self.report.refuse(
                            "design material",
                            row["id"],
                            f"inventory item {row['inventory_item_id']} not imported"
                            if material is None
                            else f"planned quantity {row['planned_quantity']!r}",
                        )
                        continue
                    lines.append(
                        DesignMaterial(
                            design_id=by_ref[row["design_id"]],
                            material=material,
                            name=material.name,
                            planned_quantity=planned,
                            unit=material.unit,
                            position=len(lines),
                        )
                    )
        DesignSpecification.objects.bulk_create(specs)
        DesignColor.objects.bulk_create(colors)
        DesignSizeSet.objects.bulk_create(sizes)
        DesignMaterial.objects.bulk_create(lines)
        self.report.count("design parts", "specifications", len(specs))
        self.report.count("design parts", "colours", len(colors))
        self.report.count("design parts", "sizes", len(sizes))
        self.report.count("design parts", "materials", len(lines))

    # ---------------------------------------------------------------- runs

    def runs_stage(self) -> None:
        for rows in self.batches("runs", self.source.runs_query()):
            with transaction.atomic():
                self._runs(rows)
        for rows in self.batches("parents, dependencies", self.source.run_links_query()):
            with transaction.atomic():
                self._run_links(rows)

    def _run_values(self, m: mapping.RunMapping) -> dict:
        row = m.row
        partner_id = self.partners.get(row["partner_id"] or "")
        template_ids = []
        for name in m.template_names:
            found = self.template_names.get(name, [])
            if len(found) == 1:
                template_ids.append(found[0])
            else:
                m.flags.append(
                    f"template {name!r} is "
                    + ("not among the imported ones" if not found else "ambiguous (two share it)")
                )
        in_work = m.run_status in (RunStatus.SENT_TO_PARTNER, RunStatus.IN_PROGRESS)
        last_sent = None
        if in_work or m.run_status == RunStatus.COMPLETED:
            last_sent = row["dispatch_completed_at"] or m.accepted_at or row["updated_at"]
        last_progress = None
        if m.run_status == RunStatus.IN_PROGRESS:
            stamps = [t for t in (m.finished_at, m.started_at, m.accepted_at) if t]
            last_progress = max(stamps) if stamps else row["updated_at"]
        medusa = m.medusa_metadata()
        medusa["imported_status"] = m.run_status
        medusa["notes"] = m.notes

        def quantity(value):
            return int(value) if isinstance(value, int | float) and value >= 0 else None

        return {
            "design_id": self.designs[row["design_id"]],
            "run_type": m.run_type,
            "quantity": m.quantity,
            "partner_id": partner_id,
            "previous_partner_id": self.partners.get(row["previous_partner_id"] or ""),
            "role": mapping.text(row["role"], 100),
            "planned_template_ids": template_ids,
            "snapshot": row["snapshot"] if isinstance(row["snapshot"], dict) else {},
            "accepted_at": m.accepted_at,
            "started_at": m.started_at,
            "finished_at": m.finished_at,
            "completed_at": m.completed_at,
            "cancelled_at": m.cancelled_at,
            "cancelled_reason": row["cancelled_reason"] or "",
            "last_sent_at": last_sent,
            "last_progress_at": last_progress,
            "produced_quantity": quantity(row["produced_quantity"]),
            "rejected_quantity": quantity(row["rejected_quantity"]),
            "metadata": {"medusa": medusa},
            "import_flags": m.flags,
        }

    def _runs(self, rows: list[dict]) -> None:
        mappings = []
        for row in rows:
            m = mapping.RunMapping(row)
            if not m.ok:
                self.report.refuse("run", row["id"], m.refusal)
                continue
            if row["design_id"] not in self.designs:
                self.report.refuse("run", row["id"], f"its design {row['design_id']} was refused")
                continue
            mappings.append(m)
            for note in m.notes:
                self.report.notes[note] += 1
        existing = {
            r.external_ref: r
            for r in ProductionRun.objects.filter(external_ref__in=[m.row["id"] for m in mappings])
        }
        new, new_maps, changed, kept, unchanged = [], [], [], 0, 0
        for m in mappings:
            values = self._run_values(m)
            run = existing.get(m.row["id"])
            if run is None:
                # Created in its Medusa status, directly: an import is not a transition.
                new.append(ProductionRun(external_ref=m.row["id"], status=m.run_status, **values))
                new_maps.append(m)
                continue
            imported_as = (run.metadata.get("medusa") or {}).get("imported_status")
            if imported_as != run.status:
                # It moved on in Loomworks since the last import: Loomworks wins.
                kept += 1
                continue
            if _differs(run, values) or run.status != m.run_status:
                run.status = m.run_status  # the source's status, as it is now (see above)
                changed.append(run)
            else:
                unchanged += 1
        if new:
            first = Counter.next_value("production_run", count=len(new))
            for offset, run in enumerate(new):
                run.number = first + offset
            _create_as_of(
                ProductionRun, new, [(m.row["created_at"], m.row["updated_at"]) for m in new_maps]
            )
            self._run_history(new, new_maps)
        if changed:
            ProductionRun.objects.bulk_update(
                changed, ["status", *RUN_KEYS, "updated_at"], batch_size=UPDATE_BATCH
            )
        for run in [
            *new,
            *(
                r
                for r in existing.values()
                if r.status == r.metadata.get("medusa", {}).get("imported_status")
            ),
        ]:
            if run.import_flags:
                self.report.flagged.append(
                    (run.external_ref, run.reference, list(run.import_flags))
                )
        self.report.count("runs", "created", len(new))
        self.report.count("runs", "updated", len(changed))
        self.report.count("runs", "unchanged", unchanged)
        self.report.count("runs", "kept (changed here since)", kept)

    def _run_history(self, runs: list, maps: list) -> None:
        history = []
        for run, m in zip(runs, maps, strict=True):
            history.append(
                RunHistory(
                    run=run,
                    kind="created",
                    to_status=RunStatus.PENDING_REVIEW,
                    actor_kind=ActorKind.SYSTEM,
                    actor_name="Medusa",
                    note=f"Created in Medusa as {m.row['id']}",
                    occurred_at=run.created_at,
                    external_ref=f"created:{m.row['id']}",
                )
            )
            history.append(
                RunHistory(
                    run=run,
                    kind="imported",
                    to_status=run.status,
                    actor_kind=ActorKind.SYSTEM,
                    actor_name=ACTOR_NAME,
                    note="; ".join([*m.notes, *run.import_flags]),
                    details={
                        "medusa_id": m.row["id"],
                        "dispatch_state": m.dispatch_state,
                        "flags": run.import_flags,
                    },
                    occurred_at=self.now,
                    external_ref=f"imported:{m.row['id']}",
                )
            )
        RunHistory.objects.bulk_create(history)

    def _run_links(self, rows: list[dict]) -> None:
        refs = set()
        for row in rows:
            refs.add(row["id"])
            if row["parent_run_id"]:
                refs.add(row["parent_run_id"])
            refs.update(str(d) for d in mapping.json_list(row["depends_on_run_ids"]))
        ours = dict(
            ProductionRun.objects.filter(external_ref__in=refs).values_list("external_ref", "id")
        )
        runs = {
            r.external_ref: r
            for r in ProductionRun.objects.filter(
                external_ref__in=[row["id"] for row in rows]
            ).only("id", "external_ref", "parent_id")
        }
        have = set(
            RunDependency.objects.filter(run_id__in=[r.pk for r in runs.values()]).values_list(
                "run_id", "depends_on_id"
            )
        )
        parents, deps = [], []
        for row in rows:
            run = runs.get(row["id"])
            if run is None:
                continue  # refused in the first pass, and reported there
            parent = ours.get(row["parent_run_id"] or "")
            if parent and parent != run.pk and run.parent_id != parent:
                run.parent_id = parent
                parents.append(run)
            for dep in mapping.json_list(row["depends_on_run_ids"]):
                target = ours.get(str(dep))
                if target and target != run.pk and (run.pk, target) not in have:
                    have.add((run.pk, target))
                    deps.append(RunDependency(run_id=run.pk, depends_on_id=target))
        ProductionRun.objects.bulk_update(parents, ["parent"], batch_size=UPDATE_BATCH)
        RunDependency.objects.bulk_create(deps)
        self.report.count("run links", "parents", len(parents))
        self.report.count("run links", "dependencies", len(deps))

    # ---------------------------------------------------------------- tasks and comments

    def tasks_stage(self) -> None:
        for rows in self.batches("tasks", self.source.tasks_query()):
            with transaction.atomic():
                self._tasks(rows)
        for rows in self.batches("subtasks", self.source.task_parents_query()):
            with transaction.atomic():
                self._task_parents(rows)

    def _tasks(self, rows: list[dict]) -> None:
        run_refs = {r["run_id"] for r in rows if r["run_id"]}
        runs = {
            ref: (pk, partner, status, metadata)
            for ref, pk, partner, status, metadata in ProductionRun.objects.filter(
                external_ref__in=run_refs
            ).values_list("external_ref", "id", "partner_id", "status", "metadata")
        }
        existing = {
            t.external_ref: t for t in Task.objects.filter(external_ref__in=[r["id"] for r in rows])
        }
        new, new_times, changed, comments, notes = [], [], [], [], []
        for row in rows:
            metadata = row["metadata"] if isinstance(row["metadata"], dict) else {}
            run = runs.get(row["run_id"] or "")
            if not row["parent_task_id"] and (row["title"] or "").startswith(CONTAINER_PREFIX):
                # The container Medusa made per dispatched run: its subtasks are the
                # run's tasks here. What was said on it goes to the run's history.
                if run is not None:
                    notes += self._container_comments(run, metadata)
                self.report.count("tasks", "containers folded into their run")
                continue
            status = mapping.task_status(row["status"])
            if status is None:
                self.report.refuse("task", row["id"], f"unknown status {row['status']!r}")
                continue
            if row["status"] == "assigned":
                self.report.notes["task status assigned read as pending"] += 1
            if row["run_id"] and run is None:
                self.report.refuse("task", row["id"], f"its run {row['run_id']} is not imported")
                continue
            partner = self.partners.get(row["linked_partner_id"] or "") or (run[1] if run else None)
            if run is None and not partner and not row["parent_task_id"]:
                self.report.refuse("task", row["id"], "belongs to no run, partner or task")
                continue
            in_sync = (
                run is None or (run[3] or {}).get("medusa", {}).get("imported_status") == run[2]
            )
            try:
                position = max(int(metadata.get("order") or 0), 0)
            except (TypeError, ValueError):
                position = 0
            stamp = row["updated_at"] or row["created_at"]
            values = {
                "run_id": run[0] if run else None,
                "partner_id": partner,
                "template_id": self.templates.get(str(metadata.get("template_id") or "")),
                "title": mapping.text(row["title"], 300) or "—",
                "description": row["description"] or "",
                "priority": mapping.priority(row["priority"]),
                "position": position,
                "due_date": mapping.date_of(row["end_date"]),
                "accepted_at": stamp if status == TaskStatus.ACCEPTED else None,
                "completed_at": (row["completed_at"] or stamp)
                if status == TaskStatus.COMPLETED
                else None,
                "cancelled_at": stamp if status == TaskStatus.CANCELLED else None,
            }
            if row["parent_task_id"] and run is None:
                # A checklist item takes its run and partner from its task (second
                # pass): what it holds already stands.
                values.pop("run_id")
                values.pop("partner_id")
            task = existing.get(row["id"])
            if task is None:
                # Created in its Medusa status, directly: an import is not a transition.
                new.append(Task(external_ref=row["id"], status=status, **values))
                new_times.append((row["created_at"], row["updated_at"]))
            elif in_sync and (_differs(task, values) or task.status != status):
                task.status = status  # its run is as imported: the source's status stands
                changed.append(task)
            task = task or new[-1]
            comments += self._comments(task, metadata)
        _create_as_of(Task, new, new_times)
        Task.objects.bulk_update(
            changed, ["status", *TASK_KEYS, "updated_at"], batch_size=UPDATE_BATCH
        )
        self._save_comments(comments)
        self._save_notes(notes)
        self.report.count("tasks", "created", len(new))
        self.report.count("tasks", "updated", len(changed))

    def _comment_rows(self, metadata: dict):
        for index, comment in enumerate(mapping.json_list(metadata.get("comments"))):
            if not isinstance(comment, dict) or not str(comment.get("comment") or "").strip():
                continue
            partner = comment.get("author_type") == "partner"
            yield (
                index,
                comment,
                AuthorKind.PARTNER if partner else AuthorKind.ADMIN,
                mapping.text(comment.get("author_name"), 300)
                or ("Partner" if partner else "Admin"),
                mapping.parse_time(comment.get("created_at")),
            )

    def _comments(self, task: Task, metadata: dict) -> list:
        out = []
        for index, comment, kind, name, at in self._comment_rows(metadata):
            ref = str(comment.get("id") or f"{task.external_ref}#{index}")[:100]
            row = TaskComment(
                task=task, author_kind=kind, author_name=name, body=str(comment["comment"]).strip()
            )
            out.append((ref, row, at))
        return out

    def _container_comments(self, run: tuple, metadata: dict) -> list:
        out = []
        for index, comment, kind, name, at in self._comment_rows(metadata):
            ref = str(comment.get("id") or f"{run[0]}#{index}")[:100]
            history = RunHistory(
                run_id=run[0],
                kind="imported_comment",
                to_status=run[2],
                actor_kind=ActorKind.PARTNER if kind == AuthorKind.PARTNER else ActorKind.ADMIN,
                actor_name=name,
                note=str(comment["comment"]).strip(),
                occurred_at=at or self.now,
                external_ref=ref,
            )
            out.append((ref, history))
        return out

    def _save_comments(self, comments: list) -> None:
        if not comments:
            return
        have = set(
            TaskComment.objects.filter(
                external_ref__in=[ref for ref, _, _ in comments]
            ).values_list("external_ref", flat=True)
        )
        new, times = [], []
        for ref, row, at in comments:
            if ref in have:
                continue
            have.add(ref)
            row.external_ref = ref
            row.task_id = row.task.pk
            new.append(row)
            times.append((at, None))
        _create_as_of(TaskComment, new, times)
        self.report.count("task comments", "created", len(new))

    def _save_notes(self, notes: list) -> None:
        if not notes:
            return
        have = set(
            RunHistory.objects.filter(external_ref__in=[ref for ref, _ in notes]).values_list(
                "external_ref", flat=True
            )
        )
        new = [row for ref, row in notes if ref not in have]
        RunHistory.objects.bulk_create(new)
        self.report.count("run history", "comments on container tasks", len(new))

    def _task_parents(self, rows: list[dict]) -> None:
        refs = {r["id"] for r in rows} | {r["parent_task_id"] for r in rows}
        tasks = {t.external_ref: t for t in Task.objects.filter(external_ref__in=refs)}
        changed = []
        for row in rows:
            task, parent = tasks.get(row["id"]), tasks.get(row["parent_task_id"])
            if task is None:
                continue  # refused in the first pass
            if parent is None:
                self.report.refuse(
                    "subtask parent",
                    row["id"],
                    f"its parent task {row['parent_task_id']} is not imported; kept at the top",
                )
                continue
            placed = (
                task.parent_id,
                task.run_id or parent.run_id,
                task.partner_id or parent.partner_id,
            )
            if (
                placed == (task.parent_id, task.run_id, task.partner_id)
                and task.parent_id == parent.pk
            ):
                continue
            task.parent_id, task.run_id, task.partner_id = parent.pk, placed[1], placed[2]
            changed.append(task)
        Task.objects.bulk_update(changed, ["parent", "run", "partner"], batch_size=UPDATE_BATCH)
        self.report.count("tasks", "placed under their parent", len(changed))

    # ---------------------------------------------------------------- consumption and activity

    def consumption_stage(self) -> None:
        for rows in self.batches("consumption logs", self.source.consumption_query()):
            with transaction.atomic():
                self._consumption(rows)

    def _consumption(self, rows: list[dict]) -> None:
        def run_ref(row):
            return str(mapping.legacy(row["metadata"] or {}, "production_run_id") or "")

        runs = dict(
            ProductionRun.objects.filter(external_ref__in={run_ref(r) for r in rows}).values_list(
                "external_ref", "id"
            )
        )
        have = set(
            ConsumptionLog.objects.filter(external_ref__in=[r["id"] for r in rows]).values_list(
                "external_ref", flat=True
            )
        )
        new, kept = [], 0
        for row in rows:
            if row["id"] in have:
                kept += 1
                continue
            ref = run_ref(row)
            run = runs.get(ref)
            material = self.materials.get(row["inventory_item_id"] or "")
            quantity = mapping.decimal(row["quantity"])
            reason = ""
            if not ref:
                reason = "not tied to a run (Loomworks logs material against a run)"
            elif run is None:
                reason = f"its run {ref} is not imported"
            elif material is None:
                reason = f"its inventory item {row['inventory_item_id']} is not imported"
            elif quantity is None or quantity <= 0:
                reason = f"quantity {row['quantity']!r} is not positive"
            if reason:
                self.report.refuse("consumption log", row["id"], reason)
                continue
            kind = row["consumption_type"]
            new.append(
                ConsumptionLog(
                    external_ref=row["id"],
                    run_id=run,
                    material=material,
                    quantity=quantity,
                    unit=mapping.UNITS.get(row["unit_of_measure"]) or material.unit,
                    consumption_type=kind if kind in ConsumptionType.values else "sample",
                    notes=row["notes"] or "",
                    logged_by_name="Partner" if row["consumed_by"] == "partner" else "Brand",
                    consumed_at=row["consumed_at"] or self.now,
                )
            )
        ConsumptionLog.objects.bulk_create(new)
        self.report.count("consumption logs", "created", len(new))
        self.report.count("consumption logs", "unchanged", kept)

    def activity_stage(self) -> None:
        for rows in self.batches("run activity", self.source.activities_query()):
            with transaction.atomic():
                self._activities(rows)

    def _activities(self, rows: list[dict]) -> None:
        runs = {
            ref: (pk, status)
            for ref, pk, status in ProductionRun.objects.filter(
                external_ref__in={r["production_run_id"] for r in rows}
            ).values_list("external_ref", "id", "status")
        }
        have = set(
            RunHistory.objects.filter(external_ref__in=[r["id"] for r in rows]).values_list(
                "external_ref", flat=True
            )
        )
        new, kept = [], 0
        for row in rows:
            if row["id"] in have:
                kept += 1
                continue
            run = runs.get(row["production_run_id"] or "")
            if run is None:
                self.report.refuse(
                    "run activity", row["id"], f"its run {row['production_run_id']} is not imported"
                )
                continue
            kind, to_status = mapping.ACTIVITY_KINDS.get(
                row["kind"], (f"medusa_{row['kind'] or row['activity_type'] or 'note'}", "")
            )
            details = {
                key: row[key]
                for key in ("activity_type", "kind", "actor_id", "partner_id", "channel", "payload")
                if row[key] not in (None, "", {})
            }
            new.append(
                RunHistory(
                    external_ref=row["id"],
                    run_id=run[0],
                    kind=kind[:40],
                    to_status=to_status or run[1],
                    actor_kind=mapping.ACTOR_KINDS.get(row["actor_type"], ActorKind.SYSTEM),
                    actor_name=f"Medusa ({row['actor_type'] or 'system'})",
                    note=row["summary"] or "",
                    details={"medusa": details},
                    occurred_at=row["occurred_at"] or self.now,
                )
            )
        RunHistory.objects.bulk_create(new)
        self.report.count("run history", "created", len(new))
        self.report.count("run history", "unchanged", kept)

    # ---------------------------------------------------------------- all of it

    def run(self) -> Report:
        started = time.monotonic()
        # A real import commits batch by batch; a dry run does the same work in one
        # transaction that is rolled back at the end.
        with transaction.atomic() if self.dry_run else contextlib.nullcontext():
            self.say("Partners and their admins…")
            self.partners_stage()
            self.say("Materials, task templates and designs…")
            self.materials_stage()
            self.templates_stage()
            self.designs_stage()
            self.say("Production runs…")
            self.runs_stage()
            self.say("Tasks, subtasks and comments…")
            self.tasks_stage()
            self.say("Consumption logs and the runs' history…")
            self.consumption_stage()
            self.activity_stage()
            if self.send_invitations:
                self.say("Invitations to set a password…")
                self.invitations_stage()
            self.report.seconds = time.monotonic() - started
            audit_record(
                actor=self.actor,
                action="medusa.import",
                target_type="import",
                target_id="medusa",
                details={
                    "source": self.report.source,
                    "counts": {kind: dict(c) for kind, c in self.report.counts.items()},
                    "refused": len(self.report.refused),
                    "flagged": len(self.report.flagged),
                    "invitations": self.report.invitations,
                },
            )
            if self.dry_run:
                transaction.set_rollback(True)
        return self.report


DESIGN_KEYS = [
    "name", "description", "priority", "thumbnail_url", "moodboard", "tags", "notes",
    "target_date",
]  # fmt: skip
TEMPLATE_KEYS = ["name", "description", "category", "priority", "estimated_duration"]
RUN_KEYS = [
    "design", "run_type", "quantity", "partner", "previous_partner", "role",
    "planned_template_ids", "snapshot", "accepted_at", "started_at", "finished_at",
    "completed_at", "cancelled_at", "cancelled_reason", "last_sent_at", "last_progress_at",
    "produced_quantity", "rejected_quantity", "metadata", "import_flags",
]  # fmt: skip
TASK_KEYS = [
    "run", "partner", "template", "title", "description", "priority", "position", "due_date",
    "accepted_at", "completed_at", "cancelled_at",
]  # fmt: skip


def import_medusa(
    url: str,
    *,
    schema: str = "",
    dry_run: bool = False,
    send_invitations: bool = False,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> Report:
    """Import everything the Medusa database at `url` holds. See the module's docstring."""
    with Source(url, schema=schema, batch_size=batch_size) as source:
        return MedusaImport(
            source, dry_run=dry_run, send_invitations=send_invitations, progress=progress
        ).run()
