"""Materials get one unit from a fixed list, a unit cost with its currency, and an archive flag.

Units were free text; each existing one is read as the unit it spells (`metres`,
`Meter`, `mtr` → m; `kgs` → kg; `piece`, `each`, `unit` → pcs; …). A unit that
spells none of them becomes `pcs`, the one unit that counts anything, and the
old text is kept in the material's name, in brackets, so nobody loses it and a
person can put it right.
"""

import django.core.validators
import loomworks.core.limits
from decimal import Decimal
from django.db import migrations, models


SPELLINGS = {
    "m": ("m", "meter", "meters", "metre", "metres", "mtr", "mtrs", "mt", "lm"),
    "cm": ("cm", "centimeter", "centimeters", "centimetre", "centimetres"),
    "yd": ("yd", "yds", "yard", "yards"),
    "m2": ("m2", "m²", "sqm", "sq m", "square meter", "square meters", "square metre", "square metres"),
    "kg": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes"),
    "g": ("g", "gr", "grs", "gram", "grams", "gramme", "grammes"),
    "pcs": ("pcs", "pc", "piece", "pieces", "unit", "units", "each", "ea", "x", "pce", "pces"),
    "pair": ("pair", "pairs", "pr", "prs"),
    "l": ("l", "lt", "ltr", "liter", "liters", "litre", "litres"),
    "ml": ("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
}
UNIT_OF = {spelling: unit for unit, spellings in SPELLINGS.items() for spelling in spellings}


def units_from_text(apps, schema_editor):
    Material = apps.get_model("catalog", "Material")
    for material in Material.objects.all().only("pk", "name", "unit"):
        written = (material.unit or "").strip()
        unit = UNIT_OF.get(written.lower().rstrip("."))
        name = material.name
        if unit is None:
            unit = "pcs"
            if written:
                name = f"{material.name} ({written})"[:200]
        if (unit, name) != (material.unit, material.name):
            material.unit, material.name = unit, name
            material.save(update_fields=["unit", "name"])


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='material',
            name='archived',
            field=models.BooleanField(default=False, verbose_name='archived'),
        ),
        migrations.AddField(
            model_name='material',
            name='currency',
            field=models.CharField(blank=True, max_length=3, validators=[loomworks.core.limits.currency_validator], verbose_name='currency'),
        ),
        migrations.AddField(
            model_name='material',
            name='unit_cost',
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='unit cost'),
        ),
        migrations.RunPython(units_from_text, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='material',
            name='unit',
            field=models.CharField(choices=[('m', 'metres (m)'), ('cm', 'centimetres (cm)'), ('yd', 'yards (yd)'), ('m2', 'square metres (m²)'), ('kg', 'kilograms (kg)'), ('g', 'grams (g)'), ('pcs', 'pieces (pcs)'), ('pair', 'pairs'), ('l', 'litres (l)'), ('ml', 'millilitres (ml)')], default='m', max_length=10, verbose_name='unit of measure'),
        ),
        migrations.AddConstraint(
            model_name='material',
            constraint=models.CheckConstraint(condition=models.Q(('unit_cost__isnull', True), models.Q(('currency', ''), _negated=True), _connector='OR'), name='material_cost_has_currency'),
        ),
    ]
