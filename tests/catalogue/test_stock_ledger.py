"""Every change of a product's stock is a movement in its ledger, and the ledger always sums to the stock on hand."""

from __future__ import annotations

import random

import pytest

from app.services.catalogue import catalog
from app.services.errors import ValidationError
from tests.factories import OWNER, make_location, make_product


def test_the_ledger_always_sums_to_the_stock_on_hand(db):
    location = make_location()
    product_id = make_product(location, stock=5)
    rng = random.Random(7)
    on_hand = 5
    for _ in range(40):
        kind, change = rng.choice([('received', rng.randint(1, 6)), ('sold', -rng.randint(1, 3)),
                                   ('returned', 1), ('adjusted', rng.choice([-1, 1]))])
        try:
            product = catalog.adjust_stock(product_id, change, kind=kind, actor=OWNER,
                                           reason='counted' if kind == 'adjusted' else '')
        except ValidationError:  # more taken than is on hand: refused, nothing recorded
            assert on_hand + change < 0
            continue
        on_hand += change
        assert product.stock_on_hand == on_hand
        ledger = catalog.stock_ledger(product_id, actor=OWNER)
        assert sum(m.quantity for m in ledger) == on_hand
    assert ledger[0].kind == 'opening' and ledger[0].quantity == 5
    assert {m.kind for m in ledger} >= {'opening', 'received', 'sold'}


def test_a_change_below_zero_needs_the_allow_box_and_an_adjustment_a_reason(db):
    location = make_location()
    product_id = make_product(location, stock=1)
    with pytest.raises(ValidationError) as below:
        catalog.adjust_stock(product_id, -2, reason='', actor=OWNER)
    assert below.value.field == 'change'
    with pytest.raises(ValidationError) as why:
        catalog.adjust_stock(product_id, -1, kind='adjusted', reason='', actor=OWNER)
    assert why.value.field == 'reason'
    assert catalog.adjust_stock(product_id, -2, kind='adjusted', reason='miscounted', actor=OWNER,
                                allow_negative=True).stock_on_hand == -1
    assert sum(m.quantity for m in catalog.stock_ledger(product_id, actor=OWNER)) == -1
