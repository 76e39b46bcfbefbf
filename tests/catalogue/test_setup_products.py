"""Issue 30: the first-run setup adds its products in one transaction (all or none), SKUs made from their names, the
stock typed as each product's opening movement."""

from __future__ import annotations

import pytest

from app.models import ProductCreate
from app.services.catalogue import catalog
from app.services.errors import ValidationError
from tests.factories import OWNER, make_location


def _product(location_id: int, name: str, **values) -> ProductCreate:
    return ProductCreate(location_id=location_id, code='', name=name, **values)


@pytest.mark.usefixtures('db')
def test_products_from_setup_get_skus_and_opening_stock_and_a_refusal_saves_none():
    location = make_location()
    with pytest.raises(ValidationError) as refused:
        catalog.create_products([_product(location.id, 'Shampoo', price_cents=1500),
                                 _product(location.id, ' shampoo ', price_cents=900)], actor=OWNER)
    assert refused.value.field == 'name'
    assert catalog.list_products(location.id, actor=OWNER) == []  # the first one was not kept either

    made = catalog.create_products([
        _product(location.id, 'Shampoo', category='Care', price_cents=1500, stock_on_hand=12),
        _product(location.id, 'Shampoo!', price_cents=900)], actor=OWNER)
    assert [(p.code, p.name, p.category, p.price_cents, p.stock_on_hand) for p in made] == [
        ('SHAMPO', 'Shampoo', 'Care', 1500, 12), ('SHAMPO2', 'Shampoo!', '', 900, 0)]
    (opening,) = catalog.stock_ledger(made[0].id, actor=OWNER)
    assert (opening.kind, opening.quantity) == ('opening', 12)
    with pytest.raises(ValidationError) as negative:
        catalog.create_products([_product(location.id, 'Oil', stock_on_hand=-1)], actor=OWNER)
    assert negative.value.field == 'stock_on_hand'
