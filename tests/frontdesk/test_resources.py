"""Resources (issue 34): rooms, chairs and equipment with a capacity, out of service at times, that services need.
The rules as pure functions; then bookings, moves and free times on SQLite and PostgreSQL; 200 racing writers never
use more of a resource than it has."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.models import BookingCreate, BookingMove, BookingResource, ResourceCreate, Role
from app.services.catalogue import resources
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError, SlotUnavailableError, ValidationError
from app.services.frontdesk import availability, bookings
from app.services.frontdesk.resource_rules import Pool, Shortage, Use, allocate, peak
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

pytestmark = pytest.mark.usefixtures('shop_clock')

DAY = date(2030, 3, 4)  # a Monday
T0 = datetime(2030, 3, 4, 9, tzinfo=UTC)


def t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- the rules -----------------------------------------------------------------------------------------------------

def test_the_peak_counts_what_is_used_at_one_moment_not_everything_that_meets():
    uses = [Use(t(0), t(60), 1, 1), Use(t(60), t(120), 1, 2), Use(t(30), t(90), 2, 3)]
    assert peak(uses, t(0), t(120)) == 3  # 30–60 and 60–90: 1 + 2, never all three
    assert peak(uses[:2], t(0), t(120)) == 1  # back to back never add up
    assert peak(uses, t(0), t(120), exclude_id=3) == 1
    assert peak(uses, t(120), t(180)) == 0
    assert peak([Use(t(10), t(10), 1, 4)], t(10), t(20)) == 1  # no length: counted at its moment


def test_allocate_spreads_a_kind_over_its_resources_in_name_order_and_says_what_is_short():
    room_b = Pool(2, 'Room B', 'Room', 2, uses=[Use(t(0), t(60), 1, 7)])
    room_a = Pool(1, 'Room A', 'Room', 1, uses=[Use(t(0), t(60), 1, 8)])
    chair = Pool(3, 'Chair', 'Chair', 1, outages=[(t(30), t(90), 'Broken')])
    assert allocate([('Room', 1)], [room_b, room_a], t(60), t(90)) == ([(1, 1)], None)  # Room A first, now free
    assert allocate([('Room', 2)], [room_b, room_a], t(30), t(90)) == ([], Shortage('Room', 2, 1))
    assert allocate([('Room', 2)], [room_b, room_a], t(60), t(90)) == ([(1, 1), (2, 1)], None)
    assert allocate([('Chair', 1)], [chair], t(0), t(40)) == ([], Shortage('Chair', 1, 0, ('Chair',)))
    assert allocate([('Chair', 1)], [chair], t(90), t(100)) == ([(3, 1)], None)
    assert allocate([('Desk', 1)], [chair], t(0), t(10)) == ([], Shortage('Desk', 1, 0))


# --- bookings ------------------------------------------------------------------------------------------------------

@pytest.fixture
def shop(db):
    location = make_location()
    massage = make_service(location, 'MAS', 'Massage', minutes=60)
    room_a = resources.save_resource(ResourceCreate(location_id=location.id, name='Room A', kind='Treatment room'),
                                     actor=OWNER)
    room_b = resources.save_resource(ResourceCreate(location_id=location.id, name='Room B', kind='Treatment room'),
                                     actor=OWNER)
    resources.set_needs(massage.id, {'Treatment room': 1}, actor=OWNER)
    return {'location': location, 'massage': massage, 'room_a': room_a, 'room_b': room_b,
            'staff': [make_staff_member(location, name) for name in ('JJ', 'BECKY', 'KELLY')],
            'alex': make_customer(location)}


def _rooms(booking_id: int) -> list[int]:
    with session_scope() as session:
        return [r.resource_id for r in session.exec(select(BookingResource).where(
            BookingResource.booking_id == booking_id))]


def test_a_room_is_never_given_to_two_bookings_at_once(shop):
    jj, becky, kelly = shop['staff']
    first = make_booking(shop['location'], jj, shop['massage'], shop['alex'], at(DAY, '10:00'))
    second = make_booking(shop['location'], becky, shop['massage'], shop['alex'], at(DAY, '10:30'))
    assert (_rooms(first.id), _rooms(second.id)) == ([shop['room_a'].id], [shop['room_b'].id])
    with pytest.raises(SlotUnavailableError) as refused:
        make_booking(shop['location'], kelly, shop['massage'], shop['alex'], at(DAY, '10:45'))
    assert str(refused.value) == 'No Treatment room is free at that time. Choose another time.'
    assert len(bookings.list_bookings(shop['location'].id, actor=OWNER)) == 2  # the refused one left nothing
    third = make_booking(shop['location'], kelly, shop['massage'], shop['alex'], at(DAY, '11:00'))  # Room A again
    assert _rooms(third.id) == [shop['room_a'].id]
    bookings.cancel_booking(second.id, actor=OWNER)
    assert _rooms(make_booking(shop['location'], kelly, shop['massage'], shop['alex'], at(DAY, '10:00')).id) == [
        shop['room_b'].id]


def test_a_resource_out_of_service_is_not_given_and_the_desk_is_told(shop):
    jj, becky, _kelly = shop['staff']
    resources.add_outage(shop['room_a'].id, at(DAY, '09:00'), at(DAY, '12:00'), actor=OWNER, reason='Leak')
    first = make_booking(shop['location'], jj, shop['massage'], shop['alex'], at(DAY, '10:00'))
    assert _rooms(first.id) == [shop['room_b'].id]
    with pytest.raises(SlotUnavailableError) as refused:
        make_booking(shop['location'], becky, shop['massage'], shop['alex'], at(DAY, '10:00'))
    assert str(refused.value) == ('No Treatment room is free at that time (Room A out of service). Choose another '
                                  'time.')


def test_free_times_leave_out_the_times_without_a_room_and_a_move_takes_its_rooms_again(shop):
    jj, becky, kelly = shop['staff']
    make_booking(shop['location'], jj, shop['massage'], shop['alex'], at(DAY, '10:00'))
    moved = make_booking(shop['location'], becky, shop['massage'], shop['alex'], at(DAY, '10:00'))
    starts = {s.starts_at for s in availability.free_slots(shop['location'].id, shop['massage'].id, DAY,
                                                           actor=OWNER, staff_member_id=kelly.id)}
    assert at(DAY, '09:00') in starts and at(DAY, '09:15') not in starts and at(DAY, '11:00') in starts
    bookings.move_booking(moved.id, BookingMove(starts_at=at(DAY, '13:00')), actor=OWNER)
    assert _rooms(moved.id) == [shop['room_a'].id]  # its old room given back, the first free one taken
    kelly_at_ten = make_booking(shop['location'], kelly, shop['massage'], shop['alex'], at(DAY, '10:00'))
    assert _rooms(kelly_at_ten.id) == [shop['room_b'].id]  # the room the move gave back
    with pytest.raises(SlotUnavailableError):  # back into 10:00–11:00, both rooms taken: refused, nothing changed
        bookings.move_booking(moved.id, BookingMove(starts_at=at(DAY, '10:15')), actor=OWNER)
    assert _rooms(moved.id) == [shop['room_a'].id]
    assert bookings.get_booking(moved.id, actor=OWNER).starts_at == at(DAY, '13:00')


def test_what_a_service_needs_is_checked_and_kept_by_managers_only(shop):
    massage = shop['massage']
    with pytest.raises(ValidationError) as refused:
        resources.set_needs(massage.id, {'Sauna': 1}, actor=OWNER)
    assert refused.value.field == 'resources' and 'Sauna' in str(refused.value)
    with pytest.raises(ValidationError):  # two treatment rooms in all
        resources.set_needs(massage.id, {'Treatment room': 3}, actor=OWNER)
    staff_member = actor(Role.STAFF, shop['location'].id)
    with pytest.raises(PermissionDeniedError):
        resources.set_needs(massage.id, {}, actor=staff_member)
    with pytest.raises(PermissionDeniedError):
        resources.save_resource(ResourceCreate(location_id=shop['location'].id, name='Room C', kind='Treatment room'),
                                actor=staff_member)
    with pytest.raises(ValidationError) as refused:
        resources.save_resource(ResourceCreate(location_id=shop['location'].id, name='room a', kind='Treatment room'),
                                actor=OWNER)
    assert refused.value.field == 'name'
    with pytest.raises(ValidationError) as refused:
        resources.save_resource(ResourceCreate.model_construct(location_id=shop['location'].id, name='Room C',
                                                               kind='Treatment room', capacity=0, active=True),
                                actor=OWNER)
    assert refused.value.field == 'capacity'
    other = make_location('King St')
    with pytest.raises(PermissionDeniedError):
        resources.save_resource(ResourceCreate(location_id=other.id, name='Room Z', kind='Room'),
                                actor=actor(Role.MANAGER, shop['location'].id))
    assert resources.needs_of(massage.id, actor=OWNER) == {'Treatment room': 1}
    assert resources.set_needs(massage.id, {'Treatment room': 0}, actor=OWNER) == {}
    assert resources.needs_of(massage.id, actor=OWNER) == {}


def test_200_racing_bookings_never_use_more_of_a_resource_than_it_has(shop):
    """A sauna with three places; ten staff members each asked for by 20 writers at once, at 10:00 or 10:15 (the two
    overlap): at every moment at most three bookings stand, on both databases."""
    location = shop['location']
    sauna = resources.save_resource(ResourceCreate(location_id=location.id, name='Sauna', kind='Sauna', capacity=3),
                                    actor=OWNER)
    service = make_service(location, 'SAU', 'Sauna session', minutes=30)
    resources.set_needs(service.id, {'Sauna': 1}, actor=OWNER)
    members = [make_staff_member(location, f'Host {i}') for i in range(10)]
    start_at = time.time() + 1
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        while time.time() < start_at:
            time.sleep(0.001)
        try:
            bookings.create_booking(BookingCreate(
                location_id=location.id, customer_id=shop['alex'].id, service_id=service.id,
                staff_member_id=members[i % 10].id, starts_at=at(DAY, '10:15' if i // 10 % 2 else '10:00')),
                actor=OWNER)
            outcomes.append('won')
        except SlotUnavailableError:
            outcomes.append('refused')

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == 200 and outcomes.count('won') == 3, outcomes.count('won')
    with session_scope() as session:
        used = session.exec(select(BookingResource).where(BookingResource.resource_id == sauna.id)).all()
    standing = {b.id: b for b in bookings.list_bookings(location.id, actor=OWNER) if b.service_id == service.id}
    assert {u.booking_id for u in used} == set(standing)
    assert peak([Use(standing[u.booking_id].starts_at, standing[u.booking_id].ends_at, u.units, u.booking_id)
                 for u in used], at(DAY, '09:00'), at(DAY, '12:00')) == 3


def test_hostile_input_to_resources_is_refused_on_its_field_and_changes_nothing(shop):
    location, room = shop['location'], shop['room_a']
    manager_elsewhere = actor(Role.MANAGER, make_location('King St').id)
    with pytest.raises(ValidationError) as refused:  # a naive time
        resources.add_outage(room.id, datetime(2030, 3, 4, 9), at(DAY, '12:00'), actor=OWNER)
    assert refused.value.field == 'starts_at'
    with pytest.raises(ValidationError) as refused:
        resources.add_outage(room.id, at(DAY, '12:00'), at(DAY, '09:00'), actor=OWNER)
    assert refused.value.field == 'ends_at'
    with pytest.raises(PermissionDeniedError):
        resources.add_outage(room.id, at(DAY, '09:00'), at(DAY, '12:00'), actor=manager_elsewhere)
    assert resources.outages(location.id, at(DAY, '00:00'), at(DAY, '23:59'), actor=OWNER) == []
    outage = resources.add_outage(room.id, at(DAY, '09:00'), at(DAY, '12:00'), actor=OWNER, reason='x' * 5000)
    assert len(resources.outages(location.id, at(DAY, '00:00'), at(DAY, '23:59'), actor=OWNER)[0].reason) == 120
    with pytest.raises(PermissionDeniedError):
        resources.remove_outage(outage, actor=manager_elsewhere)
    with pytest.raises(PermissionDeniedError):
        resources.set_needs(shop['massage'].id, {}, actor=manager_elsewhere)
    with pytest.raises(PermissionDeniedError):
        resources.needs_of(shop['massage'].id, actor=manager_elsewhere)
    with pytest.raises(PermissionDeniedError):  # another location's resource, even named by id
        resources.save_resource(ResourceCreate(location_id=location.id, name='Room A', kind='Room'),
                                actor=manager_elsewhere, resource_id=room.id)
    for units in (10 ** 9, -1, '1', 1.5):
        with pytest.raises(ValidationError) as refused:
            resources.set_needs(shop['massage'].id, {'Treatment room': units}, actor=OWNER)
        assert refused.value.field == 'resources'
    for name, kind, field in (('x' * 81, 'Room', 'name'), ('Room C', 'k' * 41, 'kind'), ('  ', 'Room', 'name')):
        with pytest.raises(ValidationError) as refused:
            resources.save_resource(ResourceCreate.model_construct(location_id=location.id, name=name, kind=kind,
                                                                   capacity=1, active=True), actor=OWNER)
        assert refused.value.field == field
    assert [r.name for r in resources.list_resources(location.id, actor=OWNER)] == ['Room A', 'Room B']
    assert resources.needs_of(shop['massage'].id, actor=OWNER) == {'Treatment room': 1}


def test_undoing_a_no_show_takes_its_room_again_or_is_refused(shop):
    """A no-show gives its room back; taking the no-show back must not put two bookings in one room."""
    from app.models import BookingStatus
    jj, becky, kelly = shop['staff']
    missed = make_booking(shop['location'], jj, shop['massage'], shop['alex'], at(DAY, '10:00'))  # Room A
    make_booking(shop['location'], becky, shop['massage'], shop['alex'], at(DAY, '10:00'))  # Room B
    bookings.set_status(missed.id, BookingStatus.NO_SHOW, actor=OWNER)  # the shop's clock: 23:00 that day
    walk_in = make_booking(shop['location'], kelly, shop['massage'], None, at(DAY, '10:15'))  # Room A, freed
    assert _rooms(walk_in.id) == [shop['room_a'].id]
    with pytest.raises(SlotUnavailableError):
        bookings.undo_status(missed.id, actor=OWNER)
    assert bookings.get_booking(missed.id, actor=OWNER).status == BookingStatus.NO_SHOW
    bookings.set_status(walk_in.id, BookingStatus.NO_SHOW, actor=OWNER)
    assert bookings.undo_status(missed.id, actor=OWNER).status == BookingStatus.BOOKED
    assert _rooms(missed.id) == [shop['room_a'].id]


def test_a_need_of_a_kind_no_longer_kept_can_still_be_cleared(shop):
    from app.services.catalogue import catalog
    massage = shop['massage']  # archived, its rooms may all be retired (its need stays, to be seen and cleared)
    catalog.update_service(massage.id, actor=OWNER, name=massage.name, duration_minutes=60, active=False)
    for room in (shop['room_a'], shop['room_b']):
        resources.save_resource(ResourceCreate(location_id=shop['location'].id, name=room.name, kind=room.kind,
                                               active=False), actor=OWNER, resource_id=room.id)
    assert resources.kinds(shop['location'].id, actor=OWNER) == []
    assert resources.needs_of(shop['massage'].id, actor=OWNER) == {'Treatment room': 1}
    assert resources.set_needs(shop['massage'].id, {'Treatment room': 0}, actor=OWNER) == {}


def test_a_hold_keeps_the_rooms_of_the_booking_it_becomes(shop):
    """A customer at the kiosk holding a massage keeps a room until they book it; the desk cannot give that room away
    meanwhile, the customer's own booking takes it; a hold dropped gives it back (its rows go with it)."""
    from app.models import HoldKind, HoldResource
    jj, becky, kelly = shop['staff']
    location = shop['location']
    make_booking(location, jj, shop['massage'], shop['alex'], at(DAY, '10:00'))  # Room A
    availability.hold(location.id, shop['massage'].id, availability.Slot(at(DAY, '10:00'), becky.id, 'BECKY'),
                      holder='kiosk-1', actor=OWNER)  # Room B, held
    with pytest.raises(SlotUnavailableError) as refused:
        make_booking(location, kelly, shop['massage'], shop['alex'], at(DAY, '10:30'))
    assert 'Treatment room' in str(refused.value)
    assert at(DAY, '10:30') not in {s.starts_at for s in availability.free_slots(
        location.id, shop['massage'].id, DAY, actor=OWNER, staff_member_id=kelly.id)}
    booked = bookings.create_booking(BookingCreate(
        location_id=location.id, customer_id=shop['alex'].id, service_id=shop['massage'].id,
        staff_member_id=becky.id, starts_at=at(DAY, '10:00')), actor=OWNER, holder='kiosk-1')
    assert _rooms(booked.id) == [shop['room_b'].id]
    with session_scope() as session:  # its hold, still there until the page releases it, keeps no room any more
        assert session.exec(select(HoldResource)).all() == []
    availability.hold(location.id, shop['massage'].id, availability.Slot(at(DAY, '13:00'), kelly.id, 'KELLY'),
                      holder='online-1', actor=OWNER, kind=HoldKind.ONLINE)
    availability.drop_hold(location.id, 'kiosk-1', kinds=tuple(HoldKind))
    availability.drop_hold(location.id, 'online-1', kinds=tuple(HoldKind))
    with session_scope() as session:
        assert session.exec(select(HoldResource)).all() == []  # gone with their holds


def test_a_resource_cannot_be_retired_or_changed_out_from_under_the_services_that_need_it(shop):
    room_a, room_b = shop['room_a'], shop['room_b']
    location = shop['location']

    def save(room, **changes):
        return resources.save_resource(ResourceCreate(**{'location_id': location.id, 'name': room.name,
                                                         'kind': room.kind, 'capacity': room.capacity,
                                                         'active': True, **changes}), actor=OWNER, resource_id=room.id)

    save(room_a, active=False)  # Room B still holds the one the massage needs
    with pytest.raises(ValidationError) as refused:
        save(room_b, active=False)
    assert refused.value.field == 'active' and str(refused.value) == (
        "Massage need more Treatment room than would be left. Change what they need first (in each service's "
        'dialog).')
    with pytest.raises(ValidationError) as refused:
        save(room_b, kind='Studio')
    assert refused.value.field == 'kind'
    assert [r.name for r in resources.list_resources(location.id, actor=OWNER)] == ['Room B']  # nothing changed
    resources.set_needs(shop['massage'].id, {}, actor=OWNER)
    save(room_b, active=False)
    with pytest.raises(ValidationError):  # '%' is a name, not a pattern: only the same name is refused
        resources.save_resource(ResourceCreate(location_id=location.id, name='ROOM A', kind='Room'), actor=OWNER)
    assert resources.save_resource(ResourceCreate(location_id=location.id, name='%', kind='Room'), actor=OWNER)
