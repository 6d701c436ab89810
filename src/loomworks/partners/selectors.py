"""Reads of partners and their members."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from loomworks.core.errors import InvalidInput, NotFound
from loomworks.partners.models import Partner, PartnerMember


def partner_list(*, status: str | None = None, q: str | None = None) -> QuerySet[Partner]:
    """Partners by name; `q` searches name and handle, case-insensitively."""
    partners = Partner.objects.all()
    if status:
        partners = partners.filter(status=status)
    if q and q.strip():
        q = q.strip()
        partners = partners.filter(Q(name__icontains=q) | Q(handle__icontains=q))
    return partners.order_by("name", "id")


def partner_get(partner_id: str) -> Partner:
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise NotFound(_("No partner with id %(id)s.") % {"id": partner_id})
    return partner


def partner_for_input(partner_id: str, *, field: str) -> Partner:
    """A partner named in a request body: unknown is invalid input (422), not a 404."""
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise InvalidInput(field, _("Unknown partner: %(id)s.") % {"id": partner_id})
    return partner


def member_list(partner: Partner) -> QuerySet[PartnerMember]:
    return partner.members.select_related("user").order_by("created_at", "id")


def member_get(partner: Partner, member_id: str) -> PartnerMember:
    """One member of `partner`; a member of another partner is not found, like a missing one."""
    member = partner.members.select_related("user", "partner").filter(pk=member_id).first()
    if member is None:
        raise NotFound(_("No member with id %(id)s in this partner.") % {"id": member_id})
    return member
