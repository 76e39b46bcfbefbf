"""The dashboard's figures: revenue per local day (across a daylight-saving change), counts and rates."""

from __future__ import annotations

from datetime import date, timedelta

from app.models import BookingStatus, Receipt, ReceiptLine, Role
from app.services.database import session_scope
from app.services.frontdesk import bookings, dashboard
from tests.factories import actor, at, make_booking, make_customer, make_location, make_service, make_staff_member

DAY = date(2026, 11, 10)  # the window (12 Oct – 10 Nov) holds Toronto's change back from daylight saving (1 Nov)


def receipt(location, when, *amounts: int) -> None:
    with session_scope() as session:
        paid = Receipt(location_id=location.id, number=f'R{when:%m%d%H%M}{len(amounts)}', issued_at=when)
        session.add(paid)
        session.flush()
        for cents in amounts:
            session.add(ReceiptLine(receipt_id=paid.id, amount_cents=cents, description='x'))


def test_revenue_falls_on_the_local_day_of_each_receipt(sqlite_db):
    location = make_location(time_zone='America/Toronto')
    receipt(location, at(DAY, '00:05', 'America/Toronto'), 1000, 250)  # just after local midnight
    receipt(location, at(DAY - timedelta(days=1), '23:55', 'America/Toronto'), 700)  # just before it
    receipt(location, at(date(2026, 11, 1), '00:30', 'America/Toronto'), 300)  # the change-over day, EDT
    receipt(location, at(date(2026, 11, 1), '23:30', 'America/Toronto'), 400)  # the same day, EST
    receipt(location, at(date(2026, 10, 12), '09:00', 'America/Toronto'), 50)  # the window's first day
    receipt(location, at(date(2026, 10, 11), '23:59', 'America/Toronto'), 9999)  # the day before it: outside
    receipt(location, at(DAY + timedelta(days=1), '00:00', 'America/Toronto'), 8888)  # the day after: outside

    figures = dashboard.compute_summary(location.id, DAY)

    per_day = dict(figures.revenue_per_day)
    assert len(per_day) == dashboard.WINDOW_DAYS and min(per_day) == date(2026, 10, 12) and max(per_day) == DAY
    assert per_day[DAY] == 1250 and figures.revenue_today_cents == 1250
    assert per_day[DAY - timedelta(days=1)] == 700
    assert per_day[date(2026, 11, 1)] == 700
    assert per_day[date(2026, 10, 12)] == 50
    assert figures.revenue_30d_cents == 1250 + 700 + 700 + 50
    assert sum(1 for cents in per_day.values() if cents) == 4


def test_counts_and_rates(sqlite_db):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    owner = actor(Role.OWNER, location.id)
    made = [make_booking(location, member, service, customer, at(DAY - timedelta(days=d), hhmm))
            for d, hhmm in ((0, '10:00'), (0, '14:00'), (3, '10:00'), (5, '10:00'), (0, '16:00'))]
    bookings.set_status(made[2].id, BookingStatus.NO_SHOW, actor=owner)
    bookings.cancel_booking(made[3].id, actor=owner)
    bookings.cancel_booking(made[4].id, actor=owner)  # on the day itself: not counted as one of the day's

    figures = dashboard.summary(location.id, DAY, actor=owner)

    assert figures.bookings_today == 2
    assert figures.bookings_by_status[BookingStatus.NO_SHOW.value] == 1
    assert figures.no_show_rate_30d == 1 / 3 and figures.cancellation_rate_30d == 2 / 5


def test_bookings_leave_the_revenue_cached_and_a_receipt_refreshes_it(sqlite_db, monkeypatch):
    from app.services import events

    location = make_location()
    receipt(location, at(DAY, '11:00'), 500)
    assert dashboard.revenue_per_day(location.id, DAY, location.time_zone)[DAY] == 500
    reads = []
    original = dashboard._revenue_per_day
    monkeypatch.setattr(dashboard, '_revenue_per_day', lambda *args: reads.append(args) or original(*args))
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    make_booking(location, member, service, customer, at(DAY, '10:00'))  # a data event, not a takings one

    figures = dashboard.summary(location.id, DAY, actor=actor(Role.OWNER, location.id))
    assert figures.bookings_today == 1 and figures.revenue_today_cents == 500 and reads == []

    receipt(location, at(DAY, '12:00'), 250)
    events.publish(events.ReceiptCreated(receipt_id=0, location_id=location.id, day=DAY, amount_cents=250))
    figures = dashboard.summary(location.id, DAY, actor=actor(Role.OWNER, location.id))
    assert figures.revenue_today_cents == 750 and len(reads) == 1


def test_bookings_another_process_wrote_show_within_ten_seconds(sqlite_db, monkeypatch):
    from app.models import Booking
    from app.services import caching

    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    owner = actor(Role.OWNER, location.id)
    assert dashboard.summary(location.id, DAY, actor=owner).bookings_today == 0
    with session_scope() as session:  # as another process would: no event reaches this one
        session.add(Booking(location_id=location.id, service_id=service.id, staff_member_id=member.id,
                            customer_id=customer.id, starts_at=at(DAY, '10:00'), ends_at=at(DAY, '10:45')))
    assert dashboard.summary(location.id, DAY, actor=owner).bookings_today == 0  # cached
    now = caching.time.monotonic()
    monkeypatch.setattr(caching.time, 'monotonic', lambda: now + 11)
    assert dashboard.summary(location.id, DAY, actor=owner).bookings_today == 1


def test_upcoming_booked_value_counts_the_next_7_and_30_local_days(sqlite_db):
    location = make_location(time_zone='America/Toronto')
    member, customer = make_staff_member(location), make_customer(location)
    service = make_service(location)  # its price is each booking's
    owner = actor(Role.OWNER, location.id)

    def book(when):  # any hour of the night: the owner books outside working hours
        return make_booking(location, member, service, customer, when, override_hours=True)

    price = book(at(DAY + timedelta(days=1), '10:00', 'America/Toronto')).price_cents
    book(at(DAY + timedelta(days=7), '23:00', 'America/Toronto'))
    later = book(at(DAY + timedelta(days=8), '00:30', 'America/Toronto'))
    book(at(DAY + timedelta(days=30), '18:00', 'America/Toronto'))
    book(at(DAY + timedelta(days=31), '09:00', 'America/Toronto'))
    book(at(DAY, '16:00', 'America/Toronto'))  # today: not upcoming
    gone = book(at(DAY + timedelta(days=2), '10:00', 'America/Toronto'))
    bookings.cancel_booking(gone.id, actor=owner)

    figures = dashboard.compute_summary(location.id, DAY)

    assert price > 0 and later.price_cents == price
    assert figures.booked_value_next_7d_cents == 2 * price  # days 1 and 7 (until its local midnight)
    assert figures.booked_value_next_30d_cents == 4 * price  # and days 8 and 30; day 31 and the cancelled one out
