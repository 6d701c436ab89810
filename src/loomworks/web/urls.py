from django.urls import include, path

from loomworks.web import passwords, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.logout_view, name="logout"),
    path("language", views.language_set, name="language_set"),
    path("password-reset", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/<uidb64>/<token>/",
        passwords.SetPasswordView.as_view(purpose=passwords.RESET),
        name="password_reset_confirm",
    ),
    path(
        "invite/<uidb64>/<token>/",
        passwords.SetPasswordView.as_view(purpose=passwords.INVITE),
        name="invite",
    ),
    path("admin/", include("loomworks.web.console.urls")),
    path("partner/", include("loomworks.web.portal.urls")),
]
