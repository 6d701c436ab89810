"""The e-mails partner members receive: what each is told, and how it is rendered and sent.

Run notices (work sent, cancelled, completed) go to a partner's members; the
invitation goes to one new member and carries their link to set a password.

A message is rendered once, in the recipient's language, when it is queued;
the stored text is what every attempt sends, so a retry sends the same e-mail.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format

from loomworks.accounts.passwords import link_lifetime, set_password_url
from loomworks.core.numbers import format_money, region_override
from loomworks.notifications.models import OutgoingEmail
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun

RUN_SENT = "run_sent"
RUN_CANCELLED = "run_cancelled"
RUN_COMPLETED = "run_completed"
MESSAGES = (RUN_SENT, RUN_CANCELLED, RUN_COMPLETED)
INVITATION = "invitation"
PAYMENT_RECORDED = "payment_recorded"
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def time_zone_of(user) -> str:
    """The zone a person reads times in: their own, else the brand's."""
    return getattr(user, "time_zone", "") or settings.TIME_ZONE


def portal_run_url(run: ProductionRun) -> str:
    return f"{settings.SITE_URL}/partner/production-runs/{run.pk}/"


def design_name(run: ProductionRun) -> str:
    """The design as the partner was asked to make it (the snapshot), else its current name."""
    snapshot_design = (run.snapshot or {}).get("design") or {}
    return snapshot_design.get("name") or run.design.name


def render(
    message: str,
    *,
    run: ProductionRun,
    partner: Partner,
    recipient,
    reason: str = "",
    reassigned: bool = False,
) -> RenderedEmail:
    """Render `message` (one of MESSAGES) for `recipient`, in their language."""
    if message not in MESSAGES:
        raise ValueError(f"Unknown e-mail message {message!r}.")
    context = {
        "recipient_name": recipient.first_name or recipient.display_name,
        "partner_name": partner.name,
        "reference": run.reference,
        "design_name": design_name(run),
        "quantity": run.quantity,
        "run_type": run.get_run_type_display(),
        "role": run.role,
        "due_date": run.due_date,
        "promised_date": run.promised_date,
        "reason": reason,
        "reassigned": reassigned,
        "run_url": portal_run_url(run),
        "portal_url": f"{settings.SITE_URL}/partner/",
    }
    return _render(message, context, language=language_of(recipient), country=partner.region)


def admin_run_url(run: ProductionRun) -> str:
    return f"{settings.SITE_URL}/admin/production-runs/{run.pk}/"


def render_notice(
    *,
    recipient,
    subject: str,
    lead: str,
    run: ProductionRun | None = None,
    partner: Partner | None = None,
    hint: str = "",
    for_admin: bool = False,
    action_url: str = "",
    action_label: str = "",
) -> RenderedEmail:
    """A short e-mail about one run: a sentence, what to do, the run's facts, a button.

    Reminders and late notices use it; call it in the recipient's language
    (the e-mail channel does). Partner members get the portal link, admins
    the console's.
    """
    context = {
        "recipient_name": recipient.first_name or recipient.display_name,
        "partner_name": partner.name if partner else "",
        "subject": subject,
        "lead": lead,
        "hint": hint,
        "for_admin": for_admin,
        "has_run": run is not None,
        "run_url": action_url
        or ((admin_run_url(run) if for_admin else portal_run_url(run)) if run else ""),
        "action_label": action_label,
        "portal_url": f"{settings.SITE_URL}/partner/",
        "console_url": f"{settings.SITE_URL}/admin/",
    }
    if run is not None:
        context.update(
            {
                "reference": run.reference,
                "design_name": design_name(run),
                "quantity": run.quantity,
                "run_type": run.get_run_type_display(),
                "role": run.role,
                "due_date": run.due_date,
                "promised_date": run.promised_date,
            }
        )
    return _render(
        "notice",
        context,
        language=translation.get_language() or language_of(recipient),
        country=partner.region if partner is not None and not for_admin else "",
    )


def render_invitation(*, partner: Partner, recipient, resent: bool = False) -> RenderedEmail:
    """The invitation to set a password and use the portal, in the recipient's language.

    The link holds a fresh token: it works once, for `PASSWORD_RESET_TIMEOUT`.
    """
    language = language_of(recipient)
    with translation.override(language):
        lifetime = link_lifetime()
    context = {
        "recipient_name": recipient.first_name or recipient.display_name,
        "partner_name": partner.name,
        "email": recipient.email,
        "invite_url": set_password_url(recipient),
        "link_lifetime": lifetime,
        "login_url": f"{settings.SITE_URL}/login",
        "resent": resent,
    }
    return _render(INVITATION, context, language=language, country=partner.region)


def portal_statement_url() -> str:
    return f"{settings.SITE_URL}/partner/statement/"


def render_payment(*, partner: Partner, recipient, payment: dict) -> RenderedEmail:
    """A payment the brand recorded, in the recipient's language (amount and date their way)."""
    language = language_of(recipient)
    with translation.override(language):
        context = {
            "recipient_name": recipient.first_name or recipient.display_name,
            "partner_name": partner.name,
            "amount": payment_amount(payment, language, partner.region),
            "paid_on": payment_date(payment),
            "method": payment.get("method") or "",
            "reference": payment.get("reference") or "",
            "statement_url": portal_statement_url(),
        }
    return _render(PAYMENT_RECORDED, context, language=language, country=partner.region)


def payment_amount(payment: dict, language: str | None = None, country: str = "") -> str:
    """The payment's amount with its currency, as the reader writes money."""
    return format_money(Decimal(payment["amount"]), payment["currency"], language, country)


def payment_date(payment: dict) -> str:
    return date_format(datetime.date.fromisoformat(payment["paid_on"]), "DATE_FORMAT")


def _render(message: str, context: dict, *, language: str, country: str = "") -> RenderedEmail:
    """Render in `language`, numbers and money as people in `country` write them."""
    base = f"notifications/email/{message}"
    with translation.override(language), region_override(country):
        subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
        text = _BLANK_LINES.sub("\n\n", render_to_string(f"{base}.txt", context)).strip() + "\n"
        html = render_to_string(f"{base}.html", context)
    return RenderedEmail(subject=subject, text=text, html=html)


def send(email: OutgoingEmail) -> None:
    """Hand the stored message to the configured backend; raises when it is refused."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    message.send(fail_silently=False)
