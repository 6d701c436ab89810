"""Designs and what they are made of, materials, and the store's products.

`Priority` lives in `core.choices` (tasks share it) and is re-exported here.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from loomworks.core.choices import Priority
from loomworks.core.ids import PrefixedIdField
from loomworks.core.limits import currency_validator, hex_colour_validator
from loomworks.core.models import TimeStamped, external_ref_unique


class DesignStatus(models.TextChoices):
    CONCEPTUAL = "Conceptual", _("Conceptual")
    IN_DEVELOPMENT = "In_Development", _("In development")
    TECHNICAL_REVIEW = "Technical_Review", _("Technical review")
    SAMPLE_PRODUCTION = "Sample_Production", _("Sample production")
    REVISION = "Revision", _("Revision")
    APPROVED = "Approved", _("Approved")
    REJECTED = "Rejected", _("Rejected")
    ON_HOLD = "On_Hold", _("On hold")
    COMMERCE_READY = "Commerce_Ready", _("Commerce ready")
    SUPERSEDED = "Superseded", _("Superseded")


class MeasurementUnit(models.TextChoices):
    """The unit of a design's measurement table (points of measure × sizes)."""

    CENTIMETRE = "cm", _("centimetres (cm)")
    MILLIMETRE = "mm", _("millimetres (mm)")
    INCH = "in", _("inches (in)")


class Design(TimeStamped):
    id = PrefixedIdField(prefix="des")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=30, choices=DesignStatus.choices, default=DesignStatus.CONCEPTUAL
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    thumbnail_url = models.CharField(_("thumbnail URL"), max_length=500, blank=True)
    moodboard = models.JSONField(_("moodboard"), default=dict, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # The unit every value of the sizes' measurement table is in.
    measurement_unit = models.CharField(
        _("measurement unit"),
        max_length=2,
        choices=MeasurementUnit.choices,
        default=MeasurementUnit.CENTIMETRE,
        db_default=MeasurementUnit.CENTIMETRE,
    )
    # The points of measure (the keys of the sizes' measurements) in the order the
    # table shows them: PostgreSQL's jsonb keeps an object's keys in an order of its own.
    measurement_points = models.JSONField(_("points of measure"), default=list, blank=True)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["name"])]
        verbose_name = _("design")
        constraints = [external_ref_unique("design_external_ref")]

    def __str__(self) -> str:
        return self.name


class DesignSpecification(models.Model):
    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="specifications")
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    details = models.TextField(_("details"), blank=True)
    measurements = models.JSONField(_("measurements"), default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.title)


hex_color = hex_colour_validator  # the one rule, in core.limits


class DesignColor(models.Model):
    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="colors")
    name = models.CharField(_("name"), max_length=100)
    hex_code = models.CharField(_("hex code"), max_length=7, validators=[hex_color])
    usage_notes = models.TextField(_("usage notes"), blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.name)


class DesignSizeSet(models.Model):
    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="size_sets")
    size_label = models.CharField(_("size"), max_length=50)
    measurements = models.JSONField(_("measurements"), default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.size_label)


class MaterialUnit(models.TextChoices):
    """The units a material is counted in. Each material has exactly one: its stock,
    its cost, a design's bill of materials and what a workshop logs are all in it.

    To add one, add a member here (a short code and its label) and run `make messages`.
    """

    METRE = "m", _("metres (m)")
    CENTIMETRE = "cm", _("centimetres (cm)")
    YARD = "yd", _("yards (yd)")
    SQUARE_METRE = "m2", _("square metres (m²)")
    KILOGRAM = "kg", _("kilograms (kg)")
    GRAM = "g", _("grams (g)")
    PIECE = "pcs", _("pieces (pcs)")
    PAIR = "pair", _("pairs")
    LITRE = "l", _("litres (l)")
    MILLILITRE = "ml", _("millilitres (ml)")


class Material(TimeStamped):
    id = PrefixedIdField(prefix="mat")
    sku = models.CharField(_("SKU"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(
        _("unit of measure"),
        max_length=10,
        choices=MaterialUnit.choices,
        default=MaterialUnit.METRE,
    )
    stock_on_hand = models.DecimalField(
        _("stock on hand"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    # What one unit costs the brand, in `currency` (ISO 4217). Unknown: null.
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[currency_validator]
    )
    # An archived material stays on the designs and logs that name it, but is
    # no longer offered for new bills of materials.
    archived = models.BooleanField(_("archived"), default=False)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            external_ref_unique("material_external_ref"),
            models.CheckConstraint(
                condition=models.Q(unit_cost__isnull=True) | ~models.Q(currency=""),
                name="material_cost_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class DesignMaterial(models.Model):
    """A bill-of-materials line: how much of a material one piece needs."""

    design = models.ForeignKey(Design, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(
        Material, on_delete=models.PROTECT, null=True, blank=True, related_name="design_lines"
    )
    name = models.CharField(_("name"), max_length=200)
    planned_quantity = models.DecimalField(
        _("planned quantity per piece"),
        max_digits=12,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.name)


class Product(TimeStamped):
    id = PrefixedIdField(prefix="prod")
    title = models.CharField(_("title"), max_length=200)
    handle = models.SlugField(_("handle"), max_length=200, unique=True)
    design = models.ForeignKey(
        Design, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )

    def __str__(self) -> str:
        return self.title


class ProductVariant(TimeStamped):
    id = PrefixedIdField(prefix="var")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    design = models.ForeignKey(
        Design, on_delete=models.SET_NULL, null=True, blank=True, related_name="variants"
    )

    def __str__(self) -> str:
        return self.sku

    @property
    def effective_design_id(self) -> str | None:
        """A variant's own design wins over its product's."""
        return self.design_id or self.product.design_id
