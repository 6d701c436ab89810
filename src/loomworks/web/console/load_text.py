"""A workshop's open load in words, for the forms that choose a partner
("3 open runs, 140 pieces to make, 1 late, next due 12 Jan 2027")."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loomworks.production.workshop_load import PartnerLoad


def load_text(load: PartnerLoad) -> str:
    if not load.runs:
        return _("No open work")
    parts = [
        ngettext("%(n)d open run", "%(n)d open runs", load.runs) % {"n": load.runs},
        ngettext("%(n)d piece to make", "%(n)d pieces to make", load.pieces) % {"n": load.pieces},
    ]
    if load.late:
        parts.append(ngettext("%(n)d late", "%(n)d late", load.late) % {"n": load.late})
    if load.next_due:
        parts.append(_("next due %(date)s") % {"date": date_format(load.next_due, "DATE_FORMAT")})
    return ", ".join(parts)
