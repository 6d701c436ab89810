"""Partner workshops and the people who work for them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loomworks.core.ids import PrefixedIdField
from loomworks.core.models import TimeStamped, external_ref_unique


class PartnerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    PENDING = "pending", _("Pending")


class PartnerRole(models.TextChoices):
    """The kinds of work a workshop can take on."""

    SAMPLING = "sampling", _("Sampling")
    CUTTING = "cutting", _("Cutting")
    STITCHING = "stitching", _("Stitching")
    KNITTING = "knitting", _("Knitting")
    DYEING = "dyeing", _("Dyeing")
    PRINTING = "printing", _("Printing")
    EMBROIDERY = "embroidery", _("Embroidery")
    WASHING = "washing", _("Washing")
    FINISHING = "finishing", _("Finishing")
    QUALITY_CONTROL = "quality_control", _("Quality control")
    PACKING = "packing", _("Packing")


class Partner(TimeStamped):
    id = PrefixedIdField(prefix="ptr")
    name = models.CharField(_("name"), max_length=200)
    handle = models.SlugField(_("handle"), max_length=100, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PartnerStatus.choices, default=PartnerStatus.ACTIVE
    )
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True, db_default="")
    address = models.TextField(_("address"), blank=True, db_default="")
    # ISO 3166-1 alpha-2 ("PT"), blank when not known.
    country = models.CharField(_("country"), max_length=2, blank=True, db_default="")
    # ISO 639-1 codes of the languages spoken at the workshop ("pt", "en").
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # What it can take on: `PartnerRole` values.
    roles = models.JSONField(_("roles"), default=list, blank=True)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        constraints = [external_ref_unique("partner_external_ref")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == PartnerStatus.ACTIVE

    @property
    def region(self) -> str:
        """The workshop's country (ISO 3166 alpha-2, "IN"), for writing numbers,
        money and dates the way its people do (`core.numbers.region_override`);
        empty while the partner has no country recorded."""
        country = self.country  # a new, unsaved partner holds the database default
        return country.strip().upper() if isinstance(country, str) else ""


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")


class PartnerMember(TimeStamped):
    """A user acting for one partner. One membership per user: the e-mail is unique."""

    id = PrefixedIdField(prefix="mem")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MemberRole.choices, default=MemberRole.MANAGER
    )
    is_active = models.BooleanField(_("active"), default=True)
    email_notifications = models.BooleanField(_("e-mail me about my partner's runs"), default=True)
    # WhatsApp: a number in E.164 form (+351912345678) and the member's consent
    # to be messaged there, with when it was given. No consent, no message.
    phone = models.CharField(_("mobile number"), max_length=20, blank=True, db_default="")
    whatsapp_consent = models.BooleanField(_("WhatsApp messages"), default=False, db_default=False)
    whatsapp_consent_at = models.DateTimeField(null=True, blank=True)
    last_seen_runs_at = models.DateTimeField(null=True, blank=True)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("partner member")
        constraints = [external_ref_unique("member_external_ref")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner}"
