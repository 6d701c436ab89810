"""What people are told when a rule fires or a run goes late, on each channel.

Every sentence is built inside the reader's language (the channels call these
functions under `translation.override`), and dates use the one wording
partners see everywhere: "Promised …" when the partner gave a date, "Due …"
otherwise.
"""

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from loomworks.events.api import EventName
from loomworks.notifications import emails
from loomworks.notifications.channels import Notice, WhatsAppTemplate
from loomworks.notifications.models import Audience
from loomworks.notifications.summaries import deadline_phrase, run_label
from loomworks.production.models import ProductionRun
from loomworks.reminders.models import Rule

# WhatsApp templates to create in WhatsApp Manager (README, "WhatsApp"):
# each body takes the run reference, a date, and the link to the run.
WHATSAPP_TEMPLATES = {
    Rule.UNACCEPTED: "loomworks_run_waiting",
    Rule.NOT_STARTED: "loomworks_run_not_started",
    Rule.LATE: "loomworks_run_late",
    Rule.STALLED: "loomworks_run_stalled",
}


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _day(moment) -> str:
    """The local day of a moment, in the reader's time zone (active while they are written to)."""
    return _date(timezone.localtime(moment).date())


def _whatsapp(rule: str, run: ProductionRun, second) -> WhatsAppTemplate:
    return WhatsAppTemplate(
        name=WHATSAPP_TEMPLATES[rule],
        parameters=lambda: [run.reference, second(), emails.portal_run_url(run)],
    )


def _sent_day(run: ProductionRun) -> str:
    return _day(run.last_sent_at)


def _progress_day(run: ProductionRun) -> str:
    return _day(run.last_progress_at)


def _unaccepted_summary(run: ProductionRun) -> str:
    return _("%(run)s is waiting for your answer since %(date)s: accept or decline it.") % {
        "run": run_label(run),
        "date": _sent_day(run),
    }


def _unaccepted_subject(run: ProductionRun) -> str:
    return _("Waiting for your answer: %(ref)s") % {"ref": run.reference}


def _unaccepted_hint(run: ProductionRun) -> str:
    return _("Accept it (with the date you can promise) or decline it, so the brand can plan.")


def _not_started_summary(run: ProductionRun) -> str:
    return _("%(run)s is not started yet; %(deadline)s.") % {
        "run": run_label(run),
        "deadline": deadline_phrase(run),
    }


def _not_started_subject(run: ProductionRun) -> str:
    return _("Not started yet: %(ref)s, %(deadline)s") % {
        "ref": run.reference,
        "deadline": deadline_phrase(run),
    }


def _not_started_hint(run: ProductionRun) -> str:
    return _(
        "Mark it started in the portal when the work begins, or tell the brand in a comment if the date is at risk."
    )


def _stalled_summary(run: ProductionRun) -> str:
    return _("No progress on %(run)s since %(date)s.") % {
        "run": run_label(run),
        "date": _progress_day(run),
    }


def _stalled_subject(run: ProductionRun) -> str:
    return _("No progress since %(date)s: %(ref)s") % {
        "ref": run.reference,
        "date": _progress_day(run),
    }


def _stalled_hint(run: ProductionRun) -> str:
    return _("Tick off what is done, or tell the brand in a comment what holds the work up.")


# rule: (feed sentence, e-mail subject, what to do, WhatsApp's date parameter)
_PARTNER_WORDING = {
    Rule.UNACCEPTED: (_unaccepted_summary, _unaccepted_subject, _unaccepted_hint, _sent_day),
    Rule.NOT_STARTED: (
        _not_started_summary,
        _not_started_subject,
        _not_started_hint,
        deadline_phrase,
    ),
    Rule.STALLED: (_stalled_summary, _stalled_subject, _stalled_hint, _progress_day),
}


def partner_reminder(rule: str, run: ProductionRun) -> Notice:
    """The reminder a partner's members get for `rule` (escalation is the admins')."""
    if rule == Rule.LATE:
        return late_for_partner(run)
    if rule not in _PARTNER_WORDING:
        raise ValueError(f"No partner reminder for {rule!r}.")
    summary, subject, hint, date_parameter = _PARTNER_WORDING[rule]
    return Notice(
        kind=f"reminder.{rule}",
        audience=Audience.PARTNER,
        summary=lambda: summary(run),
        email=lambda user: emails.render_notice(
            recipient=user,
            subject=subject(run),
            lead=summary(run),
            hint=hint(run),
            run=run,
            partner=run.partner,
            action_label=_("Accept or decline") if rule == Rule.UNACCEPTED else _("Open the run"),
        ),
        whatsapp=_whatsapp(rule, run, lambda: date_parameter(run)),
        run=run,
        partner=run.partner,
    )


def escalation_for_admins(run: ProductionRun, *, hours: int) -> Notice:
    """Still not accepted after the partner's reminder: the admins hear of it."""

    def summary() -> str:
        return _(
            "%(run)s was sent to %(partner)s on %(date)s and is still not accepted (more than %(hours)s hours)."
        ) % {
            "run": run_label(run),
            "partner": run.partner.name if run.partner else "",
            "date": _day(run.last_sent_at),
            "hours": hours,
        }

    return Notice(
        kind=f"reminder.{Rule.ESCALATION}",
        audience=Audience.ADMIN,
        summary=summary,
        email=lambda user: emails.render_notice(
            recipient=user,
            subject=_("Still not accepted: %(ref)s at %(partner)s")
            % {"ref": run.reference, "partner": run.partner.name if run.partner else ""},
            lead=summary(),
            hint=_("Call the workshop, or reassign the run to another partner."),
            run=run,
            for_admin=True,
            action_label=_("Open the run"),
        ),
        run=run,
    )


def late_for_partner(run: ProductionRun) -> Notice:
    def summary() -> str:
        return _("%(run)s is late: %(deadline)s.") % {
            "run": run_label(run),
            "deadline": deadline_phrase(run),
        }

    return Notice(
        kind=EventName.RUN_LATE,
        audience=Audience.PARTNER,
        summary=summary,
        email=lambda user: emails.render_notice(
            recipient=user,
            subject=_("Late: %(ref)s, %(deadline)s")
            % {"ref": run.reference, "deadline": deadline_phrase(run)},
            lead=summary(),
            hint=_("Tell the brand in a comment when it will be ready."),
            run=run,
            partner=run.partner,
            action_label=_("Open the run"),
        ),
        whatsapp=_whatsapp(Rule.LATE, run, lambda: deadline_phrase(run)),
        run=run,
        partner=run.partner,
    )


def late_for_admins(run: ProductionRun) -> Notice:
    def summary() -> str:
        if run.partner:
            return _("%(run)s at %(partner)s is late: %(deadline)s.") % {
                "run": run_label(run),
                "partner": run.partner.name,
                "deadline": deadline_phrase(run),
            }
        return _("%(run)s is late: %(deadline)s.") % {
            "run": run_label(run),
            "deadline": deadline_phrase(run),
        }

    return Notice(
        kind=EventName.RUN_LATE,
        audience=Audience.ADMIN,
        summary=summary,
        email=lambda user: emails.render_notice(
            recipient=user,
            subject=_("Late: %(ref)s, %(deadline)s")
            % {"ref": run.reference, "deadline": deadline_phrase(run)},
            lead=summary(),
            run=run,
            for_admin=True,
            action_label=_("Open the run"),
        ),
        run=run,
    )
