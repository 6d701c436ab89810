"""What a partner's members are told when work is sent to them, cancelled or completed.

One `Notice` per message, for every channel: the feed's sentence, the
e-mail, and the WhatsApp template (`loomworks_run_sent`, `…_cancelled`,
`…_completed`, each with the run reference, what it is, and its link).
"""

from loomworks.events.api import EventName
from loomworks.notifications import emails, summaries
from loomworks.notifications.channels import Notice, WhatsAppTemplate
from loomworks.notifications.models import Audience
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun

WHATSAPP_TEMPLATES = {
    emails.RUN_SENT: "loomworks_run_sent",
    emails.RUN_CANCELLED: "loomworks_run_cancelled",
    emails.RUN_COMPLETED: "loomworks_run_completed",
}


def what_it_is(run: ProductionRun) -> str:
    """`40 × Linen shirt`: what the run makes, for a WhatsApp template's second parameter."""
    return f"{run.quantity} × {emails.design_name(run)}"


def partner_notice(
    message: str,
    *,
    kind: str,
    run: ProductionRun,
    partner: Partner,
    reason: str = "",
    reassigned: bool = False,
) -> Notice:
    return Notice(
        kind=kind,
        audience=Audience.PARTNER,
        summary=lambda: summaries.partner_summary(message, run=run, reason=reason),
        email=lambda user: emails.render(
            message, run=run, partner=partner, recipient=user, reason=reason, reassigned=reassigned
        ),
        whatsapp=WhatsAppTemplate(
            name=WHATSAPP_TEMPLATES[message],
            parameters=lambda: [run.reference, what_it_is(run), emails.portal_run_url(run)],
        ),
        run=run,
        partner=partner,
    )


def payment_notice(*, partner: Partner, payment: dict) -> Notice:
    """A payment to the partner: the feed's sentence and the e-mail (no WhatsApp template)."""
    return Notice(
        kind=EventName.PAYMENT_RECORDED,
        audience=Audience.PARTNER,
        summary=lambda: summaries.payment_summary(payment),
        email=lambda user: emails.render_payment(partner=partner, recipient=user, payment=payment),
        partner=partner,
    )
