"""Links that let a person set their password: the invitation and "forgot your password?".

Both use Django's password-reset tokens. A token is bound to the user's
current password hash and last login, so it stops working once used (the
password changes) and after `settings.PASSWORD_RESET_TIMEOUT`.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import ngettext

INVITE_PATH = "invite"
RESET_PATH = "password-reset"


def set_password_url(user, *, path: str = INVITE_PATH) -> str:
    """`{SITE_URL}/invite/<uidb64>/<token>/`, or under /password-reset/."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.SITE_URL}/{path}/{uid}/{token}/"


def link_lifetime() -> str:
    """How long such a link works, in words in the active language: "3 days", "12 hours"."""
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    days, rest = divmod(seconds, 24 * 3600)
    if days and not rest:
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = max(1, round(seconds / 3600))
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
