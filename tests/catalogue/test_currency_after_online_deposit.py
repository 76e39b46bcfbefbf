"""A location's currency stays once an online deposit has been asked: the customer may still pay it later, in the
currency it was asked in (a KES deposit recorded as RWF would be 100 times off)."""

from __future__ import annotations

import pytest

from app.services.catalogue import locations
from app.services.errors import ValidationError
from tests.factories import OWNER
from tests.frontdesk.test_online_deposits import _started, salon  # noqa: F401 (the fixture)


def test_the_currency_stays_once_an_online_deposit_was_asked(salon):  # noqa: F811
    location = salon['location']
    values = locations.settings_of(locations.get_location(location.id, actor=OWNER)).model_dump()
    _started(salon)
    with pytest.raises(ValidationError, match="can't change once the location has taken money") as refused:
        locations.update_location(location.id, {**values, 'currency': 'RWF'}, actor=OWNER)
    assert refused.value.field == 'currency'
    assert locations.get_location(location.id, actor=OWNER).currency == 'KES'
