"""`/api/auth`: get a token, drop it, and say who you are."""

from django.contrib.auth import authenticate
from django.contrib.auth import logout as end_session
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from loomworks.accounts import lockout
from loomworks.accounts.services import token_issue, token_revoke
from loomworks.api.admin_schemas import text
from loomworks.api.schemas import ErrorOut
from loomworks.api.security import ANYONE, auth_for
from loomworks.partners.models import PartnerMember

router = Router(tags=["auth"])


class Credentials(Schema):
    email: text(254)
    password: text(128)


class UserOut(Schema):
    id: int
    email: str
    name: str
    is_admin: bool
    partner_id: str | None


class UserEnvelope(Schema):
    user: UserOut


class TokenOut(Schema):
    token: str
    user: UserOut


def user_out(user) -> dict:
    membership = PartnerMember.objects.filter(user=user, is_active=True).first()
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.display_name,
        "is_admin": user.is_admin,
        "partner_id": membership.partner_id if membership else None,
    }


@router.post(
    "/token",
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=None,
)
def token_create(request, payload: Credentials):
    """Trade an e-mail and password for a bearer token.

    A token works until `POST /api/auth/logout`, 30 days without use, or a change of
    its owner's password (any way it is changed: a reset link, the set-password page,
    `loomworks createadmin`), and for a partner member until their membership is
    switched off; then it answers 401 and a new one is needed. After too many wrong
    passwords for one e-mail from one address, 429 until the pause ends.
    """
    user = authenticate(request, email=payload.email, password=payload.password)
    if user is None and lockout.locked_out(request):
        raise HttpError(429, lockout.lockout_message())
    if user is None or not user.is_active:
        raise HttpError(401, _("Wrong e-mail or password."))
    # A login like the page's: last_login is set and the failure count starts again.
    user_logged_in.send(sender=type(user), request=request, user=user)
    return {"token": token_issue(user=user), "user": user_out(user)}


@router.post("/logout", response={204: None, 401: ErrorOut, 403: ErrorOut}, auth=auth_for(ANYONE))
def logout(request):
    """Revoke the token in use; called from a logged-in browser, end its session."""
    raw = getattr(request, "api_token", None)
    if raw:
        token_revoke(raw=raw)
    else:
        end_session(request)
    return Status(204, None)


@router.get("/me", response={200: UserEnvelope, 401: ErrorOut}, auth=auth_for(ANYONE))
def me(request):
    """Who the token or session belongs to; `partner_id` is set for partner members."""
    return {"user": user_out(request.auth)}
