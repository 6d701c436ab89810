from django.urls import path

from loomworks.web.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.runs, name="runs"),
]
