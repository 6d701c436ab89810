"""Setting a password: from an invitation, or after "Forgot your password?".

Django's password-reset views do the work (tokens that work once and expire
after `PASSWORD_RESET_TIMEOUT`); these subclasses give them our pages, our
e-mail in the person's language, and send the person home once done.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loomworks.accounts import throttle
from loomworks.web.forms import PasswordResetRequestForm, SetPasswordForm
from loomworks.web.views import home_url_for

INVITE = "invite"
RESET = "reset"


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a link by e-mail. The answer is the same whether or not the address is known,
    and whether or not this address was sent enough links lately (see accounts/throttle.py)."""

    template_name = "web/password_reset.html"
    form_class = PasswordResetRequestForm
    subject_template_name = "web/email/password_reset_subject.txt"
    email_template_name = "web/email/password_reset.txt"
    html_email_template_name = "web/email/password_reset.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        admission = throttle.password_reset_admit(
            email=form.cleaned_data["email"],
            client_address=throttle.client_address_of(self.request),
        )
        if admission is throttle.Admission.WAIT:
            form.add_error(
                None,
                ngettext(
                    "Too many requests for new passwords came from here. Wait %(minutes)d "
                    "minute and try again.",
                    "Too many requests for new passwords came from here. Wait %(minutes)d "
                    "minutes and try again.",
                    settings.PASSWORD_RESET_WINDOW_MINUTES,
                )
                % {"minutes": settings.PASSWORD_RESET_WINDOW_MINUTES},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if admission is throttle.Admission.SEND:
            response = super().form_valid(form)
        else:  # enough links went to this address lately: the same answer, no e-mail
            response = redirect(self.get_success_url())
        messages.success(
            self.request,
            _(
                "If an account uses %(email)s, a link to choose a new password is on its way. "
                "Check your inbox."
            )
            % {"email": form.cleaned_data["email"]},
        )
        return response


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page an invitation or a reset e-mail links to. Done: logged in and sent home.

    An expired or used link shows a page that says what to do instead.
    """

    template_name = "web/set_password.html"
    form_class = SetPasswordForm
    purpose = RESET

    def dispatch(self, request, *args, **kwargs):
        # The page speaks the language of the person the link is for (as their
        # e-mail did), once the link is known to be theirs.
        language = self._persons_language(kwargs) or translation.get_language()
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.render()
        return response

    def _persons_language(self, kwargs) -> str:
        user = self.get_user(kwargs.get("uidb64", ""))
        token = kwargs.get("token", "")
        if token == self.reset_url_token:
            token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN, "")
        if user is None or not self.token_generator.check_token(user, token):
            return ""
        return user.language

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["purpose"] = self.purpose
        context["person"] = self.user if context.get("validlink") else None
        return context

    def form_valid(self, form):
        user = form.save()
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        if not user.is_active:
            messages.info(self.request, _("Your password is saved."))
            return redirect("login")
        # Named, as the lockout backend (django-axes) stands first in AUTHENTICATION_BACKENDS.
        login(self.request, user, backend="loomworks.accounts.backends.EmailBackend")
        if self.purpose == INVITE:
            messages.success(self.request, _("Your password is set. Welcome to Loomworks!"))
        else:
            messages.success(self.request, _("Your new password is saved. You are logged in."))
        return redirect(home_url_for(user))
