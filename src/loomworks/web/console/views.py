"""The admin console (filled in by the console work)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render


@staff_member_required(login_url="/login")
def dashboard(request):
    return render(request, "web/placeholder.html", {"title": "Dashboard"})
