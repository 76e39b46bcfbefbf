"""The back office's catalogue: a service's details, archive and kiosk flag, who performs it; products with SKU and
barcode; staff members' commission rates and sign-in accounts. Each change is refused with the field named and
nothing saved, or saved, logged and announced."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models import BookingCreate, Channel, Role, ServiceCreate
from app.services import events
from app.services.accounts import activity, users
from app.services.catalogue import catalog, staff
from app.services.errors import NotFoundError, ValidationError
from app.services.frontdesk import availability, bookings
from tests.factories import (
    OWNER,
    actor,
    at,
    make_customer,
    make_location,
    make_product,
    make_service,
    make_staff_member,
)

pytestmark = pytest.mark.usefixtures('shop_clock')
WEDNESDAY = date(2030, 3, 6)  # ahead of the real time, which free times keep


def _edit(service, **changes):
    values = dict(name=service.name, category=service.category, duration_minutes=service.duration_minutes,
                  buffer_minutes=service.buffer_minutes, price_cents=service.price_cents, kiosk=service.kiosk,
                  active=service.active)
    values.update(changes)
    return catalog.update_service(service.id, actor=OWNER, **values)


def test_a_service_is_edited_logged_and_announced(db):
    location = make_location()
    cut = make_service(location)
    heard = []
    events.subscribe(heard.append)
    try:
        changed = _edit(cut, name='Long cut', price_cents=9500, duration_minutes=60, buffer_minutes=10,
                        category='Hair')
    finally:
        events.unsubscribe(heard.append)
    assert (changed.name, changed.price_cents, changed.duration_minutes, changed.buffer_minutes, changed.category) \
        == ('Long cut', 9500, 60, 10, 'Hair')
    assert any(isinstance(e, events.CatalogueChanged) and 'Long cut' in e.summary for e in heard)
    logged = activity.entries(actor=OWNER, action='service_changed')
    assert any('price 82.00 → 95.00' in entry.detail for entry in logged)  # money as money, not minor units


@pytest.mark.parametrize(('changes', 'field'), [
    ({'price_cents': -1}, 'price_cents'), ({'duration_minutes': 0}, 'duration_minutes'),
    ({'buffer_minutes': 500}, 'buffer_minutes'), ({'name': '  '}, 'name'), ({'name': 'colour'}, 'name'),
])
def test_bad_service_details_name_the_field_and_change_nothing(db, changes, field):
    location = make_location()
    cut = make_service(location)
    make_service(location, 'COL', 'Colour')
    with pytest.raises(ValidationError) as refused:
        _edit(cut, **changes)
    assert refused.value.field == field
    assert catalog.list_services(location.id, actor=OWNER)[-1] == cut or cut in catalog.list_services(
        location.id, actor=OWNER)


def test_an_archived_service_keeps_its_bookings_and_cannot_be_booked(db):
    location = make_location()
    member, cut = make_staff_member(location), make_service(location)
    day = WEDNESDAY
    kept = bookings.create_booking(BookingCreate(location_id=location.id, customer_id=make_customer(location).id,
                                                 service_id=cut.id, staff_member_id=member.id,
                                                 starts_at=at(day, '10:00')), actor=OWNER)
    _edit(cut, active=False)
    assert cut.id not in {s.id for s in catalog.list_services(location.id, actor=OWNER)}
    assert cut.id in {s.id for s in catalog.list_services(location.id, actor=OWNER, include_inactive=True)}
    assert bookings.get_booking(kept.id, actor=OWNER).service_name == cut.name
    with pytest.raises(ValidationError, match='archived') as refused:
        bookings.create_booking(BookingCreate(location_id=location.id, service_id=cut.id,
                                              staff_member_id=member.id, starts_at=at(day, '12:00')), actor=OWNER)
    assert refused.value.field == 'service_id'
    with pytest.raises(NotFoundError):
        availability.free_slots(location.id, cut.id, day, actor=OWNER)


def test_the_kiosk_offers_only_services_flagged_for_it(db):
    location = make_location()
    member, cut = make_staff_member(location), make_service(location)
    colour = make_service(location, 'COL', 'Colour')
    _edit(colour, kiosk=False)
    kiosk = actor(Role.KIOSK, location.id)
    assert [s.name for s in catalog.list_services(location.id, actor=kiosk)] == [cut.name]
    with pytest.raises(NotFoundError):
        availability.free_slots(location.id, colour.id, WEDNESDAY, actor=kiosk)
    with pytest.raises(ValidationError, match='at the desk'):
        bookings.create_booking(BookingCreate(location_id=location.id, service_id=colour.id, channel=Channel.KIOSK,
                                              staff_member_id=member.id, starts_at=at(WEDNESDAY, '12:00')),
                                actor=kiosk)
    assert availability.free_slots(location.id, colour.id, WEDNESDAY, actor=OWNER)  # the desk still can


def test_who_performs_a_service_is_set_from_the_service(db):
    location = make_location()
    becky, jj = make_staff_member(location, 'Becky'), make_staff_member(location, 'JJ')
    cut, colour = make_service(location), make_service(location, 'COL', 'Colour')
    assert catalog.performers_of(colour.id, actor=OWNER) == sorted([becky.id, jj.id])
    _edit(colour, performers=[becky.id])
    assert catalog.performers_of(colour.id, actor=OWNER) == [becky.id]
    assert catalog.performers_of(cut.id, actor=OWNER) == sorted([becky.id, jj.id])  # JJ still cuts
    day = WEDNESDAY
    assert {s.staff_member_id for s in availability.free_slots(location.id, colour.id, day, actor=OWNER)} == {
        becky.id}
    _edit(colour, performers=[becky.id, jj.id])
    assert catalog.performers_of(colour.id, actor=OWNER) == sorted([becky.id, jj.id])
    other = make_staff_member(make_location('Elm St'), 'Sam')
    with pytest.raises(ValidationError) as refused:
        _edit(colour, performers=[other.id])
    assert refused.value.field == 'performers'


def test_a_product_has_a_checked_barcode_a_unique_sku_and_an_opening_movement(db):
    location = make_location()
    product = catalog.save_product(None, actor=OWNER, location_id=location.id, code='OIL1', name='Argan oil',
                                   barcode='4006381 333931', brand='Moroccan', price_cents=2400, cost_cents=1100,
                                   stock_minimum=2, stock_maximum=10, opening_stock=6)
    assert product.barcode == '4006381333931' and product.stock_on_hand == 6
    assert [(m.kind, m.quantity) for m in catalog.stock_ledger(product.id, actor=OWNER)] == [('opening', 6)]
    for values, field in (({'barcode': '4006381333932', 'code': 'X', 'name': 'Other'}, 'barcode'),
                           ({'code': 'OIL1', 'name': 'Other'}, 'code'),
                          ({'code': 'X', 'barcode': '4006381333931', 'name': 'Other'}, 'barcode'),
                          ({'price_cents': -5, 'code': 'X', 'name': 'Other'}, 'price_cents'),
                          ({'stock_minimum': 5, 'stock_maximum': 2, 'code': 'X', 'name': 'Other'}, 'stock_maximum')):
        with pytest.raises(ValidationError) as refused:
            catalog.save_product(None, actor=OWNER, location_id=location.id, **{'name': 'Argan oil', **values})
        assert refused.value.field == field, values
    assert len(catalog.list_products(location.id, actor=OWNER)) == 1
    changed = catalog.save_product(product.id, actor=OWNER, location_id=location.id, code='OIL1', name='Argan oil',
                                   price_cents=2600, opening_stock=99, stock_minimum=2)
    assert changed.price_cents == 2600 and changed.stock_on_hand == 6  # stock moves only through the ledger
    with pytest.raises(ValidationError) as negative:  # an edit's opening stock is ignored, but never negative
        catalog.save_product(product.id, actor=OWNER, location_id=location.id, code='OIL1', name='Argan oil',
                             price_cents=2600, opening_stock=-1)
    assert negative.value.field == 'stock_on_hand'


def test_a_price_change_is_logged_in_the_locations_currency(db):
    from app.models import LocationCreate
    from app.services.catalogue import locations

    kigali = locations.find_or_create_location(LocationCreate(name='Kigali', time_zone='Africa/Kigali',
                                                              currency='RWF'))
    product = catalog.save_product(None, actor=OWNER, location_id=kigali.id, code='OIL1', name='Argan oil',
                                   price_cents=15000, cost_cents=9000)
    catalog.save_product(product.id, actor=OWNER, location_id=kigali.id, code='OIL1', name='Argan oil',
                         price_cents=18000, cost_cents=9000)
    logged = [entry.detail for entry in activity.entries(actor=OWNER, action='product_saved')]
    assert any('price 15000 → 18000' in detail for detail in logged), logged  # francs have no decimals


def test_falling_below_the_minimum_notifies_once(db):
    location = make_location()
    product_id = make_product(location, stock=3, minimum=2)
    heard = []
    events.subscribe(heard.append)
    try:
        catalog.adjust_stock(product_id, -1, reason='sold', actor=OWNER)
        catalog.adjust_stock(product_id, -1, reason='sold', actor=OWNER)
        catalog.adjust_stock(product_id, -1, reason='sold', actor=OWNER)
    finally:
        events.unsubscribe(heard.append)
    lows = [e for e in heard if isinstance(e, events.StockChanged) and e.low]
    assert len(lows) == 1 and lows[0].stock_on_hand == 1 and lows[0].notification_id is not None


def test_commission_rates_and_the_sign_in_account_are_saved_with_the_staff_member(db):
    location = make_location()
    becky = make_staff_member(location, 'Becky')
    login = users.create_user('becky@salon.test', 'a long password', role=Role.STAFF, actor=OWNER,
                              location_id=location.id)
    saved = staff.update_staff_member(becky.id, actor=OWNER, name='Becky', working_hours=becky.working_hours,
                                      service_commission=Decimal('12.5'), product_commission=Decimal('10'),
                                      account_id=login.id)
    assert (saved.service_commission_bp, saved.product_commission_bp) == (1250, 1000)
    assert [(a, e, m) for a, e, m in staff.linkable_accounts(location.id, actor=OWNER)] == [
        (login.id, 'becky@salon.test', becky.id)]
    for rates, field in (({'service_commission': Decimal('101')}, 'service_commission'),
                         ({'product_commission': Decimal('-1')}, 'product_commission'),
                         ({'service_commission': Decimal('1.005')}, 'service_commission')):
        with pytest.raises(ValidationError) as refused:
            staff.update_staff_member(becky.id, actor=OWNER, name='Becky Renamed', working_hours=[], **rates)
        assert refused.value.field == field
    elsewhere = users.create_user('sam@elm.test', 'a long password', role=Role.STAFF, actor=OWNER,
                                  location_id=make_location('Elm St').id)
    with pytest.raises(ValidationError) as refused:
        staff.update_staff_member(becky.id, actor=OWNER, name='Becky', working_hours=[], account_id=elsewhere.id)
    assert refused.value.field == 'account_id'
    assert staff.list_staff(location.id, actor=OWNER)[0].name == 'Becky'  # nothing of the refused saves landed
    assert staff.list_staff(location.id, actor=OWNER)[0].working_hours == becky.working_hours
    staff.update_staff_member(becky.id, actor=OWNER, name='Becky', working_hours=becky.working_hours,
                              account_id=None)
    assert staff.linkable_accounts(location.id, actor=OWNER)[0][2] is None


def test_services_and_hours_are_saved_in_one_transaction(db):
    location = make_location()
    becky, cut = make_staff_member(location, 'Becky'), make_service(location)
    other = make_service(make_location('Elm St'), 'X', 'Elsewhere')
    with pytest.raises(ValidationError):
        staff.update_staff_member(becky.id, actor=OWNER, name='Becky B', working_hours=[], services=[cut.id, other.id])
    assert staff.list_staff(location.id, actor=OWNER)[0].name == 'Becky'
    staff.update_staff_member(becky.id, actor=OWNER, name='Becky', working_hours=becky.working_hours,
                              services=[cut.id])
    end = at(WEDNESDAY + timedelta(days=1), '00:00')
    assert staff.schedule(location.id, end - timedelta(days=1), end, actor=OWNER).services[becky.id] == {cut.id}


def test_a_new_service_with_its_performers_is_one_transaction(db):
    location = make_location()
    becky, jj = make_staff_member(location, 'Becky'), make_staff_member(location, 'JJ')
    other = make_staff_member(make_location('Elm St'), 'Sam')
    balayage = ServiceCreate(location_id=location.id, code='', name='Balayage', duration_minutes=120)
    with pytest.raises(ValidationError, match='only one') as alone:  # "no list" means every service: JJ would
        catalog.create_services([balayage], actor=OWNER, performers=[becky.id])  # be back on it
    assert alone.value.field == 'performers'
    cut = make_service(location)
    with pytest.raises(ValidationError):
        catalog.create_services([balayage], actor=OWNER, performers=[becky.id, other.id])
    assert [s.name for s in catalog.list_services(location.id, actor=OWNER)] == [cut.name]  # none half-made
    made = catalog.create_services([balayage], actor=OWNER, performers=[becky.id])[0]
    assert catalog.performers_of(made.id, actor=OWNER) == [becky.id]
    assert catalog.performers_of(cut.id, actor=OWNER) == sorted([becky.id, jj.id])  # JJ kept everything else
