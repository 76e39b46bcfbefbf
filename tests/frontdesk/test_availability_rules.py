"""Free times and bookings obey the location's opening hours, closures, slot grid and buffers, the staff member's
stretches (a break is a gap), and for a customer choosing at the kiosk the minimum notice and the horizon."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.models import BookingCreate, Channel, HoldKind, ServiceCreate, StaffMemberCreate, WorkingHoursBase
from app.models.base import Role
from app.services.catalogue import catalog, locations, staff
from app.services.database import session_scope
from app.services.errors import OutsideWorkingHoursError, SlotUnavailableError, ValidationError
from app.services.frontdesk import availability, bookings, online
from tests.factories import OWNER, actor, at, make_booking, make_customer, make_location

DAY = date(2030, 3, 5)  # a Tuesday
NOW = at(date(2030, 3, 1), '08:00')


def _settings(location, **changes):
    values = {**locations.settings_of(location).model_dump(mode='json'), **changes}
    return locations.update_location(location.id, values, actor=OWNER)


@pytest.fixture
def salon(db):
    location = _settings(make_location(), opening_hours=[{'weekday': d, 'start_minute': 9 * 60, 'end_minute': 18 * 60}
                                                         for d in range(6)])
    becky = staff.create_staff_member(StaffMemberCreate(location_id=location.id, name='Becky', working_hours=[
        WorkingHoursBase(weekday=d, start_minute=s, end_minute=e) for d in range(7)
        for s, e in ((8 * 60, 12 * 60), (13 * 60, 20 * 60))]), actor=OWNER)  # lunch 12–13, longer than the shop
    colour = catalog.create_service(ServiceCreate(location_id=location.id, code='COL', name='Colour', price_cents=9000,
                                                  duration_minutes=45, buffer_minutes=10), actor=OWNER)
    cut = catalog.create_service(ServiceCreate(location_id=location.id, code='CUT', name='Cut', price_cents=5000,
                                               duration_minutes=30), actor=OWNER)
    return {'location': location, 'becky': becky, 'colour': colour, 'cut': cut, 'alex': make_customer(location)}


def _starts(salon, service, day=DAY, who=OWNER, now=NOW):
    return [f'{s.starts_at.astimezone(availability.clock.zone(salon["location"].time_zone)):%H:%M}' for s in
            availability.free_slots(salon['location'].id, salon[service].id, day, actor=who, now=now)]


def test_free_times_stay_inside_opening_hours_and_outside_the_break(salon):
    starts = _starts(salon, 'cut')
    assert starts[0] == '09:00' and starts[-1] == '17:30'  # Becky from 08:00 to 20:00, the shop 09:00–18:00
    assert '11:30' in starts and not {'11:45', '12:00', '12:30', '12:45'} & set(starts)  # lunch 12–13
    assert _starts(salon, 'cut', day=date(2030, 3, 10)) == []  # Sunday: the shop is closed


def test_a_closure_closes_the_day_for_free_times_and_bookings(salon):
    _settings(salon['location'], closures=[{'start': DAY.isoformat(), 'end': DAY.isoformat(), 'reason': 'Inventory'}])
    assert _starts(salon, 'cut') == []
    with pytest.raises(OutsideWorkingHoursError, match='Inventory'):
        make_booking(salon['location'], salon['becky'], salon['cut'], salon['alex'], at(DAY, '10:00'))


def test_the_buffer_after_a_booking_keeps_the_next_start_away(salon):
    make_booking(salon['location'], salon['becky'], salon['colour'], salon['alex'], at(DAY, '10:00'))  # → 10:55
    starts = _starts(salon, 'cut')
    assert '10:45' not in starts and '11:00' in starts
    with pytest.raises(SlotUnavailableError):  # inside the colour's buffer
        make_booking(salon['location'], salon['becky'], salon['cut'], salon['alex'], at(DAY, '10:50'))
    make_booking(salon['location'], salon['becky'], salon['cut'], salon['alex'], at(DAY, '14:00'))
    colours = _starts(salon, 'colour')
    assert '13:00' in colours and '13:15' not in colours  # 13:15 + 45 + 10 reaches into the 14:00 cut
    with pytest.raises(SlotUnavailableError):
        make_booking(salon['location'], salon['becky'], salon['colour'], salon['alex'], at(DAY, '13:15'))


def test_the_slot_grid_and_bookings_outside_opening_hours(salon):
    _settings(salon['location'], slot_minutes=30)
    assert all(s.endswith((':00', ':30')) for s in _starts(salon, 'cut'))
    with pytest.raises(OutsideWorkingHoursError, match='open 09:00–18:00'):  # Becky works, the shop is closed
        make_booking(salon['location'], salon['becky'], salon['cut'], salon['alex'], at(DAY, '08:00'))
    manager = actor(Role.MANAGER, salon['location'].id)
    make_booking(salon['location'], salon['becky'], salon['cut'], salon['alex'], at(DAY, '08:00'), by=manager,
                 override_hours=True)  # a manager may, on purpose


def test_a_customer_at_the_kiosk_gets_the_notice_and_the_horizon(salon):
    _settings(salon['location'], min_notice_minutes=120, horizon_days=7)
    kiosk = actor(Role.KIOSK, salon['location'].id)
    now = at(DAY, '10:05')
    assert _starts(salon, 'cut', who=kiosk, now=now)[0] == '13:00'  # not before 12:05; lunch until 13:00
    assert _starts(salon, 'cut', now=now)[0] == '10:15'  # the desk books the next free time
    later = DAY + timedelta(days=9)
    assert _starts(salon, 'cut', day=later, who=kiosk, now=now) == []
    assert _starts(salon, 'cut', day=later, now=now) != []


def test_time_off_extra_shifts_and_the_services_each_performs(salon):
    location, becky = salon['location'], salon['becky']
    joanne = staff.create_staff_member(StaffMemberCreate(location_id=location.id, name='Joanne', working_hours=[
        WorkingHoursBase(weekday=d, start_minute=9 * 60, end_minute=17 * 60) for d in range(5)]), actor=OWNER)
    saturday = DAY + timedelta(days=4)

    staff.add_time_off(becky.id, DAY, DAY, reason='Dentist', actor=OWNER, start_minute=14 * 60, end_minute=15 * 60)
    becky_only = [f'{s.starts_at.astimezone(availability.clock.zone(location.time_zone)):%H:%M}' for s in
                  availability.free_slots(location.id, salon['cut'].id, DAY, actor=OWNER, now=NOW,
                                          staff_member_id=becky.id)]
    assert '13:30' in becky_only and not {'13:45', '14:00', '14:30'} & set(becky_only) and '15:00' in becky_only
    with pytest.raises(SlotUnavailableError, match=r'Becky is off from 14:00 .* \(Dentist\)'):
        make_booking(location, becky, salon['cut'], salon['alex'], at(DAY, '14:15'))
    staff.add_time_off(becky.id, DAY + timedelta(days=1), DAY + timedelta(days=2), reason='Holiday', actor=OWNER)
    assert availability.free_slots(location.id, salon['cut'].id, DAY + timedelta(days=1), actor=OWNER, now=NOW,
                                   staff_member_id=becky.id) == []

    assert availability.free_slots(location.id, salon['cut'].id, saturday, actor=OWNER, now=NOW,
                                   staff_member_id=joanne.id) == []  # Joanne does not work Saturdays
    staff.add_extra_shift(joanne.id, saturday, 10 * 60, 12 * 60, actor=OWNER)
    extra = availability.free_slots(location.id, salon['cut'].id, saturday, actor=OWNER, now=NOW,
                                    staff_member_id=joanne.id)
    assert [f'{s.starts_at.astimezone(availability.clock.zone(location.time_zone)):%H:%M}' for s in extra][::3] == [
        '10:00', '10:45', '11:30']
    make_booking(location, joanne, salon['cut'], salon['alex'], at(saturday, '10:00'))

    staff.set_services(joanne.id, [salon['cut'].id], actor=OWNER)
    anyone = availability.free_slots(location.id, salon['colour'].id, DAY, actor=OWNER, now=NOW)
    assert {s.staff_member_id for s in anyone} == {becky.id}
    with pytest.raises(SlotUnavailableError, match="Joanne doesn't do this service"):
        make_booking(location, joanne, salon['colour'], salon['alex'], at(DAY, '09:00'))
    staff.set_services(joanne.id, None, actor=OWNER)  # every service again
    make_booking(location, joanne, salon['colour'], salon['alex'], at(DAY, '09:00'))
    with pytest.raises(ValidationError):
        staff.add_time_off(becky.id, DAY, DAY - timedelta(days=1), actor=OWNER)


def test_an_online_hold_blocks_customers_in_both_places_and_never_the_desk(salon):
    """What is offered and what the booking's INSERT accepts agree on holds: for every start the desk sees that day,
    a customer's booking (with another holder) goes in exactly when a customer is offered it; the desk's always."""
    location, becky, cut = salon['location'], salon['becky'], salon['cut']
    customer = online.customer_at(location.id, salon['alex'].id)  # proven by the one-time code
    ten = availability.Slot(at(DAY, '10:00'), becky.id, 'Becky')
    availability.hold(location.id, cut.id, ten, holder='page-1', actor=customer, now=NOW, kind=HoldKind.ONLINE,
                      ip='10.0.0.1')
    desk = availability.free_slots(location.id, cut.id, DAY, actor=OWNER, now=NOW)
    offered = {s.starts_at for s in availability.free_slots(location.id, cut.id, DAY, actor=customer, now=NOW,
                                                            customer=True)}
    assert {s.starts_at for s in desk if s.held == 'online'} == {at(DAY, t) for t in ('09:45', '10:00', '10:15')}
    assert {s.starts_at for s in desk} - offered == {at(DAY, t) for t in ('09:45', '10:00', '10:15')}
    for slot in desk:
        data = BookingCreate(location_id=location.id, customer_id=salon['alex'].id, service_id=cut.id,
                             staff_member_id=becky.id, starts_at=slot.starts_at, channel=Channel.ONLINE)
        assert _goes_in(data, customer, holder='page-2') == (slot.starts_at in offered), slot
        assert _goes_in(data.model_copy(update={'channel': Channel.PHONE}), OWNER, holder=None), slot
    assert _goes_in(data.model_copy(update={'starts_at': ten.starts_at}), customer, holder='page-1')  # its holder's


class _Undo(Exception):
    pass


def _goes_in(data: BookingCreate, who, *, holder: str | None) -> bool:
    """Whether the booking's INSERT takes ``data`` (rolled back either way)."""
    try:
        with session_scope(write=True) as session:
            bookings.insert_booking(session, data, actor=who, holder=holder)
            raise _Undo
    except _Undo:
        return True
    except SlotUnavailableError:
        return False
