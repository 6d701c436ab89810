from django.urls import include, path

from loomworks.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.logout_view, name="logout"),
    path("admin/", include("loomworks.web.console.urls")),
    path("partner/", include("loomworks.web.portal.urls")),
]
