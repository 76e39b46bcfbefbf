"""The shared analytics report stays while bookings are made for later days, and is computed again for anything
that may change its figures (services.analytics.reports.report)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app.models import BookingCreate, BookingMove, CustomerCreate
from app.services import clock
from app.services.analytics import reports
from app.services.catalogue import locations
from app.services.customers import records
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
    before = report()
    records.erase_customer(customer.id, actor=OWNER)  # a name it may show: erased, not shown from the cache
    assert report() is not before


def test_a_late_cancellation_after_the_period_whose_fee_falls_in_it_computes_the_report_again(sqlite_db):
    """The booking is after the report's last day, the fee its late cancellation charges is on that day: the fee's
    receipt has its own event, so the report is computed again with the fee in its revenue."""
    location = make_location()
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'deposit_percent': 0,
                                            'no_show_fee_percent': 50, 'cancellation_hours': 24}, actor=OWNER)
    member, customer = make_staff_member(location, start='00:00', end='23:59'), make_customer(location)
    service = make_service(location, price_cents=8000)
    last = clock.today(TZ) + timedelta(days=10)
    late = make_booking(location, member, service, customer,
                        datetime.combine(last + timedelta(days=1), time(1), tzinfo=clock.zone(TZ)))

    def report():
        return reports.report([location.id], last - timedelta(days=29), last, actor=OWNER, as_of=clock.now(),
                              time_zone=TZ)

    shown = report()
    assert shown.kpis['revenue_cents'] == 0
    bookings.cancel_booking(late.id, actor=OWNER, as_of=datetime.combine(last, time(23), tzinfo=clock.zone(TZ)))
    assert report().kpis['revenue_cents'] == 4000  # the fee, on the report's last day


def test_a_customer_added_or_booked_ahead_as_new_keeps_the_report_a_renamed_one_does_not(sqlite_db):
    """Most new customers are added with their first booking, for a later day: they are in no figure of the period,
    so the report stays; a customer of the period whose name changes is shown with the new name."""
    location = make_location()
    member, service, regular = make_staff_member(location), make_service(location), make_customer(location)
    last = clock.today(TZ) + timedelta(days=10)

    def report():
        return reports.report([location.id], last - timedelta(days=29), last, actor=OWNER, as_of=clock.now(),
                              time_zone=TZ)

    def at(day) -> datetime:
        return datetime.combine(day, time(10), tzinfo=clock.zone(TZ))

    make_booking(location, member, service, regular, at(last))
    shown = report()
    make_customer(location, 'Bea Otieno', '416-555-0102')  # added at the desk, not booked yet
    assert report() is shown
    bookings.create_booking(BookingCreate(location_id=location.id, staff_member_id=member.id, service_id=service.id,
                                          starts_at=at(last + timedelta(days=2))), actor=OWNER,
                            new_customer=CustomerCreate(location_id=location.id, name='Wanjiru Kamau'))
    assert report() is shown  # a new customer with a booking after the period: nothing of the period changed
    records.update_customer(regular.id, {'name': 'Alex Kimani', 'phone': regular.phone}, actor=OWNER)
    assert report() is not shown  # a name it may show: computed again
