"""The reminder rules page, and each admin's own notification settings."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from loomworks.accounts.services import time_zone_names, user_preferences_set
from loomworks.core.errors import InvalidInput
from loomworks.reminders import selectors as reminder_selectors
from loomworks.reminders import services as reminder_services
from loomworks.web.console.forms import apply_error
from loomworks.web.console.reminder_forms import MyNotificationsForm, ReminderRulesForm
from loomworks.web.console.views.common import actor_for, admin_required, render_console


def _rule_values(rules) -> dict:
    return {name: getattr(rules, name) for name in ReminderRulesForm.base_fields}


@admin_required
def reminder_rules(request):
    """Who is reminded of what, and when; every change is recorded with who made it."""
    rules = reminder_selectors.rules_current()
    if request.method == "POST":
        form = ReminderRulesForm(request.POST)
        if form.is_valid():
            try:
                reminder_services.rules_update(actor=actor_for(request), changes=form.cleaned_data)
            except InvalidInput as error:
                apply_error(form, error)
            else:
                messages.success(
                    request, _("The reminder rules are saved; they apply from the next check.")
                )
                return redirect("console:reminder_rules")
    else:
        form = ReminderRulesForm(initial=_rule_values(rules))
    labels = {name: field.label for name, field in ReminderRulesForm.base_fields.items()}
    changes = [
        {
            "change": change,
            "fields": [
                {"label": labels.get(name, name), "before": before, "after": after}
                for name, (before, after) in change.changes.items()
            ],
        }
        for change in reminder_selectors.rules_changes()
    ]
    return render_console(
        request,
        "console/reminders/rules.html",
        {"form": form, "rules": rules, "changes": changes},
        section="reminders",
        status=422 if request.method == "POST" else 200,
    )


@admin_required
def my_notifications(request):
    user = request.user
    if request.method == "POST":
        form = MyNotificationsForm(request.POST)
        if form.is_valid():
            try:
                user_preferences_set(user=user, actor=actor_for(request), **form.cleaned_data)
            except InvalidInput as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("console:my_notifications")
    else:
        form = MyNotificationsForm(
            initial={
                "email_notifications": user.email_notifications,
                "digest_enabled": user.digest_enabled,
                "time_zone": user.time_zone,
            }
        )
    return render_console(
        request,
        "console/reminders/my_notifications.html",
        {"form": form, "zones": time_zone_names()},
        section="",
        status=422 if request.method == "POST" else 200,
    )
