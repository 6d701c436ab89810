"""Input checks several run services share; each raises InvalidInput naming the field."""

from django.utils.translation import gettext as _

from loomworks.core.errors import (
    Conflict,
    InvalidInput,
)
from loomworks.core.limits import MAX_QUANTITY
from loomworks.partners.models import Partner


def positive_quantity(value, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(field_name, _("The quantity must be a whole number above zero."))
    if value > MAX_QUANTITY:
        raise InvalidInput(
            field_name, _("The quantity must be at most %(max)s.") % {"max": MAX_QUANTITY}
        )
    return value


def active_partner(partner: Partner, field_name: str = "partner_id") -> Partner:
    if not partner.is_active:
        raise Conflict(
            _("%(partner)s is %(status)s; only active partners can be given new work.")
            % {"partner": partner.name, "status": partner.get_status_display().lower()}
        )
    return partner


def partner_by_id(partner_id: str, field_name: str) -> Partner:
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise InvalidInput(field_name, _("Unknown partner: %(id)s.") % {"id": partner_id})
    return partner
