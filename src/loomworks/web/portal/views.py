"""The partner portal (filled in by the portal work)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required(login_url="/login")
def runs(request):
    return render(request, "web/placeholder.html", {"title": "My runs"})
