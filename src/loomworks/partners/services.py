"""Every write to partners and their members."""

import pycountry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.events.api import EventName, publish
from loomworks.partners.models import (
    MemberRole,
    Partner,
    PartnerMember,
    PartnerRole,
    PartnerStatus,
)

User = get_user_model()

# A member without a password is invited: the notifications app e-mails them a
# link to set one (and again when an admin re-sends the invitation).
MEMBER_INVITED = EventName.PARTNER_MEMBER_INVITED

PARTNER_FIELDS = (
    "name",
    "email",
    "phone",
    "status",
    "contact_name",
    "address",
    "country",
    "languages",
    "roles",
)
MAX_ADDRESS_LENGTH = 1000
MAX_PARTNER_LANGUAGES = 20


def _clean_email(value: str, field: str) -> str:
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(field, _("Give a valid e-mail address.")) from None
    return email


def _check_password(password: str | None, field: str) -> None:
    if password is not None and len(password) < 8:
        raise InvalidInput(field, _("The password needs at least 8 characters."))


def _check_language(language: str, field: str) -> str:
    language = (language or "").strip().lower()
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidInput(
            field,
            _("The language is one of: %(codes)s.")
            % {"codes": ", ".join(code for code, _name in settings.LANGUAGES)},
        )
    return language


def _invitation_publish(member: PartnerMember, *, resent: bool) -> None:
    publish(
        MEMBER_INVITED,
        {
            "member_id": member.pk,
            "partner_id": member.partner_id,
            "user_id": member.user_id,
            "resent": resent,
        },
        aggregate_type="partner_member",
        aggregate_id=member.pk,
    )


@transaction.atomic
def member_add(
    *,
    partner: Partner,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = MemberRole.MANAGER,
    password: str | None = None,
    language: str = "",
    field_prefix: str = "",
) -> PartnerMember:
    """Add a person to a partner.

    Without a password they are invited: an e-mail (in `language`, when given)
    brings them to a page where they set one.
    """
    email = _clean_email(email, f"{field_prefix}email")
    if role not in MemberRole.values:
        raise InvalidInput(f"{field_prefix}role", _("The role is owner, admin or manager."))
    _check_password(password, f"{field_prefix}password")
    language = _check_language(language, f"{field_prefix}language")
    if User.objects.filter(email=email).exists():
        raise Conflict(_("Someone with the e-mail %(email)s exists already.") % {"email": email})
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password or None,
                first_name=first_name or "",
                last_name=last_name or "",
                language=language,
            )
    except IntegrityError:
        raise Conflict(
            _("Someone with the e-mail %(email)s exists already.") % {"email": email}
        ) from None
    member = PartnerMember.objects.create(partner=partner, user=user, role=role)
    if not password:
        _invitation_publish(member, resent=False)
    return member


@transaction.atomic
def member_invitation_resend(*, member: PartnerMember) -> PartnerMember:
    """E-mail the member a new invitation. Only for someone who has not set a password yet."""
    user = member.user
    if user.has_usable_password():
        raise Conflict(
            _(
                "%(email)s has set a password already; they can use "
                '"Forgot your password?" on the login page.'
            )
            % {"email": user.email}
        )
    if not member.is_active or not user.is_active:
        raise Conflict(
            _("%(email)s is not an active member; activate them first.") % {"email": user.email}
        )
    _invitation_publish(member, resent=True)
    return member


@transaction.atomic
def partner_create(
    *,
    name: str,
    handle: str,
    admin: dict,
    email: str = "",
    phone: str = "",
    status: str = PartnerStatus.ACTIVE,
) -> tuple[Partner, PartnerMember]:
    """Create a partner with its first member, its owner."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name", _("A partner needs a name."))
    handle = (handle or "").strip().lower()
    try:
        validate_slug(handle)
    except ValidationError:
        raise InvalidInput("handle", _("A handle is made of letters, digits, - and _.")) from None
    if status not in PartnerStatus.values:
        raise InvalidInput("status", _("The status is active, inactive or pending."))
    if email:
        email = _clean_email(email, "email")
    if Partner.objects.filter(handle=handle).exists():
        raise Conflict(_("The handle %(handle)s is taken.") % {"handle": handle})
    try:
        with transaction.atomic():
            partner = Partner.objects.create(
                name=name, handle=handle, email=email, phone=phone or "", status=status
            )
    except IntegrityError:
        raise Conflict(_("The handle %(handle)s is taken.") % {"handle": handle}) from None
    member = member_add(
        partner=partner,
        email=admin.get("email", ""),
        first_name=admin.get("first_name") or "",
        last_name=admin.get("last_name") or "",
        role=MemberRole.OWNER,
        password=admin.get("password"),
        language=admin.get("language") or "",
        field_prefix="admin.",
    )
    return partner, member


def _country(value) -> str:
    code = (value or "").strip().upper()
    if code and (len(code) != 2 or pycountry.countries.get(alpha_2=code) is None):
        raise InvalidInput("country", _("Give the country as its two-letter code, such as PT."))
    return code


def _languages(value) -> list[str]:
    if value is None or isinstance(value, str):
        raise InvalidInput("languages", _("Give the languages as a list of codes, such as pt."))
    codes: list[str] = []
    for index, item in enumerate(value):
        code = str(item).strip().lower()
        if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
            raise InvalidInput(
                f"languages[{index}]",
                _("%(code)s is not a two-letter language code, such as pt or en.") % {"code": item},
            )
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_PARTNER_LANGUAGES:
        raise InvalidInput(
            "languages",
            _("Give at most %(count)d languages.") % {"count": MAX_PARTNER_LANGUAGES},
        )
    return codes


def _roles(value) -> list[str]:
    if value is None or isinstance(value, str):
        raise InvalidInput("roles", _("Give the roles as a list."))
    roles = []
    for index, role in enumerate(value):
        if role not in PartnerRole.values:
            raise InvalidInput(
                f"roles[{index}]",
                _("A role is one of: %(roles)s.") % {"roles": ", ".join(PartnerRole.values)},
            )
        if role not in roles:
            roles.append(role)
    # Kept in the list's own order, whatever order they were ticked in.
    return [role for role in PartnerRole.values if role in roles]


@transaction.atomic
def partner_update(*, partner: Partner, actor: Actor, **fields) -> Partner:
    """Change a partner; only the fields given change, audited. Setting the status to
    inactive stops its members using the portal and the API (they stay members) and it
    is given no new work; active brings that back."""
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field cannot be changed."))
    values = dict(fields)
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise InvalidInput("name", _("A partner needs a name."))
    if "status" in values and values["status"] not in PartnerStatus.values:
        raise InvalidInput("status", _("The status is active, inactive or pending."))
    if values.get("email"):
        values["email"] = _clean_email(values["email"], "email")
    for key in ("email", "phone", "contact_name", "address"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if len(values.get("address", "")) > MAX_ADDRESS_LENGTH:
        raise InvalidInput(
            "address", _("Keep it under %(count)d characters.") % {"count": MAX_ADDRESS_LENGTH}
        )
    if "country" in values:
        values["country"] = _country(values["country"])
    if "languages" in values:
        values["languages"] = _languages(values["languages"])
    if "roles" in values:
        values["roles"] = _roles(values["roles"])
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    changed = {
        key: [getattr(partner, key), value]
        for key, value in values.items()
        if getattr(partner, key) != value
    }
    if not changed:
        return partner
    for key in changed:
        setattr(partner, key, values[key])
    partner.save(update_fields=[*changed, "updated_at"])
    action = "partner.updated"
    if set(changed) == {"status"}:
        action = {
            PartnerStatus.ACTIVE: "partner.activated",
            PartnerStatus.INACTIVE: "partner.deactivated",
        }.get(partner.status, action)
    audit_record(
        actor=actor,
        action=action,
        target_type="partner",
        target_id=partner.pk,
        details={"name": partner.name, "changed": changed},
    )
    return partner


MEMBER_FIELDS = ("first_name", "last_name", "role", "language", "is_active")


@transaction.atomic
def member_update(*, member: PartnerMember, actor: Actor, **fields) -> PartnerMember:
    """Change a member: their name, role, language, or whether they are active.

    Switching a member off ends their access at once: the portal and the API refuse
    them from their next request (their open sessions included), and their API tokens
    are revoked for good (see `accounts`); switching them on again needs new tokens.
    A partner keeps at least one active owner.
    """
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field cannot be changed."))
    member = PartnerMember.objects.select_for_update().select_related("user").get(pk=member.pk)
    user = member.user
    values = dict(fields)
    for key in ("first_name", "last_name"):
        if key in values:
            values[key] = (values[key] or "").strip()
            if len(values[key]) > 150:
                raise InvalidInput(key, _("Keep it under %(count)d characters.") % {"count": 150})
    if "role" in values and values["role"] not in MemberRole.values:
        raise InvalidInput("role", _("The role is owner, admin or manager."))
    if "language" in values:
        values["language"] = _check_language(values["language"], "language")
    if "is_active" in values and not isinstance(values["is_active"], bool):
        raise InvalidInput("is_active", _("Active is true or false."))
    current = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "role": member.role,
        "is_active": member.is_active,
    }
    changed = {key: [current[key], value] for key, value in values.items() if current[key] != value}
    if not changed:
        return member
    stays_owner = values.get("role", member.role) == MemberRole.OWNER and values.get(
        "is_active", member.is_active
    )
    if member.role == MemberRole.OWNER and member.is_active and not stays_owner:
        other_owners = PartnerMember.objects.filter(
            partner_id=member.partner_id, role=MemberRole.OWNER, is_active=True
        ).exclude(pk=member.pk)
        if not other_owners.exists():
            raise Conflict(
                _(
                    "%(email)s is the only active owner of %(partner)s: make someone else "
                    "owner first."
                )
                % {"email": user.email, "partner": member.partner.name}
            )
    user_fields = [key for key in ("first_name", "last_name", "language") if key in changed]
    for key in user_fields:
        setattr(user, key, values[key])
    if user_fields:
        user.save(update_fields=user_fields)
    member_fields = [key for key in ("role", "is_active") if key in changed]
    for key in member_fields:
        setattr(member, key, values[key])
    if member_fields:
        # A save (not an update): switching a member off revokes their API tokens.
        member.save(update_fields=[*member_fields, "updated_at"])
    action = "partner_member.updated"
    if set(changed) == {"is_active"}:
        action = "partner_member.reactivated" if member.is_active else "partner_member.deactivated"
    audit_record(
        actor=actor,
        action=action,
        target_type="partner_member",
        target_id=member.pk,
        details={"partner_id": member.partner_id, "email": user.email, "changed": changed},
    )
    return member


def member_runs_seen(*, member: PartnerMember, at=None) -> None:
    """Remember when the member last looked at their runs (what is "new" is what came after)."""
    member.last_seen_runs_at = at or timezone.now()
    PartnerMember.objects.filter(pk=member.pk).update(last_seen_runs_at=member.last_seen_runs_at)


def member_preferences_update(*, member: PartnerMember, email_notifications: bool) -> PartnerMember:
    """A member's own settings: whether the partner's run notices also come by e-mail."""
    member.email_notifications = bool(email_notifications)
    PartnerMember.objects.filter(pk=member.pk).update(
        email_notifications=member.email_notifications, updated_at=timezone.now()
    )
    return member


def phone_in_e164(value: str, field: str = "phone") -> str:
    """A mobile number in E.164 form (+351912345678); blank stays blank. Refused when invalid."""
    import phonenumbers

    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            field,
            _("Give the number with its country code, like +351 912 345 678."),
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@transaction.atomic
def member_whatsapp_set(
    *, member: PartnerMember, actor, phone: str, consent: bool
) -> PartnerMember:
    """The member's WhatsApp number and their consent to be messaged there.

    Consent is the member's own to give: a brand admin may correct the number
    or withdraw consent, never give it for them. Consent needs a number; its
    time is kept (`whatsapp_consent_at`) and cleared when it is withdrawn. A
    change leaves an audit row (who, the number and the consent before and after).
    """
    own = actor.user_id == member.user_id
    if not own and not actor.is_admin:
        raise InvalidInput("member", _("You can change only your own settings."))
    phone = phone_in_e164(phone)
    consent = bool(consent)
    if consent and not phone:
        raise InvalidInput("phone", _("Give your mobile number to get WhatsApp messages."))
    if consent and not member.whatsapp_consent and not own:
        raise InvalidInput("whatsapp_consent", _("Only the member can agree to WhatsApp messages."))
    values = {"phone": phone, "whatsapp_consent": consent}
    if consent and not member.whatsapp_consent:
        values["whatsapp_consent_at"] = timezone.now()
    if not consent:
        values["whatsapp_consent_at"] = None
    values = {name: value for name, value in values.items() if getattr(member, name) != value}
    if values:
        audit_record(
            actor=actor,
            action="partner_member.whatsapp_changed",
            target_type="partner_member",
            target_id=str(member.pk),
            details={
                name: [getattr(member, name), value]
                for name, value in values.items()
                if name in ("phone", "whatsapp_consent")
            },
        )
        PartnerMember.objects.filter(pk=member.pk).update(**values, updated_at=timezone.now())
        for name, value in values.items():
            setattr(member, name, value)
    return member
