"""The slot rules (:mod:`app.services.frontdesk.slot_rules`): plain unit tests, and a property test that on random
schedules the write path's SQL fast path, the rules and the free-time search agree on every slot of the day.

The property test is derandomized: the same examples every run (CI and a laptop see the same cases, a failure
reproduces at once); 40 examples of up to 16 rows each cover every check, kind of hold and status, for about 12 s of
CPU here. It uses one SQLite database for all its examples (each rewrites the staff member's schedule) and a day
without a daylight-saving change (on such a day the search's local minutes and the write path's differ by design).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, update

from app.models import (
    Booking,
    BookingStatus,
    ExtraShift,
    HoldKind,
    Location,
    Service,
    SlotHold,
    StaffService,
    TimeOff,
    WorkingHours,
)
from app.models.booking import new_booking_code
from app.services import clock, database
from app.services.errors import InvalidTransitionError, OutsideWorkingHoursError, SlotUnavailableError
from app.services.frontdesk import availability, slot_queries, slot_rules
from app.services.frontdesk.slot_rules import Away, Busy, Held, Place, StaffDay
from tests.factories import OWNER, TZ, make_location, make_service, make_staff_member

DAY = date(2030, 7, 9)  # a Tuesday, far from a daylight-saving change in Toronto
START = clock.day_bounds(DAY, TZ)[0]
NOW = START - timedelta(hours=2)
PLACE = Place(time_zone=TZ)


def at(minute: float) -> datetime:
    """Local minute ``minute`` of DAY (may be negative or past midnight) as aware UTC."""
    return START + timedelta(minutes=minute)


def _ask(minute: int, minutes: int = 30, place: Place = PLACE, **options) -> slot_rules.Ask:
    return slot_rules.ask_at(DAY, minute, minutes, place, now=options.pop('now', NOW), **options)


# --- unit tests of the rules ---------------------------------------------------------------------------------------

def test_the_buffer_is_the_services_else_the_locations():
    assert slot_rules.buffer_minutes(10, 5) == 10
    assert slot_rules.buffer_minutes(0, 5) == 0  # a service may say "no buffer" over the location's default
    assert slot_rules.buffer_minutes(None, 5) == 5
    assert slot_rules.buffer_minutes(None, None) == 0
    slot = _ask(600, 45, Place(time_zone=TZ, buffer_minutes=5), service_buffer=None)
    assert slot.reach - slot.ends_at == timedelta(minutes=5) and slot.ends_at - slot.starts_at == timedelta(minutes=45)


def test_meets_is_overlap_or_the_same_start():
    ten, eleven, noon = at(600), at(660), at(720)
    assert slot_rules.meets(ten, eleven, ten, noon)
    assert not slot_rules.meets(ten, eleven, eleven, noon)  # back to back
    assert not slot_rules.meets(noon, noon, ten, eleven)
    assert slot_rules.meets(eleven, eleven, eleven, noon)  # a booking of no length clashes with one starting with it
    assert slot_rules.meets(ten, noon, eleven, eleven + timedelta(minutes=1))


def test_a_staff_member_with_no_services_listed_performs_all():
    assert slot_rules.performs([], 7) and slot_rules.performs({7, 8}, 7) and not slot_rules.performs([8], 7)


def test_starts_lie_on_the_grid_inside_each_stretch():
    assert list(slot_rules.grid_starts([(545, 660), (780, 840)], 30, 15)) == [555, 570, 585, 600, 615, 630, 780, 795,
                                                                               810]
    assert list(slot_rules.grid_starts([(540, 560)], 30, 15)) == []


def test_the_notice_and_horizon_apply_to_customers_only():
    place = Place(time_zone=TZ, min_notice_minutes=120, horizon_days=2)
    assert slot_rules.notice_window(NOW, place, customer=False) == (NOW, None)
    earliest, latest = slot_rules.notice_window(NOW, place, customer=True)
    assert (earliest, latest) == (NOW + timedelta(hours=2), NOW + timedelta(days=2))
    day = StaffDay(1, 'JJ', shifts=[(0, 1440)])
    soon = slot_rules.ask(NOW + timedelta(minutes=90), 30, place, now=NOW, earliest=earliest, latest=latest)
    assert slot_rules.refusal(place, day, soon).check == 'notice'
    far = slot_rules.ask(NOW + timedelta(days=3), 30, place, now=NOW, earliest=earliest, latest=latest)
    assert slot_rules.refusal(place, day, far).check == 'horizon'
    assert slot_rules.too_soon(NOW, NOW + timedelta(seconds=1)) and not slot_rules.too_soon(NOW, NOW)


def test_each_check_refuses_in_order_and_names_its_field():
    place = Place(time_zone=TZ, opening_hours=[{'weekday': DAY.weekday(), 'start_minute': 540, 'end_minute': 1080}])
    day = StaffDay(1, 'JJ', shifts=[(480, 720)], performs=False,
                   bookings=[Busy(at(600), at(630), at(640), customer='Sam')], away=[Away(at(605), at(700))],
                   holds=[Held(at(600), at(630), at(900), HoldKind.KIOSK.value, 'kiosk-1')])
    slot = _ask(600, 30, place)
    assert [r.check for r in slot_rules.refusals(place, day, slot)] == ['performs', 'away', 'booked', 'held']
    assert slot_rules.refusal(place, day, slot).field == 'staff_member_id'
    assert [r.check for r in slot_rules.refusals(place, day, _ask(500, 30, place))] == ['closed', 'performs']
    late = _ask(700, 60, place)  # past JJ's stretch
    assert 'hours' in [r.check for r in slot_rules.refusals(place, day, late)]
    assert 'hours' not in [r.check for r in slot_rules.refusals(place, day, _ask(700, 60, place, override=True))]
    assert slot_rules.refusal(place, day, _ask(500, 30, place, override=True)).check == 'performs'


def test_a_moved_booking_and_cancelled_or_no_show_ones_do_not_count():
    day = StaffDay(1, 'JJ', shifts=[(0, 1440)], bookings=[
        Busy(at(600), at(630), at(630), booking_id=5),
        Busy(at(700), at(730), at(730), status=BookingStatus.NO_SHOW.value, booking_id=6),
        Busy(at(800), at(830), at(830), status=BookingStatus.CANCELLED.value, booking_id=7)])
    assert slot_rules.refusal(PLACE, day, _ask(600)).check == 'booked'
    assert slot_rules.refusal(PLACE, day, _ask(600, exclude_id=5)) is None
    assert slot_rules.refusal(PLACE, day, _ask(700)) is None and slot_rules.refusal(PLACE, day, _ask(800)) is None


def test_holds_an_online_one_is_for_customers_only_and_ones_own_never_counts():
    online = Held(at(600), at(630), at(900), slot_rules.ONLINE, 'web-1')
    day = StaffDay(1, 'JJ', shifts=[(0, 1440)], holds=[online])
    assert slot_rules.refusal(PLACE, day, _ask(600, desk=False)).item is online
    assert slot_rules.desk_may_book(slot_rules.refusal(PLACE, day, _ask(600, desk=False)), desk=True)
    assert not slot_rules.desk_may_book(slot_rules.refusal(PLACE, day, _ask(600, desk=False)), desk=False)
    assert slot_rules.refusal(PLACE, day, _ask(600, desk=False, holder='web-1')) is None
    assert slot_rules.refusal(PLACE, day, _ask(600, now=at(900))) is None  # lapsed
    offer = Held(at(610), at(640), at(700), HoldKind.OFFER.value, 'waitlist-3')
    day.holds.append(offer)
    assert slot_rules.strongest_hold(day.holds, _ask(600)) is offer  # the stronger kind is named
    assert not slot_rules.hold_blocks('', desk=False) and not slot_rules.hold_blocks(slot_rules.ONLINE, desk=True)
    assert slot_rules.hold_blocks(HoldKind.KIOSK.value, desk=True)


def test_refusals_in_words():
    place = Place(time_zone=TZ, closures=[{'start': '2030-07-09', 'end': '2030-07-10', 'reason': 'Inventory'}])
    day = StaffDay(1, 'JJ', shifts=[(540, 600)], bookings=[Busy(at(600), at(630), at(640), customer='Sam Lee')],
                   holds=[Held(at(700), at(730), at(720), HoldKind.OFFER.value, 'waitlist-1')])
    slot = _ask(600, 30, place)
    error = slot_rules.as_error(slot_rules.refusal(place, day, slot), place, day, slot)
    assert isinstance(error, OutsideWorkingHoursError) and 'Inventory' in str(error) and error.field == 'starts_at'
    plain = Place(time_zone=TZ)
    hours = slot_rules.as_error(slot_rules.refusal(plain, day, slot), plain, day, slot)
    assert str(hours) == 'JJ works 09:00–10:00 on Tuesdays; 10:00–10:30 is outside that.'
    open_day = StaffDay(1, 'JJ', shifts=[(0, 1440)], bookings=day.bookings, holds=day.holds)
    booked = slot_rules.as_error(slot_rules.refusal(plain, open_day, slot), plain, open_day, slot)
    assert isinstance(booked, SlotUnavailableError) and 'already booked 10:00–10:30 with Sam Lee' in str(booked)
    held = _ask(700, 30, plain)
    told = slot_rules.as_error(slot_rules.refusal(plain, open_day, held), plain, open_day, held,
                               waitlist_customer='Ann')
    assert 'held for Ann from the waitlist until 12:00' in str(told)


def test_status_changes():
    assert slot_rules.transition_refusal(BookingStatus.BOOKED, BookingStatus.CHECKED_IN) is None
    refused = slot_rules.transition_refusal(BookingStatus.COMPLETED, BookingStatus.CANCELLED)
    assert isinstance(refused, InvalidTransitionError) and str(refused) == (
        'This booking is completed; it cannot be marked cancelled.')
    assert slot_rules.move_refusal(BookingStatus.CONFIRMED) is None
    assert str(slot_rules.move_refusal(BookingStatus.NO_SHOW)) == 'A no-show booking cannot be moved.'
    assert slot_rules.undo_refusal(BookingStatus.CHECKED_IN) is None and slot_rules.undo_refusal(BookingStatus.BOOKED)
    ten = at(600)
    assert slot_rules.timely_refusal(BookingStatus.NO_SHOW, ten, TZ, ten - timedelta(minutes=1)) is not None
    assert slot_rules.timely_refusal(BookingStatus.NO_SHOW, ten, TZ, ten) is None
    assert slot_rules.timely_refusal(BookingStatus.CHECKED_IN, ten, TZ, ten - timedelta(days=1)) is not None
    assert slot_rules.timely_refusal(BookingStatus.CHECKED_IN, ten, TZ, ten + timedelta(hours=3)) is None


# --- the SQL fast path, the rules and the free-time search agree ---------------------------------------------------

@pytest.fixture
def shop(sqlite_db):
    location = make_location()
    member = make_staff_member(location, 'JJ')
    service = make_service(location)
    other = make_service(location, 'OTH', 'Other')
    return {'location': location.id, 'member': member.id, 'service': service.id, 'other': other.id}


stretch = st.tuples(st.integers(0, 95), st.integers(1, 48)).map(lambda t: (t[0] * 15, min(1440, t[0] * 15 + t[1] * 15)))
minute = st.integers(-48, 300).map(lambda m: m * 5)
schedules = st.fixed_dictionaries({
    'shifts': st.lists(stretch, max_size=3),
    'extra': st.lists(stretch, max_size=2),
    'opening': st.none() | st.lists(stretch, max_size=2),
    'closed': st.integers(0, 4).map(lambda n: n == 0),
    'away': st.lists(st.tuples(minute, st.integers(1, 120).map(lambda n: n * 5), st.booleans()), max_size=2),
    'bookings': st.lists(st.tuples(minute, st.integers(0, 24).map(lambda n: n * 5), st.integers(0, 6).map(
        lambda n: n * 5), st.sampled_from(list(BookingStatus)), st.sampled_from([0, 0, 5, 20])), max_size=5),
    'holds': st.lists(st.tuples(minute, st.integers(1, 12).map(lambda n: n * 5), st.sampled_from(list(HoldKind)),
                                st.sampled_from(['me', 'other', 'waitlist-1']), st.booleans(),
                                st.sampled_from([0, 0, 10]), st.sampled_from([0, 0, 15])), max_size=3),
    'skills': st.sampled_from(['none', 'this', 'other']),
    'minutes': st.integers(1, 24).map(lambda n: n * 5),
    'service_buffer': st.none() | st.integers(0, 6).map(lambda n: n * 5),
    'prep': st.sampled_from([0, 0, 5, 15, 30]),
    'location_buffer': st.integers(0, 3).map(lambda n: n * 10),
    'grid': st.sampled_from([10, 15, 30]),
    'holder': st.sampled_from(['', 'me']),
    'override': st.booleans(),
})


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(schedule=schedules)
def test_the_sql_fast_path_the_rules_and_free_times_agree_on_every_slot(shop, schedule):
    place = _write(shop, schedule)
    model = _model(schedule)
    with database.get_engine().connect() as connection:
        loaded = slot_queries.staff_days(connection, [(shop['member'], 'JJ')], shop['service'], DAY, at(-300),
                                         at(1440 + 300), now=NOW)[shop['member']]
        for desk in (True, False):
            for m in range(0, 1440, schedule['grid']):
                slot = _ask(m, schedule['minutes'], place, service_buffer=schedule['service_buffer'],
                            prep=schedule['prep'], holder=schedule['holder'], desk=desk, override=schedule['override'])
                ruled = [r.check for r in slot_rules.refusals(place, model, slot)]
                assert ruled == [r.check for r in slot_rules.refusals(place, loaded, slot)], m
                asked = slot_queries.slot_parameters(shop['member'], shop['service'], slot)
                row = connection.execute(slot_queries.SLOT_CHECKS, asked).one()
                failing = [check for check, failed in (
                    ('performs', not row.performs), ('hours', not (slot.override or row.in_hours)),
                    ('away', row.away), ('booked', row.clash_id is not None), ('held', row.held)) if failed]
                # the write path asks the location (``closed``) before its SQL; the SQL asks every other check
                assert failing == [c for c in ruled if c != 'closed'], (m, desk, failing, ruled)
                assert _inserts(connection, shop['location'], asked, slot) == (not failing), m
    _free_times_agree(shop, place, schedule, model)


def _free_times_agree(shop: dict, place: Place, schedule: dict, model: StaffDay) -> None:
    """The search lists a start for the desk exactly when the desk could book it there (open, not past, and the
    rules' checks pass for the desk), and for a customer when a customer could (inside the notice)."""
    for customer in (False, True):
        listed = {(s.starts_at, s.held) for s in availability.free_slots(
            shop['location'], shop['service'], DAY, actor=OWNER, staff_member_id=shop['member'], now=NOW,
            holder=schedule['holder'] or None, customer=customer, include_held=True)}
        expected = set()
        earliest, latest = slot_rules.notice_window(NOW, place, customer=customer)
        for m in range(0, 1440, schedule['grid']):
            slot = _ask(m, schedule['minutes'], place, service_buffer=schedule['service_buffer'],
                        prep=schedule['prep'], holder=schedule['holder'], desk=False, earliest=earliest, latest=latest)
            refused = slot_rules.refusal(place, model, slot)
            if refused is None:
                expected.add((slot.starts_at, ''))
            elif refused.check == 'held' and (not customer or refused.item.kind != slot_rules.ONLINE):
                expected.add((slot.starts_at, refused.item.kind))
        assert listed == expected, customer


def _inserts(connection, location_id: int, asked: dict, slot: slot_rules.Ask) -> bool:
    """Whether the write path's fast path inserts the booking (rolled back at once)."""
    values = {'location_id': location_id, 'customer_id': None, 'service_id': asked['service_id'],
              'staff_member_id': asked['staff_member_id'], 'starts_at': slot.starts_at, 'ends_at': slot.ends_at,
              'blocked_from': slot.kept_from, 'blocked_until': slot.reach, 'notes': '', 'status': 'booked',
              'channel': 'phone', 'price_cents': 0, 'booked_at': NOW, 'code': new_booking_code(), 'series_id': None}
    savepoint = connection.begin_nested()
    try:
        return connection.execute(slot_queries.INSERT_IF_FREE, {**values, **asked}).scalar_one_or_none() is not None
    finally:
        savepoint.rollback()


def _model(schedule: dict) -> StaffDay:
    """The staff member's day as the test drew it (independent of the loader)."""
    return StaffDay(1, 'JJ', shifts=list(schedule['shifts']) + list(schedule['extra']),
                    performs=schedule['skills'] != 'other',
                    bookings=[Busy(at(s), at(s + n), at(s + n + b), status.value, i + 1,
                                   blocked_from=at(s - p) if p else None)
                              for i, (s, n, b, status, p) in enumerate(schedule['bookings'])],
                    away=[Away(*_away_span(s, n, whole)) for s, n, whole in schedule['away']],
                    holds=[Held(at(s), at(s + n), NOW + (timedelta(minutes=5) if live else -timedelta(minutes=5)),
                                kind.value, holder, at(s - p) if p else None, at(s + n + b) if b else None)
                           for s, n, kind, holder, live, p, b in schedule['holds']])


def _away_span(start: int, minutes: int, whole: bool) -> tuple[datetime, datetime]:
    return (START, START + timedelta(days=1)) if whole else (at(start), at(start + minutes))


def _write(shop: dict, schedule: dict) -> Place:
    """Store the drawn schedule as the staff member's (replacing the last example's); returns the location's rules."""
    member, service, weekday = shop['member'], shop['service'], DAY.weekday()
    opening = [{'weekday': weekday, 'start_minute': a, 'end_minute': b} for a, b in schedule['opening'] or []]
    if schedule['opening'] is not None and not opening:
        opening = [{'weekday': (weekday + 1) % 7, 'start_minute': 0, 'end_minute': 1440}]  # set, but not that day
    closures = [{'start': DAY.isoformat(), 'end': DAY.isoformat(), 'reason': ''}] if schedule['closed'] else []
    with database.get_engine().begin() as connection:
        for table in (Booking, TimeOff, ExtraShift, WorkingHours, SlotHold, StaffService):
            connection.execute(delete(table).where(table.staff_member_id == member))
        connection.execute(update(Location).values(opening_hours=opening, closures=closures, slot_minutes=schedule[
            'grid'], buffer_minutes=schedule['location_buffer'], min_notice_minutes=60, horizon_days=30))
        connection.execute(update(Service).where(Service.id == service).values(
            duration_minutes=schedule['minutes'], buffer_minutes=schedule['service_buffer'],
            prep_minutes=schedule['prep']))
        for a, b in schedule['shifts']:
            connection.execute(insert(WorkingHours).values(staff_member_id=member, weekday=weekday, start_minute=a,
                                                           end_minute=b))
        for a, b in schedule['extra']:
            connection.execute(insert(ExtraShift).values(staff_member_id=member, day=DAY, start_minute=a,
                                                         end_minute=b))
        for s, n, whole in schedule['away']:
            starts_at, ends_at = _away_span(s, n, whole)
            connection.execute(insert(TimeOff).values(staff_member_id=member, starts_at=starts_at, ends_at=ends_at,
                                                      all_day=whole, reason=''))
        location_id = shop['location']
        for s, n, b, status, p in schedule['bookings']:
            connection.execute(insert(Booking).values(
                location_id=location_id, service_id=service, staff_member_id=member, starts_at=at(s),
                ends_at=at(s + n), blocked_until=at(s + n + b) if b else None, blocked_from=at(s - p) if p else None,
                status=status.value, channel='phone', price_cents=0, booked_at=NOW, code=new_booking_code(), notes=''))
        for s, n, kind, holder, live, p, b in schedule['holds']:
            connection.execute(insert(SlotHold).values(
                location_id=location_id, staff_member_id=member, starts_at=at(s), ends_at=at(s + n),
                blocked_from=at(s - p) if p else None, blocked_until=at(s + n + b) if b else None,
                held_until=NOW + (timedelta(minutes=5) if live else -timedelta(minutes=5)), holder=holder,
                kind=kind.value, ip='', visitor=''))
        if schedule['skills'] != 'none':
            skill = service if schedule['skills'] == 'this' else shop['other']
            connection.execute(insert(StaffService).values(staff_member_id=member, service_id=skill))
    return Place(time_zone=TZ, opening_hours=opening, closures=closures, slot_minutes=schedule['grid'],
                 buffer_minutes=schedule['location_buffer'], min_notice_minutes=60, horizon_days=30)
