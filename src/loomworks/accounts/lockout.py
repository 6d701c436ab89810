"""Too many wrong passwords: django-axes counts failed logins and pauses them.

The count is kept per e-mail *and* client address (`AXES_LOCKOUT_PARAMETERS`),
so someone guessing at one account from one place is stopped after
`LOGIN_FAILURE_LIMIT` tries for `LOGIN_COOLOFF_MINUTES`, while the account's
owner, elsewhere, can still log in. A successful login clears the count.

Both ways in (the login page and `POST /api/auth/token`) call Django's
`authenticate()` with the request; when it answers None they ask
`locked_out(request)` and say so themselves, in the person's language, with
HTTP 429. `keep_our_answer` tells axes' middleware to leave that answer alone.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def username_of(request: HttpRequest, credentials: dict | None) -> str | None:
    """The e-mail a login attempt is for, as the account is found: case and spaces ignored."""
    email = (credentials or {}).get("email") or request.POST.get("email")
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


def locked_out(request: HttpRequest) -> bool:
    """True when the last `authenticate()` on this request was refused for too many failures."""
    return bool(getattr(request, "axes_locked_out", False))


def cooloff_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message() -> str:
    minutes = cooloff_minutes()
    return ngettext(
        "Too many failed attempts for this e-mail. Wait %(minutes)d minute and try again, "
        "or choose a new password with “Forgot your password?”.",
        "Too many failed attempts for this e-mail. Wait %(minutes)d minutes and try again, "
        "or choose a new password with “Forgot your password?”.",
        minutes,
    ) % {"minutes": minutes}


def keep_our_answer(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: our views have answered the lockout already."""
    if original_response is not None:
        return original_response
    return HttpResponse(_("Too many failed attempts."), status=429)
