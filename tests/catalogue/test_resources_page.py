"""The Resources tab of the Services & products page: a manager adds a room, says a service needs it, and takes it out
of service for a morning; what the page saved is what the services read back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing import User

from app.models import Role
from tests.factories import OWNER, at
from tests.fixtures.pages import DAY, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_a_manager_adds_a_room_a_service_needs_it_and_it_goes_out_of_service(user: User, shop):
    from app.services.catalogue import resources
    location = shop['location']
    await sign_in(user, Role.MANAGER, '/catalog')
    user.find(marker='resource-add').click()
    user.find(marker='resource-kind').type('Treatment room')
    user.find(marker='resource-save').click()  # no name yet: refused on its field, nothing saved
    await eventually(lambda: 'name' in (element(user, 'resource-name').error or ''))
    assert resources.list_resources(location.id, actor=OWNER) == []
    user.find(marker='resource-name').type('Room A')
    element(user, 'resource-capacity').set_value(2)
    user.find(marker='resource-save').click()
    await eventually(lambda: [r['name'] for r in element(user, 'resource-list').rows] == ['Room A'])
    room = resources.list_resources(location.id, actor=OWNER)[0]
    assert (room.kind, room.capacity, room.active) == ('Treatment room', 2, True)

    user.find(marker='service-list').trigger('rowClick', [{}, {'id': shop['cut'].id}, 0])
    await user.should_see(marker='service-resources')
    element(user, 'service-needs-Treatment room').set_value(1)
    user.find(marker='service-save').click()
    await eventually(lambda: resources.needs_of(shop['cut'].id, actor=OWNER) == {'Treatment room': 1})

    user.find(marker='resource-list').trigger('rowClick', [{}, {'id': room.id}, 0])
    await user.should_see(marker='resource-outages')
    user.find(marker='resource-out-day').clear().type(DAY.isoformat())
    user.find(marker='resource-out-start').type('22:00')  # overnight, into the next morning
    user.find(marker='resource-out-to-day').clear().type((DAY + timedelta(days=1)).isoformat())
    user.find(marker='resource-out-end').type('07:00')
    user.find(marker='resource-out-reason').type('Leak')
    user.find(marker='resource-out-add').click()
    await eventually(lambda: [(o.starts_at, o.ends_at, o.reason) for o in resources.outages(
        location.id, at(DAY, '00:00'), at(DAY, '23:59'), actor=OWNER)] == [
        (at(DAY, '22:00'), at(DAY + timedelta(days=1), '07:00'), 'Leak')])


async def test_the_day_per_resource_shows_who_uses_each_room_and_follows_new_bookings(user: User, shop):
    from app.models import ResourceCreate
    from app.services.catalogue import resources
    from tests.factories import make_booking
    location = shop['location']
    room = resources.save_resource(ResourceCreate(location_id=location.id, name='Room A', kind='Treatment room'),
                                   actor=OWNER)
    resources.set_needs(shop['cut'].id, {'Treatment room': 1}, actor=OWNER)
    first = make_booking(location, shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    resources.add_outage(room.id, at(DAY, '15:00'), at(DAY, '16:00'), actor=OWNER, reason='Leak')
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    user.find(marker='resources-tab').click()
    await user.should_see(marker='resource-grid')
    grid = element(user, 'resource-grid')
    assert [(c['id'], c['name'], c['away']) for c in grid.props['grid']['columns']] == [
        (room.id, 'Room A', [[15 * 60, 16 * 60, 'Leak']])]
    assert [(b['id'], b['column'], b['start']) for b in grid.props['blocks']] == [(first.id, room.id, 600)]
    assert {m['kind']: m['label'] for m in grid.props['grid']['markers']}['away'] == 'Out of service'
    second = make_booking(location, shop['becky'], shop['cut'], shop['sam'], at(DAY, '12:00'))  # another tab's
    await eventually(lambda: {b['id'] for b in element(user, 'resource-grid').props['blocks']} == {first.id,
                                                                                                  second.id})


def test_bookings_sharing_a_resource_at_once_are_drawn_side_by_side(shop):
    """A sauna with two places, two bookings at once: two lanes, each half the column; a third later takes the first
    lane again. Each block of a booking is keyed by its column too (day_grid.js), so one using two resources has two
    cells."""
    from app.models import ResourceCreate
    from app.pages.frontdesk.resource_day import resource_day_parts
    from app.services.catalogue import resources
    from tests.factories import make_booking
    location = shop['location']
    resources.save_resource(ResourceCreate(location_id=location.id, name='Sauna', kind='Sauna', capacity=2),
                            actor=OWNER)
    resources.set_needs(shop['mens'].id, {'Sauna': 1}, actor=OWNER)
    first = make_booking(location, shop['jj'], shop['mens'], shop['alex'], at(DAY, '10:00'))
    second = make_booking(location, shop['becky'], shop['mens'], shop['sam'], at(DAY, '10:15'))
    third = make_booking(location, shop['jj'], shop['mens'], shop['sam'], at(DAY, '11:00'))
    blocks = {b['id']: b['style'] for b in resource_day_parts(location, DAY, OWNER)['blocks']}
    assert (blocks[first.id]['left'], blocks[first.id]['right']) == ('calc(0.000% + 2px)', 'calc(50.000% + 2px)')
    assert (blocks[second.id]['left'], blocks[second.id]['right']) == ('calc(50.000% + 2px)', 'calc(0.000% + 2px)')
    assert blocks[third.id]['left'] == 'calc(0.000% + 2px)'
