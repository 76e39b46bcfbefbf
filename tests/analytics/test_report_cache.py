"""The shared analytics report stays while bookings are made for later days, and is computed again for anything
that may change its figures (services.analytics.reports.report)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app.models import BookingMove
from app.services import clock
from app.services.analytics import reports
from app.services.frontdesk import bookings
from tests.factories import OWNER, TZ, make_booking, make_customer, make_location, make_service, make_staff_member


def test_the_report_stays_for_bookings_after_its_days_and_is_computed_again_for_its_own(sqlite_db):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    today = clock.today(TZ)
    first, last = today + timedelta(days=30), today + timedelta(days=59)

    def report():
        return reports.report([location.id], first, last, actor=OWNER, as_of=clock.now(), time_zone=TZ)

    def at(day) -> datetime:
        return datetime.combine(day, time(10), tzinfo=clock.zone(TZ))

    shown = report()
    assert shown.kpis['bookings'] == 0
    later = make_booking(location, member, service, customer, at(last + timedelta(days=1)))  # the day after
    assert report() is shown
    bookings.move_booking(later.id, BookingMove(starts_at=at(last + timedelta(days=9))), actor=OWNER)
    bookings.cancel_booking(later.id, actor=OWNER)
    assert report() is shown  # moved and cancelled between later days: nothing of the period changed

    inside = make_booking(location, member, service, customer, at(last))  # its last day
    again = report()
    assert again is not shown and again.kpis['bookings'] == 1
    bookings.move_booking(inside.id, BookingMove(starts_at=at(last + timedelta(days=3))), actor=OWNER)
    assert report().kpis['bookings'] == 0  # moved out of the period

    before = report()
    make_staff_member(location, 'Sam')  # more working hours: utilisation changes
    assert report() is not before
