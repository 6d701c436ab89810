"""A 3-size, 2-colour run of 10 with a full design: what the job sheet tests print."""

import datetime

from loomworks.catalog.models import DesignColor, DesignMaterial, DesignSizeSet
from loomworks.core.actors import Actor
from loomworks.production import services
from tests.factories import (
    AdminFactory,
    DesignFactory,
    MaterialFactory,
    MemberFactory,
    TemplateFactory,
)

SIZES = ("S", "M", "L", "XL")
RUN_SIZES = ("S", "M", "L")
COLOURS = (("Madder Red", "#A33B2F", "body"), ("Indigo", "#2E3A5C", "collar and cuffs"))
MATRIX = [
    {"size": "S", "color": "Madder Red", "quantity": 2},
    {"size": "S", "color": "Indigo", "quantity": 1},
    {"size": "M", "color": "Madder Red", "quantity": 2},
    {"size": "M", "color": "Indigo", "quantity": 2},
    {"size": "L", "color": "Madder Red", "quantity": 2},
    {"size": "L", "color": "Indigo", "quantity": 1},
]


def design_file(name: str, content: bytes):
    import io

    upload = io.BytesIO(content)
    upload.name = name
    upload.size = len(content)
    return upload


def sheet_run(*, member=None, accept=True, files=()):
    """A run of 10 (3 sizes × 2 colours of a 4-size design) sent to a workshop, which
    accepted it and promised a date; two tasks of three checklist items."""
    admin = Actor.admin(AdminFactory(first_name="Maya", last_name="Lindqvist"))
    member = member or MemberFactory(
        partner__name="Atelier Nord", user__first_name="Ana", user__last_name="Costa"
    )
    workshop = Actor.partner(member.user, member.partner)
    design = DesignFactory(
        name="Field shirt",
        details=False,
        description="A boxy work shirt in washed cotton twill, two chest pockets.",
    )
    for position, size in enumerate(SIZES):
        DesignSizeSet.objects.create(
            design=design,
            size_label=size,
            position=position,
            measurements={"chest_cm": 100 + 6 * position, "length_cm": 72 + 2 * position},
        )
    for position, (name, hex_code, notes) in enumerate(COLOURS):
        DesignColor.objects.create(
            design=design, name=name, hex_code=hex_code, usage_notes=notes, position=position
        )
    DesignMaterial.objects.create(
        design=design,
        material=MaterialFactory(name="Cotton twill", sku="TW-220"),
        name="Cotton twill",
        planned_quantity="1.6",
        unit="m",
        position=0,
    )
    DesignMaterial.objects.create(
        design=design,
        material=MaterialFactory(name="Horn button", sku="BTN-15", unit="pcs"),
        name="Horn button",
        planned_quantity="9",
        unit="pcs",
        position=1,
    )
    if files:
        services.design_files_add(
            design=design, actor=admin, files=[design_file(n, c) for n, c in files]
        )
    run = services.run_create(
        design=design,
        actor=admin,
        quantity=10,
        partner=member.partner,
        size_quantities=MATRIX,
        due_date=datetime.date(2027, 3, 12),
    )
    run = services.run_approve(run=run, actor=admin).run
    templates = [
        TemplateFactory(
            name="Cutting", checklist=["Lay the twill", "Cut panels", "Bundle by size"]
        ),
        TemplateFactory(name="Sewing", checklist=["Join shoulders", "Set pockets", "Buttonholes"]),
    ]
    run = services.run_dispatch(run=run, template_ids=[t.pk for t in templates], actor=admin).run
    if accept:
        run = services.run_accept(run=run, actor=workshop, promised_date=datetime.date(2027, 3, 10))
    return run, member, admin
