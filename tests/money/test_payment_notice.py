"""A workshop hears of a payment in its own language: the feed and the e-mail."""

import datetime

import pytest

from loomworks.money import services
from loomworks.notifications.models import Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def test_the_partner_is_told_of_a_payment_in_its_language(workshop, admin, drained):
    workshop.user.language = "fr"
    workshop.user.save(update_fields=["language"])
    services.payment_record(
        partner=workshop.partner,
        actor=admin,
        amount="1234.50",
        currency="EUR",
        paid_on=datetime.date(2026, 4, 3),
        method="virement",
        reference="T-118",
    )
    drained()
    drained()  # a redelivery adds nothing

    [entry] = Notification.objects.filter(recipient=workshop.user, kind="payment.recorded")
    assert "1\u202f234,50\xa0€" in entry.summary
    assert entry.summary.startswith("La marque vous a payé")
    [email] = OutgoingEmail.objects.filter(recipient=workshop.user, kind="payment.recorded")
    assert email.subject.startswith("Paiement enregistré") and "234,50 €" in email.subject
    assert "T-118" in email.body_text and "/partner/statement/" in email.body_text
