"""What each step of a run's history is called, for the brand and for a workshop.

One table for both: the few steps a workshop reads differently (it is the
workshop the run is sent to) override the brand's words.
"""

from django.utils.translation import gettext_lazy

HISTORY_LABELS = {
    "created": gettext_lazy("Created"),
    "imported": gettext_lazy("Imported from Medusa"),
    "imported_comment": gettext_lazy("Comment (from Medusa)"),
    "approve": gettext_lazy("Approved"),
    "dispatch": gettext_lazy("Sent to the partner"),
    "accept": gettext_lazy("Accepted"),
    "decline": gettext_lazy("Declined"),
    "start": gettext_lazy("Started"),
    "finish": gettext_lazy("Marked finished"),
    "complete": gettext_lazy("Completed"),
    "reassign": gettext_lazy("Reassigned"),
    "cancel": gettext_lazy("Cancelled"),
    "parts_started": gettext_lazy("A part was accepted"),
    "ready_to_dispatch": gettext_lazy("Ready to dispatch"),
    "blocked": gettext_lazy("Blocked"),
    "late": gettext_lazy("Late"),
    "edit": gettext_lazy("Details edited"),
    "media_added": gettext_lazy("Files added"),
    "tasks_added": gettext_lazy("Tasks added"),
    "deliver": gettext_lazy("Delivery recorded"),
    "hand_over": gettext_lazy("Handed over"),
    "delivery_corrected": gettext_lazy("Delivery corrected"),
    "rework": gettext_lazy("Rejected pieces sent to rework"),
    "quantity_proposed": gettext_lazy("Quantity to confirm"),
    "quantity_followed": gettext_lazy("Quantity follows the step before"),
    "quantity_confirmed": gettext_lazy("Quantity confirmed"),
}

# How a workshop reads the steps that concern it.
PARTNER_HISTORY_LABELS = {
    **HISTORY_LABELS,
    "dispatch": gettext_lazy("Sent to the workshop"),
    "reassign": gettext_lazy("Given to a workshop"),
    "parts_started": gettext_lazy("Work began on a part"),
    "ready_to_dispatch": gettext_lazy("Ready to send"),
    "edit": gettext_lazy("Details changed"),
}


def history_label(kind: str, *, partner: bool = False) -> str:
    """The label of a history step; an unknown kind reads as its own words."""
    labels = PARTNER_HISTORY_LABELS if partner else HISTORY_LABELS
    label = labels.get(kind)
    return str(label) if label is not None else kind.replace("_", " ").strip().capitalize()
