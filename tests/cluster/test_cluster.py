"""Several processes, one truth (issue 18): two app processes behind nginx on PostgreSQL and Redis
(``scripts/cluster.sh``), real Chromium browsers, and the live changes, sign-ins, jobs and bookings that must hold
across them."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from tests.cluster.conftest import DAY, browsers, wait_until

BLOCK = "{} Sam Lee · Women's cut"  # a booking's block in the day view, by its start


def book(page, at: str) -> None:
    """Book Sam Lee for a women's cut with JJ at ``at`` (HH:MM, a free time) through the booking dialog."""
    page.get_by_role('button', name='New booking').click()
    dialog = page.get_by_role('dialog')
    for label, choice in (('Customer', 'Sam Lee'), ('Service', "Women's cut"), ('Staff member', 'JJ')):
        dialog.get_by_label(label).click()
        page.get_by_role('option', name=choice).first.click()
    dialog.get_by_role('button', name=at).click()
    dialog.get_by_role('button', name='Book').click()
    page.get_by_text(BLOCK.format(at)).wait_for(timeout=10_000)  # its own process shows it


def test_a_booking_made_on_one_process_shows_on_the_other_within_a_second(chromium, cluster):
    with browsers(chromium, cluster, 1, 2) as (one, two):
        book(one, '15:00')
        booked_at = time.monotonic()
        two.get_by_text(BLOCK.format('15:00')).wait_for(timeout=1_000)  # the other process's day view
        arrived = time.monotonic() - booked_at
        two.get_by_text("New booking: Sam Lee — Women's cut").wait_for(timeout=1_000)  # its toast
        assert two.locator('.q-badge').inner_text() == '1'  # and its bell
        assert arrived < 1.0
        # the other way round, and a cancellation too
        two.get_by_text(BLOCK.format('15:00')).click()
        two.get_by_role('dialog').get_by_label('Reason').fill('Called to cancel')
        two.get_by_role('dialog').get_by_role('button', name='Cancel booking').click()
        two.get_by_role('dialog').get_by_role('button', name='Yes, cancel it').click()
        one.get_by_text(BLOCK.format('15:00')).wait_for(state='detached', timeout=1_000)
        # who is online spans the processes: the second browser's Activity page lists the first one's day view too
        two.goto(f'{cluster.url}/activity')
        pages = two.locator('.q-table').first.locator('tbody tr td:nth-child(3)')
        # until the second browser's day view has gone from the list, it is listed there as well as on Activity
        wait_until(lambda: sorted(pages.all_inner_texts()) == ['Activity', 'Bookings'], 10,
                   'both browsers listed as online, on the pages they are on')


def test_redis_away_for_ten_seconds_loses_no_booking_and_shows_none_twice(chromium, cluster):
    with browsers(chromium, cluster, 1, 2) as (one, two):
        cluster.run('redis-stop')
        stopped = time.monotonic()
        book(one, '15:00')  # each process goes on serving its own sessions
        book(two, '16:00')
        assert one.get_by_text(BLOCK.format('16:00')).count() == 0  # not yet: the stream is away
        time.sleep(max(0.0, 10 - (time.monotonic() - stopped)))
        cluster.run('redis-start')
        for page in (one, two):
            for at in ('15:00', '16:00'):
                page.get_by_text(BLOCK.format(at)).wait_for(timeout=15_000)
        time.sleep(2)  # anything sent twice would have arrived by now
        for page in (one, two):
            assert page.locator('[data-booking]').count() == 2
            assert page.get_by_text(BLOCK.format('15:00')).count() == 1
            assert page.get_by_text(BLOCK.format('16:00')).count() == 1
        # each part of each process that talks to Redis said once that it lost it and once that it is back, with no
        # traceback (NiceGUI's storage had logged one per browser's listener and per write: ~200 per process)
        parts = ("the bus's reader", "the bus's writer", "the sign-ins' storage (NiceGUI)")
        for node in (1, 2):
            wait_until(lambda node=node: all(f'{part} reaches Redis again' in cluster.log(node, tail=None)
                                             for part in parts), 30, f'process {node} logging Redis back')
            log = cluster.log(node, tail=None)
            assert [log.count(f'{part} lost Redis') for part in parts] == [1, 1, 1], log[-3000:]
            assert [log.count(f'{part} reaches Redis again') for part in parts] == [1, 1, 1], log[-3000:]
            assert 'Traceback' not in log and 'ERROR' not in log, log[-3000:]
        # each process's analytics columns were patched from the database's change log, the other's writes included
        for page in (one, two):
            page.goto(f'{cluster.url}/analytics?start={DAY}&end={DAY}')
            card = page.locator('[data-figure="kpi-bookings"]')  # the Bookings card's figure (figure_cards.js)
            card.wait_for(timeout=30_000)
            assert card.inner_text() == '2'


def test_a_browser_whose_process_dies_goes_on_with_the_other_still_signed_in(chromium, cluster):
    with browsers(chromium, cluster, 1, 2) as (one, two):
        served_by: list[str] = []
        one.on('response', lambda r: served_by.append(r.headers.get('x-clientpulse-upstream', ''))
               if r.request.resource_type == 'document' else None)
        cluster.run('node-kill', '1')
        book(two, '15:00')  # a change while the first browser has no process
        one.get_by_text(BLOCK.format('15:00')).wait_for(timeout=30_000)  # reconnected, reloaded: the current state
        assert '/login' not in one.url  # still signed in
        one.get_by_role('button', name='New booking').wait_for(timeout=5_000)
        assert served_by and cluster.node_of(served_by[-1]) == 2
        assert one.locator('[data-booking]').count() == 1


@pytest.fixture
def due_work(smtp, shop):
    """Before the processes start: a daily report due now (e-mailed to the owner), and a booking whose reminder is
    due now; returns the schedule's id."""
    from sqlmodel import update

    from app.models import CustomerCreate, Location, Message, ReportScheduleBase
    from app.services import clock
    from app.services.analytics import schedules
    from app.services.catalogue import catalog, staff
    from app.services.customers import customers
    from app.services.database import session_scope
    from tests.factories import OWNER, make_booking

    with session_scope(write=True) as session:  # no quiet hours, whatever the hour in Toronto when the test runs
        session.exec(update(Location).where(Location.id == shop.id).values(quiet_start_minute=0, quiet_end_minute=0))
    schedule = schedules.create_schedule(
        ReportScheduleBase(location_id=shop.id, frequency='daily', format='csv', recipients='owner@shop.test'),
        actor=OWNER, as_of=clock.now() - timedelta(days=2))
    robin = customers.create_customer(CustomerCreate(location_id=shop.id, name='Robin Park',
                                                     email='robin@example.com'), actor=OWNER)
    (jj,), (cut,) = staff.list_staff(shop.id, actor=OWNER), catalog.list_services(shop.id, actor=OWNER)
    starts = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=30)
    booking = make_booking(shop, jj, cut, robin, starts, override_hours=True)
    with session_scope(write=True) as session:  # its 24-hour reminder is due now (the confirmation already is)
        session.exec(update(Message).where(Message.booking_id == booking.id, Message.template == 'reminder',
                                           Message.dedupe_key.like('%:24h:%')).values(due_at=clock.now()))
    return schedule.id


@pytest.mark.cluster_env(CLIENTPULSE_SCHEDULER='true', CLIENTPULSE_MESSAGE_INTERVAL_SECONDS='1')
def test_a_report_and_a_reminder_due_while_both_processes_run_go_out_once(smtp, due_work, cluster):
    from sqlmodel import select

    from app.models import ReportRun
    from app.services.database import session_scope

    def subjects() -> list[str]:
        return [str(m['Subject']) for m in smtp.messages]

    wait_until(lambda: any('reminder' in s.lower() for s in subjects()), 30, 'the reminder sent')
    wait_until(lambda: any('report' in s.lower() for s in subjects()), 60, 'the report e-mailed')
    time.sleep(5)  # both schedulers have ticked again several times (messages every second)
    with session_scope() as session:
        runs = session.exec(select(ReportRun).where(ReportRun.schedule_id == due_work)).all()
    assert [r.outcome for r in runs] == ['success']
    sent = subjects()
    assert len([s for s in sent if 'report' in s.lower()]) == 1, sent
    assert len([s for s in sent if 'reminder' in s.lower()]) == 1, sent
    assert len(sent) == 3, sent  # the report, the confirmation and the reminder: nothing twice
    assert all(cluster.log(node).count('Traceback') == 0 for node in (1, 2))


ATTEMPTS = """
import json, sys, threading
from datetime import datetime
from app.config import get_settings
from app.models import BookingCreate, Role, UserRead
from app.services import events
from app.services.errors import SlotUnavailableError
from app.services.frontdesk import bookings
from app.services.redis_bus import RedisStreamBus

spec = json.loads(sys.argv[1])
bus = RedisStreamBus(get_settings().bus_url, local=events.get_bus(),  # as a served process: changes go to the stream
                     secret=get_settings().storage_secret_value())
events.set_bus(bus)
bus.start()
desk = UserRead(id=0, email='desk', role=Role.MANAGER, location_id=spec['location_id'], staff_member_id=None,
                active=True)
gate = threading.Barrier(spec['attempts'])
outcomes = []

def attempt():
    gate.wait(60)
    try:
        bookings.create_booking(BookingCreate(location_id=spec['location_id'], customer_id=spec['customer_id'],
                                              staff_member_id=spec['staff_member_id'], service_id=spec['service_id'],
                                              starts_at=datetime.fromisoformat(spec['starts_at'])), actor=desk)
        outcomes.append('booked')
    except SlotUnavailableError:
        outcomes.append('refused')
    except Exception as error:  # anything else is a failure of the test, named
        outcomes.append(type(error).__name__ + ': ' + str(error)[:200])

threads = [threading.Thread(target=attempt) for _ in range(spec['attempts'])]
for t in threads: t.start()
for t in threads: t.join()
bus.flush()
print(json.dumps({'booked': outcomes.count('booked'), 'refused': outcomes.count('refused'),
                  'other': sorted(set(o for o in outcomes if o not in ('booked', 'refused')))}))
"""


def test_two_hundred_attempts_at_one_slot_over_both_processes_make_one_booking(chromium, cluster):
    """200 attempts at JJ's 15:00, 100 from each of two processes with the cluster's settings (database and stream),
    all released at once: one booking, 199 refusals, and both browsers show the one booking."""
    import json
    import subprocess
    import sys

    from app.services.catalogue import catalog, staff
    from app.services.customers import customers
    from tests.factories import OWNER, at

    (jj,), (cut,) = staff.list_staff(cluster.location.id, actor=OWNER), catalog.list_services(cluster.location.id,
                                                                                            actor=OWNER)
    (sam,) = customers.search_customers(cluster.location.id, actor=OWNER)
    spec = {'location_id': cluster.location.id, 'customer_id': sam.id, 'staff_member_id': jj.id,
            'service_id': cut.id, 'starts_at': at(date.fromisoformat(DAY), '15:00').isoformat(), 'attempts': 100}
    env = {**cluster.env, 'CLIENTPULSE_BUS_URL': cluster.bus_url, 'CLIENTPULSE_STORAGE_SECRET': cluster.secret,
           'CLIENTPULSE_DATABASE_POOL_SIZE': '5', 'CLIENTPULSE_DATABASE_MAX_OVERFLOW': '5'}  # 100 threads share 10
    with browsers(chromium, cluster, 1, 2) as (one, two):
        outputs = [cluster.folder / f'attempts-{number}.log' for number in (1, 2)]  # files: a pipe can fill up
        workers = []
        for output in outputs:
            with output.open('w') as written:
                workers.append(subprocess.Popen([sys.executable, '-c', ATTEMPTS, json.dumps(spec)], env=env,
                                                stdout=written, stderr=subprocess.STDOUT))
        for worker, output in zip(workers, outputs, strict=True):
            assert worker.wait(timeout=180) == 0, output.read_text()
        outcomes = [json.loads(output.read_text().strip().splitlines()[-1]) for output in outputs]
        for page in (one, two):
            page.get_by_text(BLOCK.format('15:00')).wait_for(timeout=5_000)
        time.sleep(1)
        assert [page.locator('[data-booking]').count() for page in (one, two)] == [1, 1]
    assert [o['other'] for o in outcomes] == [[], []]
    assert sum(o['booked'] for o in outcomes) == 1
    assert sum(o['refused'] for o in outcomes) == 199
    from sqlmodel import func, select

    from app.models import Booking
    from app.services.database import session_scope
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Booking)).one() == 1
