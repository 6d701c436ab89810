""" "Forgot your password?" without flooding anyone's inbox.

Every request is counted, per e-mail address typed and per client address,
over `PASSWORD_RESET_WINDOW_MINUTES`. Past `PASSWORD_RESET_EMAIL_LIMIT` for
one address no more e-mail goes to it, and the page answers exactly as
before, so the answer never tells whether the address has an account. Past
`PASSWORD_RESET_CLIENT_LIMIT` from one client address (someone trying many
addresses) the page says to wait, whatever the addresses were. The client
address is read as the login lockout reads it (`LOGIN_PROXY_COUNT`).
"""

import enum
import hashlib
from datetime import timedelta

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from loomworks.accounts.models import PasswordResetRequest


class Admission(enum.Enum):
    SEND = "send"  # send the link
    QUIET = "quiet"  # enough sent to this address lately: answer as usual, send nothing
    WAIT = "wait"  # too many requests from this client: say so


def window() -> timedelta:
    return timedelta(minutes=settings.PASSWORD_RESET_WINDOW_MINUTES)


def _email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def client_address_of(request) -> str:
    return (get_client_ip_address(request) or "unknown")[:64]


@transaction.atomic
def password_reset_admit(*, email: str, client_address: str) -> Admission:
    """Record this request and say whether its e-mail may go out."""
    now = timezone.now()
    since = now - window()
    PasswordResetRequest.objects.filter(requested_at__lt=since).delete()
    email_hash = _email_hash(email)
    recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
    from_client = recent.filter(client_address=client_address).count()
    for_email = recent.filter(email_hash=email_hash).count()
    PasswordResetRequest.objects.create(
        email_hash=email_hash, client_address=client_address, requested_at=now
    )
    if from_client >= settings.PASSWORD_RESET_CLIENT_LIMIT:
        return Admission.WAIT
    if for_email >= settings.PASSWORD_RESET_EMAIL_LIMIT:
        return Admission.QUIET
    return Admission.SEND
