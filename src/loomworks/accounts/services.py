"""Writes to users and tokens."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.accounts.models import ApiToken, User
from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import InvalidInput


@transaction.atomic
def admin_create_or_update(*, email: str, password: str, actor: Actor) -> tuple[User, bool]:
    """Make `email` a brand admin with `password`. Running it again updates the password.

    Either leaves an audit row naming the actor (the password itself is never kept there)."""
    email = email.strip().lower()
    user, created = User.objects.get_or_create(email=email, defaults={"is_staff": True})
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.admin_created" if created else "user.admin_updated",
        target_type="user",
        target_id=str(user.pk),
        details={"email": email},
    )
    return user, created


def token_issue(*, user: User) -> str:
    _token, raw = ApiToken.issue(user)
    return raw


def token_authenticate(*, raw: str) -> User | None:
    """The active user behind a live token, refreshing its last use; None otherwise."""
    if not raw:
        return None
    now = timezone.now()
    idle_limit = now - timedelta(days=settings.API_TOKEN_IDLE_DAYS)
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash(raw), revoked_at__isnull=True, last_used_at__gte=idle_limit)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, raw: str) -> None:
    ApiToken.objects.filter(key_hash=ApiToken.hash(raw), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def language_choices() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def user_language_set(*, user: User, actor: Actor, language: str) -> User:
    """The language `user` reads Loomworks in: pages, e-mails, notices. Blank: the browser's.

    A change leaves an audit row naming the actor."""
    language = (language or "").strip().lower()
    if language and language not in language_choices():
        raise InvalidInput(
            "language",
            _("The language is one of: %(codes)s.") % {"codes": ", ".join(language_choices())},
        )
    if user.language != language:
        audit_record(
            actor=actor,
            action="user.preferences_changed",
            target_type="user",
            target_id=str(user.pk),
            details={"language": [user.language, language]},
        )
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
    return user


def time_zone_names() -> list[str]:
    """Every IANA zone name Python knows ("Europe/Lisbon"), sorted."""
    import zoneinfo

    return sorted(zoneinfo.available_timezones())


@transaction.atomic
def user_preferences_set(
    *,
    user: User,
    actor,
    time_zone: str | None = None,
    digest_enabled: bool | None = None,
    email_notifications: bool | None = None,
) -> User:
    """A person's own settings: their time zone, the morning digest, e-mail (for brand admins).

    Only what is given changes. People set their own; a brand admin may set
    anyone's. A zone Python does not know is refused, naming the field. A
    change leaves an audit row (who, and each setting before and after).
    """
    if not actor.is_admin and actor.user_id != user.pk:
        raise InvalidInput("user", _("You can change only your own settings."))
    changes = {}
    if time_zone is not None:
        time_zone = time_zone.strip()
        if time_zone and time_zone not in time_zone_names():
            raise InvalidInput(
                "time_zone",
                _("“%(zone)s” is not a time zone; give one like Europe/Lisbon.")
                % {"zone": time_zone},
            )
        changes["time_zone"] = time_zone
    if digest_enabled is not None:
        changes["digest_enabled"] = bool(digest_enabled)
    if email_notifications is not None:
        changes["email_notifications"] = bool(email_notifications)
    changes = {name: value for name, value in changes.items() if getattr(user, name) != value}
    if changes:
        audit_record(
            actor=actor,
            action="user.preferences_changed",
            target_type="user",
            target_id=str(user.pk),
            details={name: [getattr(user, name), value] for name, value in changes.items()},
        )
        User.objects.filter(pk=user.pk).update(**changes)
        for name, value in changes.items():
            setattr(user, name, value)
    return user
