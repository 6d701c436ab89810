"""One human sentence per feed entry, written in the reader's language.

Each function is called once per language among the recipients, inside
`translation.override`, so every string here is translated when it runs.
"""

from django.utils import formats
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from loomworks.notifications.emails import (
    RUN_CANCELLED,
    RUN_COMPLETED,
    RUN_SENT,
    design_name,
    payment_amount,
    payment_date,
)
from loomworks.production.models import ProductionRun


def run_label(run: ProductionRun) -> str:
    """`PR-1042 (cutting, 40 × Linen shirt)`: enough to know which run without opening it."""
    values = {
        "ref": run.reference,
        "quantity": run.quantity,
        "design": design_name(run),
        "role": run.role,
    }
    if run.role:
        return _("%(ref)s (%(role)s, %(quantity)s × %(design)s)") % values
    return _("%(ref)s (%(quantity)s × %(design)s)") % values


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def actor_label(actor: dict, partner_name: str = "") -> str:
    """`Ana Silva (Atelier Nord)` for a partner user, the admin's name, or the system's."""
    name = actor.get("name") or ""
    if actor.get("kind") == "partner" and partner_name:
        return _("%(name)s (%(partner)s)") % {"name": name, "partner": partner_name}
    if actor.get("kind") == "system" or not name:
        return _("Loomworks")
    return name


def deadline_phrase(run: ProductionRun) -> str:
    """The run's date in the one wording people see everywhere: "Promised …" or "Due …"."""
    if run.promised_date:
        return _("Promised %(date)s") % {"date": _date(run.promised_date)}
    if run.due_date:
        return _("Due %(date)s") % {"date": _date(run.due_date)}
    return ""


# ---------------------------------------------------------------- partner feed


def partner_summary(message: str, *, run: ProductionRun, reason: str = "") -> str:
    label = run_label(run)
    if message == RUN_SENT:
        if run.due_date:
            return _("%(run)s was sent to you; it is due %(due)s.") % {
                "run": label,
                "due": _date(run.due_date),
            }
        return _("%(run)s was sent to you.") % {"run": label}
    if message == RUN_CANCELLED:
        if reason:
            return _("The brand cancelled %(run)s: %(reason)s.") % {
                "run": label,
                "reason": reason.rstrip("."),
            }
        return _("The brand cancelled %(run)s.") % {"run": label}
    if message == RUN_COMPLETED:
        return _("%(run)s is completed.") % {"run": label}
    raise ValueError(f"Unknown partner message {message!r}.")


# ---------------------------------------------------------------- admin feed


def run_event_summary(
    event_name: str, payload: dict, *, run: ProductionRun, partner_name: str = ""
) -> str:
    """The admin feed's sentence for a run event (accepted, declined, …, blocked)."""
    action = event_name.removeprefix("production_run.")
    actor = payload.get("actor") or {}
    by_system = actor.get("kind") == "system"
    note = (payload.get("note") or "").strip().rstrip(".")
    values = {"actor": actor_label(actor, partner_name), "run": run_label(run), "note": note}

    if action == "sent_to_partner":
        values["partner"] = partner_name or _("its partner")
        if by_system:
            return _("%(run)s was sent to %(partner)s automatically.") % values
        return _("%(actor)s sent %(run)s to %(partner)s.") % values
    if action == "accepted":
        if run.promised_date:
            values["date"] = _date(run.promised_date)
            return _("%(actor)s accepted %(run)s and promised it for %(date)s.") % values
        return _("%(actor)s accepted %(run)s.") % values
    if action == "declined":
        if note:
            return _("%(actor)s declined %(run)s: %(note)s.") % values
        return _("%(actor)s declined %(run)s.") % values
    if action == "started":
        return _("%(actor)s started %(run)s.") % values
    if action == "finished":
        return _("%(actor)s marked %(run)s finished.") % values
    if action == "completed":
        if by_system:
            if note:
                return _("%(run)s completed by itself: %(note)s.") % values
            return _("%(run)s completed by itself.") % values
        if payload.get("action") == "hand_over":
            return _("%(actor)s handed %(run)s over.") % values
        return _("%(actor)s completed %(run)s.") % values
    if action == "delivery_recorded":
        values.update(
            good=payload.get("good", 0),
            rejected=payload.get("rejected", 0),
            over=payload.get("over_delivered", 0),
        )
        if payload.get("over_delivered"):
            return (
                _(
                    "%(actor)s delivered %(good)s good pieces of %(run)s, "
                    "%(over)s of them beyond the order."
                )
                % values
            )
        if payload.get("rejected"):
            return (
                _("%(actor)s delivered %(good)s good pieces of %(run)s, %(rejected)s rejected.")
                % values
            )
        return _("%(actor)s delivered %(good)s good pieces of %(run)s.") % values
    if action == "quantity_to_confirm":
        values.update(
            planned=payload.get("planned_quantity"), proposed=payload.get("proposed_quantity")
        )
        return (
            _(
                "%(run)s: the step before delivered %(proposed)s pieces, not %(planned)s; "
                "confirm its quantity before it is sent."
            )
            % values
        )
    if action == "cancelled":
        if by_system:
            return _("%(run)s was cancelled: %(note)s.") % values
        if note:
            return _("%(actor)s cancelled %(run)s: %(note)s.") % values
        return _("%(actor)s cancelled %(run)s.") % values
    if action == "ready_to_dispatch":
        return _("%(run)s is ready to dispatch: every run it waits for has completed.") % values
    if action == "blocked":
        other = payload.get("blocked_by_reference")
        if other:
            values["other"] = other
            return _("%(run)s is blocked: %(other)s, which it waits for, was cancelled.") % values
        return _("%(run)s is blocked.") % values
    raise ValueError(f"No admin feed sentence for {event_name!r}.")


def comment_summary(
    *, actor: dict, partner_name: str, task_title: str, reference: str, body: str
) -> str:
    return _("%(actor)s commented on “%(task)s” of %(ref)s: “%(excerpt)s”") % {
        "actor": actor_label(actor, partner_name),
        "task": task_title,
        "ref": reference,
        "excerpt": Truncator(" ".join(body.split())).chars(140),
    }


def brand_comment_summary(*, task_title: str, reference: str, body: str) -> str:
    """The partner's feed: the brand wrote on one of its tasks."""
    return _("The brand commented on “%(task)s” of %(ref)s: “%(excerpt)s”") % {
        "task": task_title,
        "ref": reference,
        "excerpt": Truncator(" ".join(body.split())).chars(140),
    }


def failed_email_summary(*, address: str, reference: str, attempts: int, error: str) -> str:
    values = {"address": address, "ref": reference, "attempts": attempts, "error": error}
    if reference:
        return (
            _(
                "The e-mail to %(address)s about %(ref)s could not be sent after %(attempts)s attempts: %(error)s"
            )
            % values
        )
    return (
        _("The e-mail to %(address)s could not be sent after %(attempts)s attempts: %(error)s")
        % values
    )


def dead_delivery_summary(
    *, event_name: str, subscriber: str, reference: str, attempts: int, error: str
) -> str:
    values = {
        "event": event_name,
        "subscriber": subscriber,
        "ref": reference,
        "attempts": attempts,
        "error": error,
    }
    if reference:
        return (
            _(
                "Follow-up work for %(ref)s failed and was given up after %(attempts)s attempts (%(event)s → %(subscriber)s): %(error)s"
            )
            % values
        )
    return (
        _(
            "Follow-up work failed and was given up after %(attempts)s attempts (%(event)s → %(subscriber)s): %(error)s"
        )
        % values
    )


def failed_whatsapp_summary(*, name: str, number: str, reference: str, error: str) -> str:
    values = {"name": name, "number": number, "ref": reference, "error": error}
    if reference:
        return (
            _(
                "The WhatsApp message to %(name)s (%(number)s) about %(ref)s was not delivered: %(error)s"
            )
            % values
        )
    return _("The WhatsApp message to %(name)s (%(number)s) was not delivered: %(error)s") % values


def gave_up_error(*, attempts: int, error: str) -> str:
    """The error kept on a message whose every attempt failed."""
    return _("gave up after %(attempts)s attempts: %(error)s") % {
        "attempts": attempts,
        "error": error,
    }


def payment_summary(payment: dict) -> str:
    """`The brand paid you €120.00 on 3 Apr 2027 (bank transfer, ref. T-118).`"""
    values = {
        "amount": payment_amount(payment),
        "day": payment_date(payment),
        "method": payment.get("method") or "",
        "reference": payment.get("reference") or "",
    }
    if values["reference"]:
        return (
            _("The brand paid you %(amount)s on %(day)s (%(method)s, ref. %(reference)s).") % values
        )
    return _("The brand paid you %(amount)s on %(day)s (%(method)s).") % values
