"""People who log in: brand admins (staff users) and partner members.

A user signs in with an e-mail address. Brand admins are `is_staff` users;
partner users belong to exactly one partner through a `PartnerMember` row
(see `loomworks.partners.models`).
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("brand admin"), default=False, help_text=_("Brand admins run production.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Where the person is: their morning digest goes out at 08:00 there, and
    # its times read in that zone. Blank: the brand's TIME_ZONE.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, db_default="")
    digest_enabled = models.BooleanField(
        _("send me a morning digest"), default=True, db_default=True
    )
    # Brand admins' e-mail about reminders and late runs (partner members choose
    # on their membership, `PartnerMember.email_notifications`).
    email_notifications = models.BooleanField(
        _("e-mail me reminders"), default=True, db_default=True
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.is_staff

    # A changed password ends the person's API tokens, on every path that sets
    # one (the set-password page, a reset link, `createadmin`, an admin's
    # edit): like their sessions, tokens issued under the old password stop
    # working. Sessions end through Django's session hash; tokens end here,
    # once the new password is saved.
    def set_password(self, raw_password):
        super().set_password(raw_password)
        self._password_changed = True

    def set_unusable_password(self):
        super().set_unusable_password()
        self._password_changed = True

    def save(self, *args, **kwargs):
        existed = not self._state.adding
        super().save(*args, **kwargs)
        if getattr(self, "_password_changed", False):
            self._password_changed = False
            if existed:
                ApiToken.revoke_all_of(self)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the raw value is shown once."""

    PREFIX = "lw_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} for {self.user_id}"

    @classmethod
    def issue(cls, user) -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, key_hash=_hash_token(raw)), raw

    @classmethod
    def hash(cls, raw: str) -> str:
        return _hash_token(raw)

    @classmethod
    def revoke_all_of(cls, user) -> int:
        """End every live token of `user` (a new password, a membership switched off)."""
        return cls.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


class PasswordResetRequest(models.Model):
    """One "forgot your password?" request, kept for a while to throttle floods.

    The e-mail is stored as its SHA-256 (the address typed, known or not),
    next to the client's address; rows older than the throttle window are
    deleted as new ones come (see `accounts/throttle.py`).
    """

    email_hash = models.CharField(max_length=64, db_index=True)
    client_address = models.CharField(max_length=64, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"password reset request at {self.requested_at:%Y-%m-%d %H:%M}"


def revoke_tokens_of_switched_off_member(sender, instance, **kwargs) -> None:
    """A partner membership saved switched off ends the member's API tokens, for good:
    switching it on again does not bring the old tokens back (connected in apps.py)."""
    if not instance.is_active:
        ApiToken.revoke_all_of(instance.user_id)
