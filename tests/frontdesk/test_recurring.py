"""Recurring bookings on both databases: the same local time every N weeks (across daylight saving time), a
conflict listed with free times near it, skipped or moved before booking, the series booked in one transaction,
and an occurrence cancelled or moved with all that follow it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.models import BookingCreate, BookingMove, BookingStatus
from app.services.errors import ValidationError
from app.services.frontdesk import bookings, recurring
from tests.factories import OWNER, TZ, at, make_booking, make_customer, make_location, make_service, make_staff_member

MONDAY = date(2030, 3, 4)  # daylight saving time starts in Toronto on Sunday 10 March 2030


@pytest.fixture
def shop(db):
    location = make_location()
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'cut': make_service(location),
            'alex': make_customer(location), 'sam': make_customer(location, 'Sam Lee', '416-555-0102')}


def _data(shop, hhmm='10:00'):
    return BookingCreate(location_id=shop['location'].id, customer_id=shop['alex'].id, service_id=shop['cut'].id,
                         staff_member_id=shop['jj'].id, starts_at=at(MONDAY, hhmm))


def _week(n: int) -> date:
    return MONDAY + timedelta(weeks=n)


def test_the_same_local_time_every_n_weeks_across_daylight_saving_time():
    weekly = recurring.starts(at(MONDAY, '10:00'), TZ, every_weeks=1, count=3)
    assert weekly == [at(MONDAY, '10:00'), at(_week(1), '10:00'), at(_week(2), '10:00')]
    assert weekly[1] - weekly[0] == timedelta(days=7, hours=-1)  # the clocks went forward
    assert len(recurring.starts(at(MONDAY, '10:00'), TZ, every_weeks=2, until=_week(8))) == 5  # 0, 2, 4, 6, 8
    for bad in ({'every_weeks': 0, 'count': 3}, {'every_weeks': 1}, {'every_weeks': 1, 'count': 2, 'until': MONDAY},
                {'every_weeks': 1, 'count': 53}, {'every_weeks': 1, 'until': MONDAY - timedelta(days=1)}):
        with pytest.raises(ValidationError):
            recurring.starts(at(MONDAY, '10:00'), TZ, **bad)


def test_a_conflict_is_listed_then_skipped_or_moved_and_the_series_booked(shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(_week(2), '10:00'))
    planned = recurring.plan(_data(shop), every_weeks=1, count=4, actor=OWNER)
    assert [o.free for o in planned] == [True, True, False, True]
    assert planned[2].alternatives == (at(_week(2), '09:00'), at(_week(2), '09:15'), at(_week(2), '10:45'),
                                       at(_week(2), '11:00'))  # the nearest free starts: Sam has 10:00–10:45
    made = recurring.book(_data(shop), every_weeks=1, count=4, actor=OWNER, choices={2: at(_week(2), '10:45')})
    assert [b.starts_at for b in made] == [at(MONDAY, '10:00'), at(_week(1), '10:00'), at(_week(2), '10:45'),
                                           at(_week(3), '10:00')]
    assert len({b.series_id for b in made}) == 1 and made[0].series_id is not None
    skipped = recurring.book(_data(shop, '15:00'), every_weeks=2, count=3, actor=OWNER, choices={1: None})
    assert [b.starts_at for b in skipped] == [at(MONDAY, '15:00'), at(_week(4), '15:00')]


def test_an_unresolved_conflict_books_nothing(shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(_week(1), '10:00'))
    with pytest.raises(ValidationError, match=r'Booking 2 of the series \(Mon 11 Mar 10:00\).*Nothing was booked'):
        recurring.book(_data(shop), every_weeks=1, count=3, actor=OWNER)
    day = bookings.list_day(shop['location'].id, MONDAY, actor=OWNER, time_zone=TZ)
    assert day == []


def test_cancel_or_move_one_occurrence_and_all_that_follow(shop):
    made = recurring.book(_data(shop), every_weeks=1, count=4, actor=OWNER)
    moved = recurring.move_following(made[1].id, BookingMove(starts_at=at(_week(1), '14:00')), actor=OWNER)
    assert [b.starts_at for b in moved] == [at(_week(n), '14:00') for n in (1, 2, 3)]
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(_week(3), '16:00'))
    with pytest.raises(ValidationError, match='Nothing was moved'):
        recurring.move_following(made[1].id, BookingMove(starts_at=at(_week(1), '16:00')), actor=OWNER)
    assert bookings.get_booking(made[2].id, actor=OWNER).starts_at == at(_week(2), '14:00')  # none moved
    cancelled = recurring.cancel_following(made[2].id, actor=OWNER)
    assert [b.id for b in cancelled] == [made[2].id, made[3].id]
    statuses = [bookings.get_booking(b.id, actor=OWNER).status for b in made]
    assert statuses == [BookingStatus.BOOKED, BookingStatus.BOOKED, BookingStatus.CANCELLED, BookingStatus.CANCELLED]
    single = make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(_week(5), '10:00'))
    with pytest.raises(ValidationError, match='not part of a series'):
        recurring.cancel_following(single.id, actor=OWNER)
