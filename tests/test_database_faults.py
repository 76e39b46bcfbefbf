"""A database that cannot be written (a full disk, a read-only file or server) while the app runs: every refused write
says "Nothing was saved …" as a :class:`DatabaseNotWritableError` the pages show (not the driver's error), the outage
rings the bell once, not once per refused write, ``/healthz`` reports it, and it ends when a trial write works again.
The database is made read-only under the running app: SQLite by ``PRAGMA query_only`` on each of the app's
connections (a read-only bind: the tests run as root, where chmod stops no write), PostgreSQL by
``default_transaction_read_only`` on the database (as on a standby)."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import date

import pytest
from sqlalchemy import create_engine, event, func, text
from sqlmodel import select

from app.models import BookingCreate, Channel, Customer, CustomerCreate, Role
from app.services import database, events, health, i18n, notifications
from app.services.customers import customers
from app.services.errors import DatabaseNotWritableError
from app.services.frontdesk import bookings
from tests.conftest import DEFAULT_POSTGRES_URL
from tests.factories import actor, at, make_location, make_service, make_staff_member

NOTHING_SAVED = "Nothing was saved: the shop's database cannot be written (disk full or read-only)."


@pytest.fixture
def outage_forgotten():
    """This process's outage and held notice are its memory: forgotten after the test, whatever it left."""
    yield
    import threading

    database._outage = database._Outage(threading.Lock())
    notifications._held.notices = {}


@pytest.fixture
def read_only(db, outage_forgotten):
    """A function that makes the test's database refuse writes from now on, and a second that lifts it."""
    engine = database.get_engine()
    postgres = engine.dialect.name == 'postgresql'
    admin = create_engine(os.environ.get('CLIENTPULSE_TEST_POSTGRES_URL', DEFAULT_POSTGRES_URL),
                          isolation_level='AUTOCOMMIT') if postgres else None
    name = engine.url.database

    def query_only(connection, _record) -> None:
        connection.execute('PRAGMA query_only = ON')

    def lock() -> None:
        if postgres:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE {name} SET default_transaction_read_only = on'))
        else:
            event.listen(engine, 'connect', query_only)
        engine.dispose()  # the pool's connections are opened again, read-only

    def unlock() -> None:
        if postgres:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE {name} RESET default_transaction_read_only'))
        elif event.contains(engine, 'connect', query_only):
            event.remove(engine, 'connect', query_only)
        engine.dispose()

    yield lock, unlock
    unlock()
    if admin is not None:
        admin.dispose()


def test_a_database_that_cannot_be_written_says_nothing_was_saved_and_rings_the_bell_once(read_only, monkeypatch):
    lock, unlock = read_only
    location = make_location()
    member, cut = make_staff_member(location, 'JJ'), make_service(location)
    desk = actor(Role.STAFF, location.id)
    heard: list = []
    events.subscribe(heard.append)
    try:
        lock()
        for name in ('Pat Doe', 'Sam Roe'):  # the ORM's unit of work (session_scope)
            with pytest.raises(DatabaseNotWritableError) as refused:
                customers.create_customer(CustomerCreate(location_id=location.id, name=name), actor=desk)
            assert str(refused.value) == NOTHING_SAVED
        with pytest.raises(DatabaseNotWritableError, match=r'^Nothing was saved'):  # Core (write_connection)
            bookings.create_booking(BookingCreate(
                location_id=location.id, customer_id=None, service_id=cut.id, staff_member_id=member.id,
                starts_at=at(date(2031, 3, 4), '10:00'), channel=Channel.WALK_IN), actor=desk)
        outages = [e for e in heard if isinstance(e, events.DatabaseOutage)]
        assert [e.change for e in outages] == ['started']  # one outage, one ring: not one per refused write
        assert events.from_dict(json.loads(json.dumps(events.to_dict(outages[0])))) == outages[0]  # crosses the bus
        (notice,) = notifications.held()
        assert notice.id == outages[0].notification_id < 0 and i18n.shown(notice.text) == database.OUTAGE_NOTICE
        assert notifications.reaches(notice.id, Role.STAFF, location.id)
        assert not notifications.reaches(notice.id, Role.KIOSK, location.id)
        assert notifications.unread_count(desk) == 1
        assert [i18n.shown(n.text) for n in notifications.visible(desk)] == [database.OUTAGE_NOTICE]
        healthy, body = asyncio.run(health.report())
        assert not healthy and body['status'] == 'unhealthy' and body['writable'] is False
        assert body['database'] == 'ok'  # it still reads
        assert body['problems'][0].startswith('the database cannot be written (read-only) since ')

        monkeypatch.setattr(database, 'RECHECK_SECONDS', 0.0)
        assert not database.recheck_writable()  # still read-only: the outage goes on, no second ring
        unlock()
        assert database.recheck_writable()  # a trial write works: the outage is over
        assert [e.change for e in heard if isinstance(e, events.DatabaseOutage)] == ['started', 'ended']
        assert notifications.held() == [] and notifications.unread_count(desk) == 0
        healthy, body = asyncio.run(health.report())
        assert healthy and body['writable'] is True and body['problems'] == []
    finally:
        events.unsubscribe(heard.append)
    with database.session_scope() as session:  # nothing of the refused actions was saved
        assert session.exec(select(func.count()).select_from(Customer)).one() == 0
    assert customers.create_customer(CustomerCreate(location_id=location.id, name='Pat Doe'), actor=desk).code


def test_other_database_errors_are_not_taken_for_an_outage(db, outage_forgotten):
    """A constraint the database enforces is the caller's error, not "cannot be written"."""
    from sqlalchemy.exc import IntegrityError

    location = make_location()
    with pytest.raises(IntegrityError), database.session_scope(write=True) as session:
        session.add_all([Customer(location_id=location.id, code='SAME01', name='One'),
                         Customer(location_id=location.id, code='SAME01', name='Two')])
    assert database.write_outage() is None and notifications.held() == []
