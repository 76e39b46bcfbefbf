"""A location's tax registration number (issue 30 §3): checked like every typed value, and printed as a tax receipt
needs it (a tax invoice where the location charges a tax); a sale's totals as lines that add up (§5)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.services.catalogue import locations
from app.services.errors import ValidationError
from app.services.money import pricing
from app.services.money.receipt_pdf import tax_words
from tests.factories import OWNER, make_location


def test_the_tax_number_is_kept_tidy_and_hostile_text_is_refused(db):
    location = make_location()
    base = locations.settings_of(location).model_dump()
    assert locations.check_settings({**base, 'tax_number': '  p051234567x '}).tax_number == 'P051234567X'
    for hostile in ('=HYPERLINK("x")', '<script>', 'A' * 41):
        with pytest.raises(ValidationError) as refused:
            locations.check_settings({**base, 'tax_number': hostile})
        assert refused.value.field == 'tax_number'
    saved = locations.update_location(location.id, {**base, 'tax_number': 'P051234567X'}, actor=OWNER)
    assert locations.get_location(saved.id, actor=OWNER).tax_number == 'P051234567X'


def test_the_words_a_tax_receipt_needs():
    vat = [{'name': 'VAT', 'percent': '16'}]
    assert tax_words(SimpleNamespace(tax_number='P051234567X', country='KE', tax_rates=vat)) == [
        'Tax invoice', 'KRA PIN: P051234567X']
    assert tax_words(SimpleNamespace(tax_number='102345678', country='RW', tax_rates=vat)) == [
        'Tax invoice', 'TIN: 102345678']
    assert tax_words(SimpleNamespace(tax_number='123', country='KE', tax_rates=[])) == ['KRA PIN: 123']  # no tax
    assert tax_words(SimpleNamespace(tax_number='', country='KE', tax_rates=vat)) == []


@pytest.mark.parametrize('inclusive', [True, False])
def test_totals_add_up_as_printed(inclusive):
    rates = [pricing.Rate('VAT', Decimal('16')), pricing.Rate('Levy', Decimal('2'), products=False)]
    for prices, percent in (([190086, 24500], '10'), ([333, 1, 99999], '33.3'), ([5000], None), ([1], '50')):
        items = [pricing.Item('service' if n % 2 else 'product', cents, 1 + n) for n, cents in enumerate(prices)]
        off = pricing.Discount(percent=Decimal(percent), reason='x') if percent else None
        priced = pricing.price(items, rates, inclusive=inclusive, sale_discount=off)
        lines = pricing.totals(priced.lines, inclusive=inclusive, tip_cents=20000, gift_cards_cents=500)
        by = {line.key: line.cents for line in lines if line.key != 'tax'}
        taxes = sum(line.cents for line in lines if line.key == 'tax')
        assert all(line.included is inclusive for line in lines if line.key == 'tax')
        assert by['subtotal'] + by.get('discounts', 0) == by.get('net', by['subtotal'])
        assert by.get('net', by['subtotal']) + (0 if inclusive else taxes) + 20000 + 500 == by['total']
        assert by['total'] == priced.total_cents + 20000 + 500  # what the sale charges
