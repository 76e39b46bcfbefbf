"""A sale's arithmetic (app/services/money/pricing.py) on worked examples computed by hand here: two rates, prices
with and without tax, discounts per line and on the whole sale, and the rounding rule (half away from zero, per line
and tax)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.services.errors import ValidationError
from app.services.money.pricing import Discount, Item, Rate, price

GST, PST = Rate('GST', Decimal('5')), Rate('PST', Decimal('8'), services=True, products=True)
TVA, ECO = Rate('TVA', Decimal('20')), Rate('Éco', Decimal('5.5'), services=False)


def test_prices_without_tax_two_rates():
    # a women's cut at $82.00 in Ontario-style GST 5 % + PST 8 %: 410 + 656 = 1066 of tax, 9266 to pay
    sale = price([Item('service', 8200)], [GST, PST], inclusive=False)
    assert (sale.net_cents, sale.taxes, sale.total_cents) == (8200, {'GST': 410, 'PST': 656}, 9266)


def test_prices_with_tax_one_rate():
    # €55.00 with TVA 20 % included: net 5500 / 1.2 = 4583.33…; TVA = round(916.666…) = 917; net kept 4583
    sale = price([Item('service', 5500)], [TVA], inclusive=True)
    assert (sale.lines[0].net_cents, sale.taxes, sale.total_cents) == (4583, {'TVA': 917}, 5500)


def test_prices_with_tax_two_rates_on_a_product_add_up_to_the_shelf_price():
    # €24.00 oil, TVA 20 % + éco 5.5 % (products only): net 2400 / 1.255 = 1912.35…;
    # TVA = round(382.47…) = 382, éco = round(105.17…) = 105; net kept 2400 − 487 = 1913
    sale = price([Item('product', 2400)], [TVA, ECO], inclusive=True)
    assert (sale.lines[0].net_cents, sale.taxes, sale.total_cents) == (1913, {'TVA': 382, 'Éco': 105}, 2400)
    service = price([Item('service', 2400)], [TVA, ECO], inclusive=True)  # éco does not apply to services
    assert service.taxes == {'TVA': 400} and service.lines[0].net_cents == 2000


def test_a_discount_on_the_whole_sale_is_shared_then_taxed_line_by_line():
    # $82.00 cut + $24.00 product, 10 % off the sale: 820 and 240 off; nets 7380 and 2160;
    # GST 369 and 108; PST 590.4 → 590 and 172.8 → 173; totals 8339 + 2441 = 10780
    sale = price([Item('service', 8200), Item('product', 2400)], [GST, PST], inclusive=False,
                 sale_discount=Discount(percent=Decimal('10'), reason='loyal customer'))
    assert [x.net_cents for x in sale.lines] == [7380, 2160]
    assert [x.taxes for x in sale.lines] == [{'GST': 369, 'PST': 590}, {'GST': 108, 'PST': 173}]
    assert (sale.discount_cents, sale.total_cents) == (1060, 10780)


def test_an_amount_off_the_sale_is_shared_to_the_cent():
    # $10.00 off three lines of $33.33: shares 333.33… each → 334, 333, 333 (the first of equal remainders first)
    sale = price([Item('service', 3333)] * 3, [], inclusive=False,
                 sale_discount=Discount(amount_cents=1000, reason='voucher'))
    assert [x.discount_cents for x in sale.lines] == [334, 333, 333]
    assert sale.net_cents == 9999 - 1000


def test_halves_round_away_from_zero_per_line():
    # $12.50 at 5 % is 62.5 cents → 63; two such lines → 126 (not round(125) of a per-invoice sum)
    sale = price([Item('service', 1250), Item('service', 1250)], [GST], inclusive=False)
    assert sale.taxes == {'GST': 126}
    # a line discount of 15 % on $0.10 is 1.5 cents → 2 off
    assert price([Item('service', 10, discount=Discount(percent=Decimal('15'), reason='x'))], [],
                 inclusive=False).discount_cents == 2


@pytest.mark.parametrize(('items', 'discount', 'field'), [
    ([Item('service', -1)], None, 'lines.0.price'),
    ([Item('service', 100, quantity=0)], None, 'lines.0.quantity'),
    ([Item('gift', 100)], None, 'lines.0.kind'),
    ([Item('service', 100, discount=Discount(percent=Decimal('120'), reason='x'))], None, 'lines.0.discount'),
    ([Item('service', 100)], Discount(amount_cents=101, reason='x'), 'discount'),
    ([Item('service', 100)], Discount(amount_cents=10), 'discount'),  # no reason
    ([Item('service', 100)], Discount(percent=Decimal('5'), amount_cents=5, reason='x'), 'discount'),
])
def test_bad_lines_and_discounts_name_the_field(items, discount, field):
    with pytest.raises(ValidationError) as refused:
        price(items, [GST], inclusive=False, sale_discount=discount)
    assert refused.value.field == field
