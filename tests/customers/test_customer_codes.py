"""New customers' codes under concurrency: fifty desks adding the same name at the same moment each get a customer and
a code of their own (PostgreSQL gave two of them the unique constraint's error, an HTTP 500), and adding one reads the
codes of its name's stem only, not every code of the location."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from sqlalchemy import event
from sqlmodel import select

from app.models import BookingCreate, Channel, Customer, CustomerCreate, Role
from app.services.customers import customers
from app.services.database import get_engine, session_scope
from app.services.frontdesk import bookings
from tests.factories import actor, at, make_location, make_service, make_staff_member

DAY = date(2031, 3, 4)
PEOPLE = 50


def test_fifty_new_customers_with_one_name_at_once_each_get_their_own_code(db):
    """Half through ``create_customer`` (the Customers page, the kiosk), half through the booking dialog's new
    customer (``create_booking(new_customer=…)``), all released by one barrier, each in its own transaction."""
    location = make_location()
    staff = [make_staff_member(location, f'Stylist {n}') for n in range(5)]
    cut = make_service(location, minutes=30)
    desk = actor(Role.STAFF, location.id)
    start = threading.Barrier(PEOPLE)

    def add(number: int):
        details = CustomerCreate(location_id=location.id, name='Alex Kim', phone=f'416-555-{2000 + number}')
        start.wait(timeout=60)
        if number % 2:
            return customers.create_customer(details, actor=desk).code
        member, slot = staff[number % 5], number // 10  # 25 bookings: 5 staff members × 5 times
        booking = bookings.create_booking(BookingCreate(
            location_id=location.id, customer_id=None, service_id=cut.id, staff_member_id=member.id,
            starts_at=at(DAY, '10:00') + timedelta(minutes=30 * slot), channel=Channel.PHONE),
            actor=desk, new_customer=details)
        return booking.customer_id

    def attempt(number: int):
        try:
            return add(number)
        except Exception as error:  # collected: every thread's outcome is reported, not only the first failure
            return error

    with ThreadPoolExecutor(PEOPLE) as pool:
        outcomes = list(pool.map(attempt, range(PEOPLE)))
    errors = [repr(o) for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors
    with session_scope() as session:
        codes = session.exec(select(Customer.code).where(Customer.location_id == location.id)).all()
    assert sorted(codes) == [f'KIMA{n:02d}' for n in range(1, PEOPLE + 1)]


def test_a_new_customer_reads_the_codes_of_its_stem_not_every_code(db):
    """Every statement run to add Alex Kim at a location of 300 customers is run again and its rows counted: the
    codes KIMA01 and KIMA02 and the location's country, not 300 codes."""
    location = make_location()
    with session_scope(write=True) as session:
        session.add_all([Customer(location_id=location.id, code=f'ZZ{n:04d}', name=f'Other {n}') for n in range(300)]
                        + [Customer(location_id=location.id, code=code, name='Alex Kim') for code in ('KIMA01',
                                                                                                   'KIMA02')])
    seen: list[tuple[str, object]] = []

    def record(_connection, _cursor, statement, parameters, _context, _executemany) -> None:
        seen.append((statement, parameters))

    engine = get_engine()
    event.listen(engine, 'before_cursor_execute', record)
    try:
        added = customers.create_customer(CustomerCreate(location_id=location.id, name='Alex Kim'),
                                          actor=actor(Role.STAFF, location.id))
    finally:
        event.remove(engine, 'before_cursor_execute', record)
    assert added.code == 'KIMA03'
    rows = 0
    with engine.connect() as connection:
        for statement, parameters in seen:
            if statement.lstrip().upper().startswith('SELECT'):
                rows += len(connection.exec_driver_sql(statement, parameters).all())
        connection.rollback()
    assert 0 < rows <= 5, [statement for statement, _ in seen]
