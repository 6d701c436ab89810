"""Amounts with their currency, written the way the reader's language writes them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import formats, translation

from loomworks.core.numbers import (
    AmbiguousNumber,
    babel_locale,
    format_money,
    parse_amount,
    region_override,
)
from tests.factories import PartnerFactory


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", "12.5", "EUR", "€12.50"),
        ("fr", "1234.5", "EUR", "1\u202f234,50\u00a0€"),
        ("pt", "12.5", "EUR", "12,50\u00a0€"),
        ("en", "1234", "JPY", "¥1,234"),
    ],
)
def test_an_amount_is_written_in_the_readers_language_with_the_currencys_minor_units(
    language, amount, currency, expected
):
    assert format_money(Decimal(amount), currency, language) == expected


# ---------------------------------------------------------------- India

LAKH = Decimal("150000.5")


@pytest.mark.parametrize(
    ("language", "country"),
    [("hi", None), ("hi", "IN"), ("en-IN", None), ("en-in", None), ("en", "IN"), ("en", "in")],
)
def test_rupees_are_written_in_lakhs_in_hindi_and_in_indian_english(language, country):
    assert format_money(LAKH, "INR", language, country) == "₹1,50,000.50"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "₹150,000.50"),
        ("fr", "150\u202f000,50\u00a0₹"),
        ("pt", "150\u00a0000,50\u00a0₹"),
    ],
)
def test_rupees_elsewhere_are_written_the_usual_way(language, expected):
    assert format_money(LAKH, "INR", language) == expected


def test_a_workshop_in_india_gets_lakhs_for_its_english_readers_only():
    with region_override("IN"):
        assert babel_locale("en") == "en_IN"
        assert format_money(LAKH, "INR", "en") == "₹1,50,000.50"
        assert format_money(LAKH, "EUR", "en") == "€1,50,000.50"
        # No French-in-India data in Babel: a French reader keeps French.
        assert format_money(LAKH, "INR", "fr") == "150\u202f000,50\u00a0₹"
    assert format_money(LAKH, "INR", "en") == "₹150,000.50"


def test_the_language_region_beats_the_workshop_country():
    with region_override("IN"):
        assert babel_locale("en-GB") == "en_GB"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,50,000.50", "150000.50"),
        ("42.5", "42.5"),
        ("1,00,00,000", "10000000"),
        ("150000", "150000"),
    ],
)
def test_hindi_readers_type_amounts_the_indian_way(text, expected):
    assert parse_amount(text, "hi") == Decimal(expected)
    assert parse_amount(text, "en", "IN") == Decimal(expected)


def test_a_hindi_amount_in_the_wrong_grouping_is_refused_with_an_example():
    with pytest.raises(AmbiguousNumber, match=r"42\.5"):
        parse_amount("42,5", "hi")


def test_a_partners_region_is_its_country():
    partner = PartnerFactory.build()
    assert partner.region == ""
    partner.country = "in"
    assert partner.region == "IN"


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [
        ("hi", "03/04/2027", "3 अप्रैल 2027"),
        ("en", "04/03/2027", "April 3, 2027"),
        ("fr", "03/04/2027", "3 avril 2027"),
    ],
)
def test_dates_in_hindi_are_written_day_first(language, short, long):
    day = datetime.date(2027, 4, 3)
    with translation.override(language):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == short
        assert formats.date_format(day, "DATE_FORMAT") == long


def test_hindi_groups_localized_numbers_in_lakhs_and_crores():
    with translation.override("hi"):
        assert formats.number_format(Decimal("15000000.5"), 2, force_grouping=True) == (
            "1,50,00,000.50"
        )
    with translation.override("en"):
        assert formats.number_format(Decimal("15000000.5"), 2, force_grouping=True) == (
            "15,000,000.50"
        )


def test_pages_write_dates_as_their_readers_do():
    from loomworks.web.templatetags.loomworks import human_date

    day = datetime.date(2027, 4, 3)
    with translation.override("hi"):
        assert human_date(day) == "3 अप्रैल 2027"
        assert human_date(datetime.date(2026, 12, 22)) == "22 दिस॰ 2026"
    with translation.override("en"):
        assert human_date(day) == "3 Apr 2027"
        with region_override("IN"):
            assert human_date(day) == "3 Apr 2027"
    with translation.override("fr"):
        assert human_date(day) == "3 avr. 2027"  # lower-case mid-sentence (Babel)
