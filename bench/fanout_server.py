"""The server side of ``bench/fanout.py``: the app (or a bare NiceGUI page) plus two bench-only routes.

    python bench/fanout_server.py app|bare PORT

``app``: ClientPulse as ``clientpulse run`` starts it, on the database of the environment
(``CLIENTPULSE_DATA_DIR``), plus
- ``GET /bench/sign-in?email=…&password=…``: signs this browser in (the real password check), so a
  browserless session can open pages;
- ``GET /bench/plan?day_size=N``: the day the bench books on (the location's day with most free times) and how
  many free times it has; with ``day_size``, that day is first filled up to N bookings with bench staff members
  (15-minute bookings back to back from 06:00, written in one transaction: a big salon's busy day that exists
  before the sessions open; the demo's own staff keep their free times for the measured bookings); then the
  location's no-show model is trained, as a shop's server has long done before its day's bookings;
- ``POST /bench/book``: books the next free time of that day for a new customer through the booking
  service (as the owner, in a worker thread, like the booking dialog) and returns the customer's name
  and the moment the change was published (``time.time()``, i.e. just after the commit);
- ``GET /bench/stats``: SQL statements executed so far.

``bare``: one page with one label bound to a value, and ``POST /bench/book`` that changes it; with ``BENCH_BUS_URL``
(a Redis URL), the change also reaches every other bare process on that Redis (:func:`_relay`).
None of this is part of the app: it lives here, in the benchmark.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nicegui import app, binding, run, ui  # noqa: E402


def serve_bare(port: int) -> None:
    @binding.bindable_dataclass
    @dataclass
    class State:
        text: str = 'nothing yet'

    state = State()

    @ui.page('/')
    def page() -> None:
        ui.label().bind_text_from(state, 'text')

    relay = _relay(state) if os.environ.get('BENCH_BUS_URL') else None

    @app.post('/bench/book')
    def book(n: int = 0) -> dict:
        name = f'Bench customer {n:04d}'
        state.text = name
        stamp = time.time()
        if relay is not None:
            relay.put(name)
        return {'name': name, 'stamp': stamp}

    ui.run(host='127.0.0.1', port=port, reload=False, show=False, show_welcome_message=False,
           reconnect_timeout=30)


def _relay(state):
    """Two or more bare pages as one (``BENCH_BUS_URL``): each change set here is also appended to a Redis stream by a
    writer thread (``XADD``), and a reader thread follows the stream (``XREAD BLOCK``) and sets every other process's
    change here, on the event loop — the app's bus across processes (``app/services/redis_bus.py``) without its
    events, signatures or gap checks: what the machine's cores, Redis and NiceGUI cost two processes on their own.
    Returns the writer's queue."""
    import asyncio
    import queue
    import uuid

    import redis

    me, stream, outgoing = uuid.uuid4().hex, 'bench:bare', queue.SimpleQueue()

    def write() -> None:
        client = redis.Redis.from_url(os.environ['BENCH_BUS_URL'])
        while True:
            client.xadd(stream, {'name': outgoing.get(), 'from': me}, maxlen=10_000, approximate=True)

    def read(loop: asyncio.AbstractEventLoop) -> None:
        client, last = redis.Redis.from_url(os.environ['BENCH_BUS_URL'], decode_responses=True), '0-0'
        while True:
            for _stream, entries in client.xread({stream: last}, count=500, block=1000) or []:
                for entry_id, fields in entries:
                    last = entry_id
                    if fields['from'] != me:
                        loop.call_soon_threadsafe(setattr, state, 'text', fields['name'])

    @app.on_startup
    def start() -> None:
        threading.Thread(target=write, daemon=True).start()
        threading.Thread(target=read, args=(asyncio.get_running_loop(),), daemon=True).start()

    return outgoing


def serve_app(port: int) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from app import server
    from app.models import Customer, CustomerCreate
    from app.models.booking import BookingCreate
    from app.pages.signed_in import sign_in
    from app.services import clock, events
    from app.services.accounts import users
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.analytics import noshow
    from app.services.catalogue import catalog, locations, staff
    from app.services.customers import customers
    from app.services.frontdesk import availability, bookings

    statements = {'count': 0}

    @event.listens_for(Engine, 'before_cursor_execute')
    def count(*_args) -> None:
        statements['count'] += 1

    published: dict[int, float] = {}
    events.subscribe(lambda e: published.__setitem__(e.booking_id, time.time())
                     if isinstance(e, events.BookingChanged) else None)
    plan: dict = {}
    lock = threading.Lock()

    def fill_day(location, service, day, size: int) -> int:
        """Add bench staff members and bookings until ``day`` holds ``size`` bookings; return how many it holds."""
        from sqlmodel import func, select

        from app.models import Booking, StaffMemberCreate, WorkingHoursBase
        from app.services import revisions
        from app.services.database import session_scope

        start, end = clock.day_bounds(day, location.time_zone)
        with session_scope() as session:
            held = session.exec(select(func.count()).select_from(Booking).where(
                Booking.location_id == location.id, Booking.starts_at >= start, Booking.starts_at < end)).one()
            customer_ids = session.exec(select(Customer.id).where(Customer.location_id == location.id)).all()
        per_member = (22 - 6) * 4  # 15-minute bookings from 06:00 to 22:00
        shifts = [WorkingHoursBase(weekday=day.weekday(), start_minute=6 * 60, end_minute=22 * 60)]
        number = 0
        while held < size:
            number += 1
            member = staff.create_staff_member(StaffMemberCreate(
                location_id=location.id, name=f'Bench staff {number:03d}', working_hours=shifts), actor=SYSTEM_ACTOR)
            first = clock.local_datetime(day, 6 * 60, location.time_zone)
            with session_scope(write=True) as session:
                for k in range(min(per_member, size - held)):
                    starts = first + timedelta(minutes=15 * k)
                    session.add(Booking(location_id=location.id, staff_member_id=member.id, service_id=service.id,
                                        customer_id=customer_ids[(held + k) % len(customer_ids)],
                                        starts_at=starts, ends_at=starts + timedelta(minutes=15),
                                        price_cents=service.price_cents, status='booked', channel='phone'))
                held += min(per_member, size - held)
                session.flush()
                revisions.record(session.connection(), location.id, reload=True)
        events.publish(events.DataImported(location_id=location.id, summary=f'bench: {held} bookings on {day}'))
        return held

    def make_plan() -> dict:
        location = locations.list_locations(actor=SYSTEM_ACTOR)[0]
        service = min((s for s in catalog.list_services(location.id, actor=SYSTEM_ACTOR) if s.duration_minutes),
                      key=lambda s: s.duration_minutes)
        today = clock.today(location.time_zone)
        best: tuple[int, object, list] = (-1, today, [])
        for offset in range(7):
            day = today + timedelta(days=offset)
            slots = [slot for member in staff.list_staff(location.id, actor=SYSTEM_ACTOR)
                     for slot in availability.free_slots(location.id, service.id, day, actor=SYSTEM_ACTOR,
                                                         staff_member_id=member.id)]
            # free starts on a 15-minute grid overlap each other: keep every start a service apart
            spaced, last_end = [], {}
            for slot in sorted(slots, key=lambda s: (s.staff_member_id, s.starts_at)):
                if slot.starts_at >= last_end.get(slot.staff_member_id, slot.starts_at):
                    spaced.append(slot)
                    last_end[slot.staff_member_id] = slot.starts_at + timedelta(minutes=service.duration_minutes)
            if len(spaced) > best[0]:
                best = (len(spaced), day, spaced)
        return {'owner': users.desktop_owner(), 'location': location, 'service': service, 'day': best[1],
                'slots': best[2], 'held': None}

    @app.get('/bench/sign-in')
    def bench_sign_in(email: str, password: str) -> dict:
        user = users.authenticate(email, password)
        sign_in(user)
        return {'user_id': user.id}

    @app.get('/bench/plan')
    async def bench_plan(day_size: int = 0) -> dict:
        if not plan:
            plan.update(await run.io_bound(make_plan))
            if day_size:
                plan['held'] = await run.io_bound(fill_day, plan['location'], plan['service'], plan['day'], day_size)
            # the no-show model a shop's server trained long before (at its first day view, then nightly): trained
            # here, before the sessions open, so its one-off seconds (1.8 s for the demo with a 1,500-booking day)
            # are not counted as the bookings' CPU
            await run.io_bound(noshow.train, plan['location'].id)
        return {'day': plan['day'].isoformat(), 'free': len(plan['slots']), 'held': plan['held']}

    def create(n: int) -> tuple[str, int]:
        with lock:
            slot = plan['slots'].pop(0)
        location, service = plan['location'], plan['service']
        name = f'Bench customer {n:04d}'
        customer = customers.create_customer(CustomerCreate(location_id=location.id, name=name), actor=SYSTEM_ACTOR)
        booking = bookings.create_booking(BookingCreate(
            location_id=location.id, service_id=service.id, staff_member_id=slot.staff_member_id,
            customer_id=customer.id, starts_at=slot.starts_at), actor=plan['owner'])
        return name, booking.id

    @app.post('/bench/book')
    async def bench_book(n: int = 0) -> dict:
        name, booking_id = await run.io_bound(create, n)
        return {'name': name, 'stamp': published[booking_id]}

    collections: list[float] = []  # the garbage collector's full (generation 2) passes, in seconds
    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if info['generation'] == 2:
            if phase == 'start':
                gc_started[0] = time.perf_counter()
            else:
                collections.append(time.perf_counter() - gc_started[0])

    gc.callbacks.append(on_gc)

    slow_handlers: list[tuple[str, float]] = []  # page updates of one session taking over 10 ms
    handler_times: dict[str, list[float]] = {}  # every page update's seconds, by handler

    def timed(owner, name: str) -> None:
        """Time every call of ``owner.name`` (a class's method or a module's function)."""
        original = getattr(owner, name)
        label = f'{owner.__name__.rsplit(".", 1)[-1]}.{name}'

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                handler_times.setdefault(label, []).append(took)
                if took > 0.01:
                    slow_handlers.append((label, round(took, 3)))
        setattr(owner, name, wrapper)

    from app.live import rooms
    from app.pages import bell
    from app.pages.frontdesk import bookings as bookings_page

    handler_runs: list[tuple[float, float]] = []  # per booking: seconds from the commit until the loop took the
    # change up, and seconds the rooms and the sessions' handlers then took (nothing is sent before they are done)
    if os.environ.get('BENCH_VERBOSE'):  # these checks cost time themselves: only asked for with --verbose
        from app.live import bus
        original_emit = bus._emit

        def emit(event) -> None:  # the rooms' messages built, the sessions' followers and handlers, back to back
            started, waited = time.perf_counter(), time.time() - published.get(getattr(event, 'booking_id', -1), 0)
            original_emit(event)
            if isinstance(event, events.BookingChanged):
                handler_runs.append((round(waited, 4), round(time.perf_counter() - started, 4)))
        bus._emit = emit
        timed(rooms, '_changed_parts')  # a view's parts, built once per view and day
        timed(bookings_page._BookingsView, 'absorb')  # a day view session following its room
        timed(bell.Bell, 'absorb')

    @app.get('/bench/stats')
    def bench_stats() -> dict:
        return {'statements': statements['count'], 'full_gc_seconds': list(collections),
                'slow_handlers': slow_handlers[-20:],
                'handler_runs': handler_runs[-15:],
                'handler_median_ms': {k: round(sorted(v)[len(v) // 2] * 1000, 3) for k, v in handler_times.items()}}

    if os.environ.get('BENCH_PROFILE'):  # cProfile of the event loop's thread while booking, written at shutdown
        import cProfile
        profile = cProfile.Profile()
        app.on_shutdown(lambda: profile.dump_stats(os.environ['BENCH_PROFILE']))

        @app.post('/bench/profile')
        async def bench_profile(on: bool) -> dict:  # async: runs on the event loop, the thread profiled
            """Profile only while bookings are made (``fanout.py`` turns it on and off around them)."""
            profile.enable() if on else profile.disable()
            return {'on': on}
    server.run(host='127.0.0.1', port=port)


if __name__ in {'__main__', '__mp_main__'}:
    kind, port = sys.argv[1], int(sys.argv[2])
    serve_bare(port) if kind == 'bare' else serve_app(port)
