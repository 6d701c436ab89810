"""Writes to users and tokens."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.accounts.models import ApiToken, User
from loomworks.core.errors import InvalidInput


@transaction.atomic
def admin_create_or_update(*, email: str, password: str) -> tuple[User, bool]:
    """Make `email` a brand admin with `password`. Running it again updates the password."""
    email = email.strip().lower()
    user, created = User.objects.get_or_create(email=email, defaults={"is_staff": True})
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
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


def user_language_set(*, user: User, language: str) -> User:
    """The language `user` reads Loomworks in: pages, e-mails, notices. Blank: the browser's."""
    language = (language or "").strip().lower()
    if language and language not in language_choices():
        raise InvalidInput(
            "language",
            _("The language is one of: %(codes)s.") % {"codes": ", ".join(language_choices())},
        )
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
    return user
