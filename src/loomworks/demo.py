"""Demo data: a brand admin, three workshops, designs, templates and runs in every status.

Everything is made through the services, so the history, events and
cascades are the real ones. `seed()` does it once; it returns the logins.
"""

import datetime
from collections.abc import Callable

from django.core import mail
from django.db import transaction
from django.templatetags.static import static
from django.test.utils import override_settings
from django.utils import timezone

from loomworks.accounts.services import admin_create_or_update
from loomworks.catalog import services as catalog
from loomworks.catalog.models import Material
from loomworks.core.actors import Actor
from loomworks.core.models import Counter
from loomworks.events.api import drain
from loomworks.orders.services import order_place
from loomworks.partners import services as partners
from loomworks.partners.models import PartnerMember
from loomworks.production import services as production
from loomworks.production.models import ProductionRun
from loomworks.work import services as work
from loomworks.work.models import Task

ADMIN_EMAIL = "admin@loomworks.test"
ADMIN_PASSWORD = "loomworks-admin"
PARTNER_PASSWORD = "loomworks-partner"

PARTNERS = [
    ("Atelier Nord", "atelier-nord", "Ana", "Costa", "ana@atelier-nord.test", "cutting"),
    ("Stitch & Co", "stitch-and-co", "Bruno", "Silva", "bruno@stitch-and-co.test", "stitching"),
    ("Finish Line Studio", "finish-line", "Chloé", "Martin", "chloe@finish-line.test", "finishing"),
]

TEMPLATES = [
    (
        "Cutting",
        "cutting",
        "Cut every piece from the marker.",
        [
            "Check fabric against the swatch",
            "Lay and mark",
            "Cut panels",
            "Bundle and label by size",
        ],
    ),
    (
        "Stitching",
        "stitching",
        "Assemble the garment.",
        ["Join shoulders and sides", "Set sleeves", "Attach collar", "Hem"],
    ),
    (
        "Finishing",
        "finishing",
        "Press, trim and pack.",
        ["Trim threads", "Press", "Attach labels", "Fold and bag"],
    ),
    (
        "Quality check",
        "quality",
        "Check against the spec before sign-off.",
        ["Measure against size chart", "Check seams", "Photograph three pieces"],
    ),
    (
        "Redo fix",
        "rework",
        "Fix what the quality check found.",
        ["Fix the listed defects", "Re-check"],
    ),
]

DESIGNS = [
    {
        "name": "Linen Camp Shirt",
        "thumb": "linen-shirt",
        "description": "Relaxed short-sleeve shirt in washed linen with a camp collar and coconut buttons.",
        "colors": [("Sand", "#D8C7A6", "body"), ("Bark", "#6B4F35", "buttons")],
        "sizes": ["S", "M", "L", "XL"],
        "specs": [
            ("Seam allowance", "construction", "1 cm, overlocked"),
            ("Collar", "construction", "Camp collar, no stand"),
        ],
        "materials": [("LIN-140", 1.6, "m"), ("BTN-COCO", 6, "pcs")],
    },
    {
        "name": "Boiled Wool Coat",
        "thumb": "wool-coat",
        "description": "Unlined car coat in boiled wool; raw-edge facings, two patch pockets.",
        "colors": [("Slate", "#4A5A6A", "body")],
        "sizes": ["S", "M", "L"],
        "specs": [
            ("Edges", "construction", "Raw edge, no hem"),
            ("Pockets", "construction", "Patch, bar-tacked"),
        ],
        "materials": [("WOOL-BOIL", 2.4, "m")],
    },
    {
        "name": "Selvedge Denim Trouser",
        "thumb": "denim-trousers",
        "description": "Straight leg, high rise, selvedge outseam, chain-stitched hem.",
        "colors": [("Indigo", "#2F4A7A", "body"), ("Copper", "#B87333", "rivets")],
        "sizes": ["28", "30", "32", "34"],
        "specs": [
            ("Hem", "construction", "Chain stitch, 3 cm"),
            ("Rivets", "trims", "Copper, 6 per pair"),
        ],
        "materials": [("DEN-SELV", 1.3, "m")],
    },
    {
        "name": "Bias Silk Dress",
        "thumb": "silk-dress",
        "description": "Midi slip dress cut on the bias in sand-washed silk.",
        "colors": [("Rose", "#C45B7A", "body")],
        "sizes": ["XS", "S", "M", "L"],
        "specs": [("Grain", "cutting", "True bias, 45°")],
        "materials": [("SILK-SW", 2.1, "m")],
    },
    {
        "name": "Chunky Knit Sweater",
        "thumb": "knit-sweater",
        "description": "Hand-framed crew neck in undyed merino, saddle shoulders.",
        "colors": [("Ochre", "#C9A227", "body")],
        "sizes": ["S", "M", "L"],
        "specs": [("Gauge", "knitting", "5 gg")],
        "materials": [("MER-5GG", 0.9, "kg")],
    },
]

MATERIALS = [
    ("LIN-140", "Washed linen 140 cm", "m"),
    ("BTN-COCO", "Coconut button 15 mm", "pcs"),
    ("WOOL-BOIL", "Boiled wool 150 cm", "m"),
    ("DEN-SELV", "Selvedge denim 13 oz", "m"),
    ("SILK-SW", "Sand-washed silk", "m"),
    ("MER-5GG", "Undyed merino yarn", "kg"),
]


def already_seeded() -> bool:
    return Counter.objects.filter(name="demo_seeded").exists()


def logins() -> list[tuple[str, str, str]]:
    rows = [("Brand admin", ADMIN_EMAIL, ADMIN_PASSWORD)]
    rows += [
        (f"Partner ({name})", email, PARTNER_PASSWORD) for name, _h, _f, _l, email, _r in PARTNERS
    ]
    return rows


def seed(*, progress: Callable[[str], None] = lambda message: None, force: bool = False):
    """Seed the demo once. Returns the logins, or None when it was there already (and not forced)."""
    if already_seeded() and not force:
        return None
    suffix = "" if not already_seeded() else f"-{timezone.now():%H%M%S}"
    steps = 6
    progress(f"[1/{steps}] Brand admin and partner workshops…")
    with transaction.atomic():
        admin_user, _created = admin_create_or_update(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
        admin_user.first_name, admin_user.last_name = "Maya", "Lindqvist"
        admin_user.save(update_fields=["first_name", "last_name"])
        admin = Actor.admin(admin_user)
        workshop = {}
        for name, handle, first, last, email, role in PARTNERS:
            if PartnerMember.objects.filter(user__email=email).exists() and not suffix:
                member = PartnerMember.objects.select_related("partner", "user").get(
                    user__email=email
                )
                partner = member.partner
            else:
                partner, member = partners.partner_create(
                    name=name + (f" {suffix}" if suffix else ""),
                    handle=handle + suffix,
                    email=f"hello@{handle}{suffix}.test",
                    admin={
                        "email": email.replace("@", f"{suffix}@") if suffix else email,
                        "first_name": first,
                        "last_name": last,
                        "password": PARTNER_PASSWORD,
                    },
                )
                partners.member_add(
                    partner=partner,
                    email=f"floor{suffix}@{handle}.test",
                    first_name="Floor",
                    last_name="Lead",
                    password=PARTNER_PASSWORD,
                )
            workshop[role] = (partner, Actor.partner(member.user, partner))

    progress(f"[2/{steps}] Materials, designs and task templates…")
    with transaction.atomic():
        materials = {}
        for sku, name, unit in MATERIALS:
            materials[sku] = Material.objects.filter(sku=sku).first() or catalog.material_create(
                sku=sku, name=name, unit=unit, actor=admin
            )
        designs = []
        for index, spec in enumerate(DESIGNS):
            designs.append(
                catalog.design_create(
                    actor=admin,
                    name=spec["name"],
                    description=spec["description"],
                    status="In_Development",
                    priority=["high", "medium", "urgent", "low", "medium"][index],
                    thumbnail_url=static(f"loomworks/demo/{spec['thumb']}.svg"),
                    tags=["SS27"] if index % 2 == 0 else ["AW27"],
                    target_date=timezone.localdate() + datetime.timedelta(days=30 + index * 7),
                    specifications=[
                        {"title": title, "category": category, "details": details}
                        for title, category, details in spec["specs"]
                    ],
                    colors=[
                        {"name": name, "hex_code": hex_code, "usage_notes": usage}
                        for name, hex_code, usage in spec["colors"]
                    ],
                    size_sets=[
                        {"size_label": size, "measurements": {"chest_cm": 96 + 6 * i}}
                        for i, size in enumerate(spec["sizes"])
                    ],
                    materials=[
                        {"material_id": materials[sku].pk, "planned_quantity": qty, "unit": unit}
                        for sku, qty, unit in spec["materials"]
                    ],
                )
            )
        templates = {
            category: work.template_create(
                name=name,
                description=description,
                category=category,
                checklist=checklist,
                estimated_duration=120,
                actor=admin,
            )
            for name, category, description, checklist in TEMPLATES
        }

    progress(f"[3/{steps}] Runs waiting for review and approval…")
    soon = timezone.localdate() + datetime.timedelta(days=21)
    past = timezone.localdate() - datetime.timedelta(days=3)
    cutter, cutter_actor = workshop["cutting"]
    stitcher, stitcher_actor = workshop["stitching"]
    finisher, finisher_actor = workshop["finishing"]
    shirt, coat, denim, dress, sweater = designs

    def new_run(design, quantity, **extra):
        return production.run_create(
            design=design, actor=admin, quantity=quantity, due_date=soon, **extra
        )

    new_run(sweater, 40, status="draft", notes="Waiting for the yarn quote.")
    new_run(dress, 60)
    approved = new_run(coat, 30, partner=stitcher, role="make")
    production.run_approve(run=approved, actor=admin)

    progress(f"[4/{steps}] Runs with the workshops…")
    sent = new_run(shirt, 120, partner=cutter, role="cutting")
    production.run_approve(run=sent, actor=admin)
    production.run_dispatch(run=sent, template_ids=[templates["cutting"].pk], actor=admin)

    working = new_run(denim, 80, partner=stitcher, role="make")
    production.run_update(run=working, actor=admin, due_date=past)
    production.run_approve(run=working, actor=admin)
    production.run_dispatch(
        run=working, template_ids=[templates["stitching"].pk, templates["quality"].pk], actor=admin
    )
    production.run_accept(run=working, actor=stitcher_actor)
    production.run_start(run=working, actor=stitcher_actor)
    first_task = Task.objects.filter(run=working, parent__isnull=True).order_by("position").first()
    for subtask in first_task.subtasks.order_by("position")[:3]:
        production.run_subtask_complete(task=first_task, subtask=subtask, actor=stitcher_actor)
    production.task_comment_add(
        task=first_task,
        actor=stitcher_actor,
        body="Rivets arrived a day late; we are on track for the hem.",
    )
    production.task_comment_add(task=first_task, actor=admin, body="Thanks — keep us posted.")
    production.consumption_log_add(
        run=working,
        actor=stitcher_actor,
        material=materials["DEN-SELV"],
        quantity="52.5",
        notes="First 40 pairs",
    )

    done = new_run(shirt, 50, partner=finisher, role="finishing")
    production.run_approve(run=done, actor=admin)
    production.run_dispatch(run=done, template_ids=[templates["finishing"].pk], actor=admin)
    production.run_accept(run=done, actor=finisher_actor)
    production.run_start(run=done, actor=finisher_actor)
    for task in Task.objects.filter(run=done, parent__isnull=True):
        production.run_task_finish(task=task, actor=finisher_actor)

    cancelled = new_run(dress, 25, partner=finisher, role="finishing")
    production.run_approve(run=cancelled, actor=admin)
    production.run_cancel(
        run=cancelled, actor=admin, reason="The colourway was dropped from the collection."
    )

    declined = new_run(coat, 45, partner=cutter, role="cutting")
    production.run_approve(run=declined, actor=admin)
    production.run_dispatch(run=declined, template_ids=[templates["cutting"].pk], actor=admin)
    production.run_decline(
        run=declined, actor=cutter_actor, reason="capacity", notes="Fully booked until March."
    )

    progress(f"[5/{steps}] A run split across three workshops, a sample run and a store order…")
    split = production.run_create_from_design(
        design=denim,
        actor=admin,
        quantity=200,
        due_date=soon,
        assignments=[
            production.Assignment(
                partner_id=cutter.pk,
                role="cutting",
                quantity=200,
                order=1,
                template_ids=[templates["cutting"].pk],
            ),
            production.Assignment(
                partner_id=stitcher.pk,
                role="stitching",
                quantity=120,
                order=2,
                template_ids=[templates["stitching"].pk],
            ),
            production.Assignment(
                partner_id=finisher.pk,
                role="stitching",
                quantity=80,
                order=2,
                template_ids=[templates["stitching"].pk],
            ),
            production.Assignment(
                partner_id=finisher.pk,
                role="finishing",
                quantity=200,
                order=3,
                template_ids=[templates["finishing"].pk, templates["quality"].pk],
            ),
        ],
    )
    cutting_part = split.children[0]
    production.run_accept(
        run=cutting_part,
        actor=cutter_actor,
        promised_date=timezone.localdate() + datetime.timedelta(days=10),
    )
    production.run_start(run=cutting_part, actor=cutter_actor)

    sample = new_run(sweater, 3, run_type="sample", partner=stitcher, role="sample")
    production.run_approve(run=sample, actor=admin)
    production.run_dispatch(run=sample, template_ids=[templates["stitching"].pk], actor=admin)
    production.run_accept(run=sample, actor=stitcher_actor)

    product = catalog.product_create(
        title="Linen Camp Shirt" + suffix,
        design_id=shirt.pk,
        variants=[{"sku": f"LCS-S{suffix}", "title": "S"}, {"sku": f"LCS-M{suffix}", "title": "M"}],
    )
    variants = list(product.variants.order_by("sku"))
    order_place(
        external_id=f"SHOP-1001{suffix}",
        lines=[
            {"external_id": f"SHOP-1001-1{suffix}", "variant_id": variants[0].pk, "quantity": 12},
            {"external_id": f"SHOP-1001-2{suffix}", "variant_id": variants[1].pk, "quantity": 18},
        ],
        actor=Actor.system(),
    )

    progress(f"[6/{steps}] Running the follow-up events (completions, notifications)…")
    # The demo workshops' addresses are not real: keep their e-mails off the console.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        drain()
        mail.outbox = []
    Counter.objects.update_or_create(name="demo_seeded", defaults={"value": 1})
    progress(f"Demo ready: {ProductionRun.objects.count()} runs.")
    return logins()
