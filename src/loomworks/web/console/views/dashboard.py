"""The dashboard and the notifications page."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from loomworks.notifications import selectors as notification_selectors
from loomworks.notifications import services as notification_services
from loomworks.notifications.rerender import in_readers_language
from loomworks.web.console import selectors
from loomworks.web.console.views.common import admin_required, render_console
from loomworks.web.views import notification_mark_read

FEED_LENGTH = 10
UNDELIVERED_DAYS = 7
NOTIFICATIONS_PER_PAGE = 30

# Each dashboard list: its title, and what it says when nothing is in it.
NEEDS_SOMEONE = {
    "pending_review": (
        gettext_lazy("Pending review"),
        gettext_lazy("No run waits for review."),
    ),
    "awaiting_reassignment": (
        gettext_lazy("Awaiting reassignment"),
        gettext_lazy("No declined run waits for a new partner."),
    ),
    "ready_to_dispatch": (
        gettext_lazy("Ready to dispatch"),
        gettext_lazy("No run waits to be sent."),
    ),
    "blocked": (
        gettext_lazy("Blocked"),
        gettext_lazy("No run waits for a cancelled run."),
    ),
    "overdue": (
        gettext_lazy("Overdue"),
        gettext_lazy("Nothing is late."),
    ),
}


@admin_required
def dashboard(request):
    lists = selectors.needs_someone()
    for entry in lists:
        entry["title"], entry["empty"] = NEEDS_SOMEONE[entry["key"]]
    undelivered_count, undelivered = notification_selectors.undelivered(
        since=timezone.now() - timedelta(days=UNDELIVERED_DAYS)
    )
    context = {
        "undelivered_count": undelivered_count,
        "undelivered": undelivered,
        "status_counts": selectors.status_counts(),
        "lists": lists,
        "feed": in_readers_language(
            notification_selectors.notifications_for(request.user)[:FEED_LENGTH]
        ),
    }
    return render_console(request, "console/dashboard.html", context, section="dashboard")


@admin_required
def notifications(request):
    page = Paginator(
        notification_selectors.notifications_for(request.user), NOTIFICATIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    page.object_list = in_readers_language(page.object_list)
    return render_console(
        request, "console/notifications.html", {"page": page}, section="notifications"
    )


@admin_required
@require_POST
def notification_read(request, notification_id):
    if notification_mark_read(request.user, notification_id):
        messages.success(request, _("Marked as read."))
    return redirect("console:notifications")


@admin_required
@require_POST
def notifications_read_all(request):
    count = notification_services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("Every notification is marked as read."))
    else:
        messages.info(request, _("There was nothing unread."))
    return redirect("console:notifications")
