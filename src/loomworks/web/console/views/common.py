"""What every console page shares: who may see it, the layout's context, and
how a refused action reaches the person (a flash, never a 500)."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from loomworks.core.actors import Actor
from loomworks.notifications import selectors as notification_selectors


def admin_required(view):
    """Brand admins only: anonymous people go to /login, partner users get a 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "/login")
        if not user.is_admin:
            from loomworks.web.views import home_url_for

            return render(
                request,
                "console/forbidden.html",
                {"home_url": home_url_for(user)},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def actor_for(request) -> Actor:
    return Actor.admin(request.user)


def render_console(
    request,
    template: str,
    context: dict,
    *,
    section: str,
    status: int = 200,
    partial: bool = False,
):
    """Render a console page with the layout's context (section, unread count).

    A `partial` (a piece htmx swaps into the page) has no layout to fill.
    """
    context = {"section": section, **context}
    if not partial:
        context["unread_notifications"] = notification_selectors.unread_count(request.user)
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def render_not_found(request, message: str):
    return render_console(
        request, "console/not_found.html", {"message": message}, section="", status=404
    )


def query_url(path: str, params: dict, **changes) -> str:
    """`path` with the query `params`, `changes` applied; None or blank values left out."""
    merged = {**params, **changes}
    query = {
        key: ("true" if value is True else value)
        for key, value in merged.items()
        if value not in (None, "", False)
    }
    return f"{path}?{urlencode(query)}" if query else path


def wants_partial(request) -> bool:
    """An htmx request that swaps part of the page (not a history restore, which needs all of it)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted
