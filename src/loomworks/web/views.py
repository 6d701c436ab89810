"""Login and logout for both kinds of user; each lands on its own home. The language picker."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loomworks.accounts.services import user_language_set
from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound
from loomworks.notifications import services as notification_services
from loomworks.partners.models import PartnerMember
from loomworks.web.forms import LanguageForm, LoginForm


def home_url_for(user) -> str:
    if user.is_authenticated and user.is_admin:
        return "/admin/"
    if user.is_authenticated and PartnerMember.objects.filter(user=user, is_active=True).exists():
        return "/partner/"
    return "/login"


def own_actor(user) -> Actor:
    """The logged-in person acting on their own account: an admin, or a workshop member."""
    if user.is_admin:
        return Actor.admin(user)
    membership = (
        PartnerMember.objects.filter(user=user, is_active=True).select_related("partner").first()
    )
    if membership is not None:
        return Actor.partner(user, membership.partner)
    return Actor(kind=Actor.PARTNER, user_id=user.pk, name=user.display_name)


def home(request):
    return redirect(home_url_for(request.user))


class LoginView(DjangoLoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        # Logged in with nowhere to go (a membership switched off, a user of no
        # partner): their session is of no use, and sending them "home" would
        # send them back here. End it and show the form, saying why.
        if request.user.is_authenticated and home_url_for(request.user) == "/login":
            logout(request)
            messages.info(
                request,
                _(
                    "Your account has no access to Loomworks at the moment; ask your "
                    "workshop's owner or the brand. You can log in with another account."
                ),
            )
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return home_url_for(self.request.user)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "locked_out"):
            response.status_code = 429  # the page says how long to wait
        return response

    def get_redirect_url(self):
        """Follow `next` only inside the user's own area (a partner is never sent to /admin/)."""
        target = super().get_redirect_url()
        home = home_url_for(self.request.user)
        if target and home != "/login" and target.startswith(home):
            return target
        return ""


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("login")


@require_POST
def language_set(request):
    """Save the language a person reads Loomworks in, then go back where they were.

    A logged-in person's choice is kept on their account (it also picks the
    language of their e-mails); before logging in it is kept in a cookie.
    """
    form = LanguageForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = home_url_for(request.user)
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages in the list."))
        return redirect(back)
    language = form.cleaned_data["language"]
    response = redirect(back)
    if request.user.is_authenticated:
        user_language_set(user=request.user, actor=own_actor(request.user), language=language)
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    with translation.override(language or translation.get_language_from_request(request)):
        messages.success(request, _("Loomworks now speaks to you in English."))
    return response


def notification_mark_read(user, notification_id: str) -> bool:
    """Mark one of the user's own feed entries read; another person's entry is not found."""
    try:
        notification = notification_services.notification_mark_read(
            user=user, notification_id=notification_id
        )
    except NotFound:
        raise Http404 from None
    return notification.read_at is not None
