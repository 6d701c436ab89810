"""Who is calling: a bearer token or the browser's session (with CSRF).

Each router asks for a kind of user. The checks answer in the API's order:
nobody recognised → 401; the wrong kind of user → 403. A partner user gets
in only while both the membership and the partner are active.

An API key (`lwk_…`) is accepted where a token is, on the admin API only,
for the routes its scopes open (`loomworks.integrations.scopes`).
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import AuthorizationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from loomworks.accounts.services import token_authenticate
from loomworks.core.actors import Actor
from loomworks.integrations.keys import api_key_authenticate
from loomworks.integrations.models import ApiKey
from loomworks.integrations.scopes import scope_for
from loomworks.partners.models import PartnerMember

ADMIN, PARTNER, ANYONE = "admin", "partner", "anyone"


def authorize(request: HttpRequest, user, role: str):
    """Let `user` in as `role`, or raise a 403 that says why. Sets `request.actor`."""
    if user.language and user.language in dict(settings.LANGUAGES):
        # A token's owner reads answers in their own language, as on the pages
        # (the language middleware puts the request's language back afterwards).
        translation.activate(user.language)
    if role == ANYONE:
        request.actor = (
            Actor.admin(user)
            if user.is_admin
            else Actor(kind=Actor.PARTNER, user_id=user.pk, name=user.display_name)
        )
        return user
    if role == ADMIN:
        if not user.is_admin:
            raise AuthorizationError(
                message=_("This is for brand admins. Partner users work under /api/partners/.")
            )
        request.actor = Actor.admin(user)
        return user
    membership = (
        PartnerMember.objects.select_related("partner").filter(user=user, is_active=True).first()
    )
    if membership is None and PartnerMember.objects.filter(user=user).exists():
        raise AuthorizationError(
            message=_("Your access to this partner was switched off; ask its owner or the brand.")
        )
    if membership is None:
        raise AuthorizationError(
            message=_(
                "This is for members of a partner workshop; brand admins work under /api/admin/."
            )
        )
    if not membership.partner.is_active:
        raise AuthorizationError(
            message=_("%(partner)s is not active on Loomworks; ask the brand to reactivate it.")
            % {"partner": membership.partner.name}
        )
    request.member = membership
    request.partner = membership.partner
    request.actor = Actor.partner(user, membership.partner)
    return user


def authorize_key(request: HttpRequest, key: ApiKey, role: str) -> ApiKey:
    """Let a program in with `key` if the route is on the admin API and in its scopes."""
    if role != ADMIN:
        raise AuthorizationError(message=_("API keys work on the admin API (/api/admin/) only."))
    scope = scope_for(request.method, request.path_info)
    if scope is None:
        raise AuthorizationError(
            message=_("This route is for people: log in and use a token, not an API key.")
        )
    if scope not in key.scopes:
        raise AuthorizationError(
            message=_("This API key lacks the scope %(scope)s; create a key that has it.")
            % {"scope": scope}
        )
    request.api_key = key
    request.actor = Actor.api_key(key)
    return key


class BearerToken(HttpBearer):
    def __init__(self, role: str):
        self.role = role
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str):
        if token.startswith(ApiKey.PREFIX):
            key = api_key_authenticate(raw=token)
            return authorize_key(request, key, self.role) if key else None
        user = token_authenticate(raw=token)
        if user is None:
            return None
        request.api_token = token
        return authorize(request, user, self.role)


class BrowserSession(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token."""

    param_name = "sessionid"

    def __init__(self, role: str):
        self.role = role
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest):
        key = request.COOKIES.get(self.param_name)
        if key and request.user.is_authenticated and check_csrf(request):
            raise HttpError(
                403, _("The CSRF token is missing or wrong; reload the page and try again.")
            )
        return key

    def authenticate(self, request: HttpRequest, key):
        if not key or not request.user.is_authenticated:
            return None
        return authorize(request, request.user, self.role)


def auth_for(role: str) -> list:
    return [BearerToken(role), BrowserSession(role)]
