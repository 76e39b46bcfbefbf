"""Minor units follow each currency's ISO 4217 digits (app.services.amounts): KES 2, RWF/JPY 0, BHD 3."""

from decimal import Decimal

import pytest

from app.services import amounts
from app.services.errors import ValidationError


@pytest.mark.parametrize(('currency', 'places', 'typed', 'minor', 'shown'), [
    ('KES', 2, '1500.50', 150050, 'Ksh1,500.50'),
    ('RWF', 0, '15000', 15000, 'RF15,000'),
    ('JPY', 0, '980', 980, 'JP¥980'),
    ('BHD', 3, '12.345', 12345, 'BHD12.345'),
    ('USD', 2, '12.5', 1250, 'US$12.50'),
])
def test_typed_stored_and_shown_in_the_currencys_own_units(currency, places, typed, minor, shown):
    assert amounts.digits(currency) == places
    assert amounts.parse_major(typed, currency, 'price') == minor
    assert amounts.to_major(minor, currency) == Decimal(typed)
    assert amounts.format_money(minor, currency, 'en_KE' if currency != 'RWF' else 'en_RW').replace('\xa0', '') == shown


@pytest.mark.parametrize(('currency', 'typed'), [('RWF', '1500.5'), ('JPY', '0.1'), ('BHD', '1.2345'),
                                                 ('KES', '12.345')])
def test_more_decimals_than_the_currency_has_are_refused_naming_the_field(currency, typed):
    with pytest.raises(ValidationError) as refused:
        amounts.parse_major(typed, currency, 'price')
    assert refused.value.field == 'price' and currency in str(refused.value)


@pytest.mark.parametrize(('typed', 'why'), [('abc', 'such as 1250'), ('nan', 'such as 1250'), ('1e999999', 'at most'),
                                            ('1000000001', 'at most 1,000,000,000.')])
def test_not_an_amount_or_too_large_is_refused_in_the_currencys_words(typed, why):
    with pytest.raises(ValidationError) as refused:
        amounts.parse_major(typed, 'RWF', 'amount')
    assert why in str(refused.value) and refused.value.field == 'amount'


def test_computed_amounts_round_half_up_to_the_currencys_unit():
    assert amounts.minor_of(Decimal('99.5'), 'RWF') == 100
    assert amounts.minor_of(Decimal('-99.5'), 'RWF') == -100
    assert amounts.minor_of(Decimal('12.3455'), 'BHD') == 12346
    assert amounts.minor_of(Decimal('12.345'), 'KES') == 1235


def test_the_maximum_never_passes_a_billion_whole_units():
    assert amounts.max_minor('RWF') == 10**9
    assert amounts.max_minor('KES') == amounts.MAX_AMOUNT_CENTS == amounts.max_minor()
    assert amounts.max_minor('BHD') == amounts.MAX_AMOUNT_CENTS
    with pytest.raises(ValidationError):
        amounts.check_amount(10**9 + 1, 'price', 'RWF')
    assert amounts.check_amount(10**9 + 1, 'price', 'KES') == 10**9 + 1
