"""Who may use the partner portal, and the friendly pages for those who may not.

A page of the portal is for the members of an active partner. The decorator
sets `request.member`, `request.partner` and `request.actor`; anything the
page asks for outside the partner's scope is the same "not found" page as a
missing id (never a 403 that would confirm the object exists).
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound
from loomworks.core.numbers import region_override
from loomworks.partners.models import PartnerMember


def active_membership(user) -> PartnerMember | None:
    """The user's membership when both it and its partner are active, else None."""
    if not user.is_authenticated:
        return None
    membership = (
        PartnerMember.objects.select_related("partner").filter(user=user, is_active=True).first()
    )
    if membership is None or not membership.partner.is_active:
        return None
    return membership


def not_found(request):
    return render(request, "portal/not_found.html", status=404)


def partner_required(view):
    """Let members of an active partner in; send everyone else where they belong."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        membership = PartnerMember.objects.select_related("partner").filter(user=user).first()
        if membership is None:
            if user.is_admin:
                return redirect("/admin/")
            return render(request, "portal/forbidden.html", {"reason": "no_membership"}, status=403)
        if not membership.is_active or not membership.partner.is_active:
            return render(
                request,
                "portal/forbidden.html",
                {"reason": "inactive", "partner": membership.partner},
                status=403,
            )
        request.member = membership
        request.partner = membership.partner
        request.actor = Actor.partner(user, membership.partner)
        try:
            # Money and numbers the way the workshop's people write them (India: 1,50,000.50).
            with region_override(membership.partner.region):
                return view(request, *args, **kwargs)
        except (NotFound, Http404):
            return not_found(request)

    return wrapper
