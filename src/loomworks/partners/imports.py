"""Partners from a spreadsheet (see `core.imports`): one row per workshop, found by its handle.

A new partner needs its owner's e-mail (`owner_email`): the owner is invited to
set a password, as from the console. The owner columns are read only for new
partners; people of an existing partner are managed on its page.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import InvalidInput
from loomworks.core.imports import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportKind,
    ImportPlan,
    PlannedRow,
    RowReader,
    duplicate_check,
    register,
)
from loomworks.core.tables import Table
from loomworks.partners import services
from loomworks.partners.models import Partner, PartnerRole, PartnerStatus

PARTNER_COLUMNS = (
    "handle",
    "name",
    "status",
    "email",
    "phone",
    "contact_name",
    "address",
    "country",
    "languages",
    "roles",
    "owner_email",
    "owner_first_name",
    "owner_last_name",
    "owner_language",
)


def _max_length(name: str) -> int:
    return Partner._meta.get_field(name).max_length


def _partner_values(row: RowReader) -> dict:
    values = {"name": row.text("name", required=True, max_length=_max_length("name"))}
    if row.has("status") and (status := row.choice("status", PartnerStatus)):
        values["status"] = status
    if row.has("email"):
        email = row.text("email")
        values["email"] = row.check("email", services._clean_email, email, "email") if email else ""
    if row.has("phone"):
        values["phone"] = row.text("phone", max_length=_max_length("phone"))
    if row.has("contact_name"):
        values["contact_name"] = row.text("contact_name", max_length=_max_length("contact_name"))
    if row.has("address"):
        values["address"] = row.text("address", max_length=services.MAX_ADDRESS_LENGTH)
    if row.has("country"):
        values["country"] = row.check("country", services._country, row.text("country"))
    if row.has("languages"):
        values["languages"] = row.check("languages", services._languages, row.items("languages"))
    if row.has("roles"):
        roles = []
        for item in row.items("roles"):
            wanted = item.casefold().replace(" ", "_")
            role = next(
                (
                    code
                    for code, label in PartnerRole.choices
                    if wanted in (code, str(label).casefold().replace(" ", "_"))
                ),
                None,
            )
            if role is None:
                row.error(
                    "roles",
                    _("%(value)s is not one of: %(choices)s.")
                    % {"value": item, "choices": ", ".join(PartnerRole.values)},
                )
            else:
                roles.append(role)
        values["roles"] = row.check("roles", services._roles, roles)
    return values


def _owner(row: RowReader, taken_emails: set[str], owners_seen: dict[str, int]) -> dict:
    email = row.text("owner_email")
    if not email:
        row.error("owner_email", _("A new partner needs its owner's e-mail."))
        return {}
    email = row.check("owner_email", services._clean_email, email, "owner_email")
    if email is None:
        return {}
    if email in taken_emails:
        row.error(
            "owner_email",
            _("Someone with the e-mail %(email)s exists already.") % {"email": email},
        )
    duplicate_check(row, "owner_email", email, owners_seen)
    language = row.check(
        "owner_language", services._check_language, row.text("owner_language"), "owner_language"
    )
    return {
        "email": email,
        "first_name": row.text("owner_first_name", max_length=150),
        "last_name": row.text("owner_last_name", max_length=150),
        "language": language or "",
    }


def _partner_plan(table: Table, plan: ImportPlan) -> None:
    handles = {str(cells.get("handle", "")).strip().lower() for _n, cells in table.rows}
    existing = {partner.handle: partner for partner in Partner.objects.filter(handle__in=handles)}
    owner_emails = {
        str(cells.get("owner_email", "")).strip().lower()
        for _n, cells in table.rows
        if str(cells.get("handle", "")).strip().lower() not in existing
    }
    taken_emails = {
        email.lower()
        for email in get_user_model()
        .objects.filter(email__in=owner_emails - {""})
        .values_list("email", flat=True)
    }
    seen: dict[str, int] = {}
    owners_seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = RowReader(number, cells, plan.errors)
        handle = row.text("handle", required=True, max_length=_max_length("handle")).lower()
        if handle:
            row.check("handle", _handle_rule, handle)
            duplicate_check(row, "handle", handle, seen)
        values = _partner_values(row)
        partner = existing.get(handle)
        owner = _owner(row, taken_emails, owners_seen) if partner is None else {}
        if row.failed:
            continue
        if partner is None:
            plan.rows.append(
                PlannedRow(number, handle, CREATE, {"handle": handle, "admin": owner, **values})
            )
            continue
        changes = [key for key, value in values.items() if getattr(partner, key) != value]
        plan.rows.append(
            PlannedRow(
                number,
                handle,
                UPDATE if changes else UNCHANGED,
                {"partner_id": partner.pk, **{key: values[key] for key in changes}},
                changes,
            )
        )


def _handle_rule(handle: str) -> None:
    try:
        validate_slug(handle)
    except ValidationError:
        raise InvalidInput("handle", _("A handle is made of letters, digits, - and _.")) from None


def _partner_write(planned: PlannedRow, actor: Actor) -> None:
    values = dict(planned.values)
    if planned.action == CREATE:
        # What `partner_create` takes; the rest of a new partner's columns follow as an update.
        partner, _owner_member = services.partner_create(
            actor=actor,
            handle=values.pop("handle"),
            admin=values.pop("admin"),
            name=values.pop("name"),
            email=values.pop("email", ""),
            phone=values.pop("phone", ""),
            status=values.pop("status", PartnerStatus.ACTIVE),
        )
        if values:
            services.partner_update(partner=partner, actor=actor, **values)
        return
    partner = Partner.objects.get(pk=values.pop("partner_id"))
    services.partner_update(partner=partner, actor=actor, **values)


register(
    ImportKind(
        name="partners",
        label=lambda: _("Partners"),
        key_column="handle",
        columns=PARTNER_COLUMNS,
        required=("handle", "name"),
        plan=_partner_plan,
        write=_partner_write,
    )
)
