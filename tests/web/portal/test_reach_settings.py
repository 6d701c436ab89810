"""A member chooses how they are reached: WhatsApp (number and consent), the digest, their time zone."""

import pytest

from loomworks.partners.models import PartnerMember

pytestmark = pytest.mark.django_db

URL = "/partner/settings/reach"


def test_a_member_gives_a_number_and_consent_and_it_is_kept_in_e164(partner_client, workshop):
    response = partner_client.post(
        URL,
        {
            "phone": "+351 912 345 678",
            "whatsapp_consent": "on",
            "digest_enabled": "on",
            "time_zone": "Europe/Lisbon",
        },
    )
    assert response.status_code == 302
    member = PartnerMember.objects.select_related("user").get(pk=workshop.member.pk)
    assert member.phone == "+351912345678"
    assert member.whatsapp_consent is True
    assert member.whatsapp_consent_at is not None
    assert member.user.time_zone == "Europe/Lisbon"
    assert member.user.digest_enabled is True


def test_withdrawing_consent_clears_its_time_and_digest_can_be_switched_off(
    partner_client, workshop
):
    partner_client.post(URL, {"phone": "+351912345678", "whatsapp_consent": "on"})
    partner_client.post(URL, {"phone": "+351912345678"})
    member = PartnerMember.objects.select_related("user").get(pk=workshop.member.pk)
    assert member.whatsapp_consent is False
    assert member.whatsapp_consent_at is None
    assert member.user.digest_enabled is False


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"phone": "912345678", "whatsapp_consent": "on"}, "with its country code"),
        ({"phone": "", "whatsapp_consent": "on"}, "Give your mobile number"),
        ({"time_zone": "Lisbon"}, "is not a time zone"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(
    partner_client, workshop, values, message
):
    response = partner_client.post(URL, values)
    assert response.status_code == 422
    assert message in response.content.decode()
    member = PartnerMember.objects.select_related("user").get(pk=workshop.member.pk)
    assert member.phone == "" and member.whatsapp_consent is False
    assert member.user.time_zone == ""


def test_the_notices_page_shows_the_current_choices(partner_client, workshop):
    partner_client.post(URL, {"phone": "+351912345678", "whatsapp_consent": "on"})
    page = partner_client.get("/partner/notifications/").content.decode()
    assert 'value="+351912345678"' in page
    assert 'name="whatsapp_consent" value="on" checked' in page
