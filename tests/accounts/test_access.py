"""What each role may not do, refused by the services themselves; nothing of one location reaches
a person of another (search hits, export rows, reads by id)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.models import BookingStatus, Role, ServiceCreate
from app.services.accounts import users
from app.services.analytics import exports, reports, schedules
from app.services.catalogue import catalog, locations, staff
from app.services.customers import customers
from app.services.errors import PermissionDeniedError
from app.services.frontdesk import bookings, dashboard, kiosk
from app.services.money import receipts
from tests.factories import (
    OWNER,
    actor,
    at,
    make_booking,
    make_customer,
    make_location,
    make_service,
    make_staff_member,
)

pytestmark = pytest.mark.usefixtures('shop_clock')  # check-ins on the day booked, no-shows after the start

DAY = date(2030, 3, 4)


@pytest.fixture
def two_shops(db):
    shops = {}
    for name in ('Queen St', 'King St'):
        location = make_location(name)
        member, service = make_staff_member(location, f'JJ {name}'), make_service(location)
        customer = make_customer(location, f'Alex {name}', '416-555-0101')
        booking = make_booking(location, member, service, customer, at(DAY, '10:00'))
        shops[name] = {'location': location, 'member': member, 'service': service, 'customer': customer,
                       'booking': booking}
    return shops['Queen St'], shops['King St']


def _calls(here: dict, there: dict) -> dict[str, callable]:
    """Every read or write, aimed at ``there`` (another location than the actor's ``here``)."""
    loc = there['location'].id
    return {
        'list bookings': lambda who: bookings.list_bookings(loc, actor=who),
        'get booking': lambda who: bookings.get_booking(there['booking'].id, actor=who),
        'search customers': lambda who: customers.search_customers(loc, 'Alex', actor=who),
        'get customer': lambda who: customers.get_customer(there['customer'].id, actor=who),
        'list receipts': lambda who: receipts.list_receipts(loc, actor=who),
        'list products': lambda who: catalog.list_products(loc, actor=who),
        'list services': lambda who: catalog.list_services(loc, actor=who),
        'list staff': lambda who: staff.list_staff(loc, actor=who),
        'get location': lambda who: locations.get_location(loc, actor=who),
        'dashboard': lambda who: dashboard.summary(loc, DAY, actor=who),
        'analytics': lambda who: reports.report([loc], DAY, DAY, actor=who, as_of=datetime(2030, 3, 5, tzinfo=UTC),
                                                time_zone='UTC'),
        'export rows': lambda who: reports.booking_rows([loc], DAY, DAY, actor=who, time_zone='UTC'),
        'check in': lambda who: bookings.set_status(there['booking'].id, BookingStatus.CHECKED_IN, actor=who),
        'cancel': lambda who: bookings.cancel_booking(there['booking'].id, actor=who),
        'add service': lambda who: catalog.create_service(ServiceCreate(
            location_id=loc, code='X', name='X', category='X', price_cents=1, duration_minutes=10), actor=who),
        'kiosk lookup': lambda who: kiosk.todays_bookings(loc, '4165550101', actor=who),
    }


@pytest.mark.parametrize('role', [Role.MANAGER, Role.STAFF, Role.KIOSK])
def test_nobody_bound_to_one_location_reaches_another(two_shops, role):
    here, there = two_shops
    who = actor(role, here['location'].id)
    for name, call in _calls(here, there).items():
        with pytest.raises(PermissionDeniedError):
            call(who)
            pytest.fail(f'{role.value} reached another location with "{name}"')
    assert [x.id for x in locations.list_locations(actor=who)] == [here['location'].id]
    assert OWNER.location_id is None and len(locations.list_locations(actor=OWNER)) == 2


# at their own location: what each role may not do
FORBIDDEN = {
    Role.STAFF: ['dashboard', 'analytics', 'export rows', 'add service'],
    Role.KIOSK: ['list bookings', 'get booking', 'search customers', 'get customer', 'list receipts',
                 'list products', 'dashboard', 'analytics', 'export rows', 'cancel', 'add service'],
    Role.MANAGER: [],
}


@pytest.mark.parametrize('role', list(FORBIDDEN))
def test_each_role_is_refused_what_its_role_does_not_allow_at_its_own_location(two_shops, role):
    here, _ = two_shops
    who = actor(role, here['location'].id)
    calls = _calls(here, here)
    for name in FORBIDDEN[role]:
        with pytest.raises(PermissionDeniedError):
            calls[name](who)
            pytest.fail(f'{role.value} was allowed "{name}"')
    allowed = [n for n in calls if n not in FORBIDDEN[role] and n not in {'check in', 'cancel'}]
    for name in allowed:  # everything else works (reads only, so the order does not matter)
        calls[name](who)


def test_owner_only_calls(two_shops):
    here, _ = two_shops
    for role in (Role.MANAGER, Role.STAFF, Role.KIOSK):
        who = actor(role, here['location'].id)
        with pytest.raises(PermissionDeniedError):
            users.list_users(actor=who)
    with pytest.raises(PermissionDeniedError):
        schedules.list_schedules(actor=actor(Role.STAFF, here['location'].id))


def test_an_export_holds_only_the_rows_of_the_locations_asked_for(two_shops, tmp_path):
    here, there = two_shops
    manager = actor(Role.MANAGER, here['location'].id)
    report = reports.report([here['location'].id], DAY, DAY, actor=manager, as_of=datetime(2030, 3, 5, tzinfo=UTC),
                            time_zone='UTC')
    path = exports.export_for_download(report, actor=manager, kind=exports.DETAIL, title='t', currency='CAD',
                                       locations=['Queen St'], time_zone='UTC')
    text = path.read_text()
    assert 'Alex Queen St' in text and 'King St' not in text
    someone_else = report.model_copy(update={'location_ids': [there['location'].id]})
    with pytest.raises(PermissionDeniedError):
        exports.export_for_download(someone_else, actor=manager, kind='xlsx', title='t', currency='CAD',
                                    locations=['King St'], time_zone='UTC')
