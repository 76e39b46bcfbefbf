"""A day's booking list is patched with what changed, not read again in full (a busy day's change costs the same
as a quiet day's): the bookings that did not change stay the same objects, the changed ones are read afresh."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from app.models import BookingStatus
from app.services.database import get_engine
from app.services.frontdesk import bookings
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

DAY = date(2030, 3, 4)


def _day(location):
    return bookings.list_day(location.id, DAY, actor=OWNER, time_zone=location.time_zone)


def test_a_change_patches_the_days_list_and_keeps_the_unchanged_bookings(db):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    first = make_booking(location, member, service, customer, at(DAY, '10:00'))
    make_booking(location, member, service, customer, at(DAY, '11:00'))
    before = _day(location)
    assert _day(location) is before  # nothing changed: the same list, no query

    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(get_engine(), 'before_cursor_execute', listen)
    try:
        added = make_booking(location, member, service, customer, at(DAY, '09:00'))
        statements.clear()
        after = _day(location)
    finally:
        event.remove(get_engine(), 'before_cursor_execute', listen)
    assert [b.id for b in after] == [added.id, *[b.id for b in before]]
    assert all(a is b for a, b in zip(after[1:], before, strict=True))  # not read again
    read = [s for s in statements if 'FROM booking' in s]
    assert len(read) == 1 and ' IN (' in read[0]  # only the booking that changed

    bookings.cancel_booking(first.id, actor=OWNER)
    cancelled = _day(location)
    assert next(b for b in cancelled if b.id == first.id).status == BookingStatus.CANCELLED
    moved = bookings.move_booking(added.id, bookings.BookingMove(starts_at=at(date(2030, 3, 5), '09:00')),
                                  actor=OWNER)
    assert moved.id not in {b.id for b in _day(location)}  # moved to another day: out of this one


def test_a_bulk_write_reads_the_day_again(db):
    from app.services import events, revisions
    from app.services.database import session_scope

    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    make_booking(location, member, service, customer, at(DAY, '10:00'))
    before = _day(location)
    with session_scope(write=True) as session:
        revisions.record(session.connection(), location.id, reload=True)  # an import: "re-read everything"
    events.publish(events.DataImported(location_id=location.id))
    after = _day(location)
    assert [b.id for b in after] == [b.id for b in before] and after[0] is not before[0]
