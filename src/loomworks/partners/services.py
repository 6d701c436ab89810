"""Every write to partners and their members."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.audit import audit_record
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.events.api import EventName, publish
from loomworks.partners.models import MemberRole, Partner, PartnerMember, PartnerStatus

User = get_user_model()

# A member without a password is invited: the notifications app e-mails them a
# link to set one (and again when an admin re-sends the invitation).
MEMBER_INVITED = EventName.PARTNER_MEMBER_INVITED

PARTNER_FIELDS = ("name", "email", "phone", "status")


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


@transaction.atomic
def partner_update(*, partner: Partner, **fields) -> Partner:
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field cannot be changed."))
    if "name" in fields and not (fields["name"] or "").strip():
        raise InvalidInput("name", _("A partner needs a name."))
    if "status" in fields and fields["status"] not in PartnerStatus.values:
        raise InvalidInput("status", _("The status is active, inactive or pending."))
    if fields.get("email"):
        fields["email"] = _clean_email(fields["email"], "email")
    for key in ("email", "phone"):
        if key in fields and fields[key] is None:
            fields[key] = ""
    for key, value in fields.items():
        setattr(partner, key, value)
    if fields:
        partner.save(update_fields=[*fields, "updated_at"])
    return partner


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
