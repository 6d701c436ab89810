"""Amounts with their currency, written the way the reader's language writes them."""

from decimal import Decimal

import pytest

from loomworks.core.numbers import format_money


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
