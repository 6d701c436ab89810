"""Login and logout for both kinds of user; each lands on its own home."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loomworks.partners.models import PartnerMember
from loomworks.web.forms import LoginForm


def home_url_for(user) -> str:
    if user.is_authenticated and user.is_admin:
        return "/admin/"
    if user.is_authenticated and PartnerMember.objects.filter(user=user, is_active=True).exists():
        return "/partner/"
    return "/login"


def home(request):
    return redirect(home_url_for(request.user))


class LoginView(DjangoLoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return home_url_for(self.request.user)

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
