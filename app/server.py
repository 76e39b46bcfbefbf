"""Starting the web app: check the database can be written and is not newer than this code, migrate, register the
pages, hand over to NiceGUI, and say where it is once it listens."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import NoReturn, TypeVar

from nicegui import app, background_tasks, helpers, ui

from app import live, pages
from app.config import bundled_path, get_settings
from app.live import collector, take_over
from app.pages import accessibility, errors, language, upload_limit
from app.services import database, events, files, frontdesk, health, notifications, redis_bus
from app.services.accounts import native_login, network
from app.services.accounts import setup as first_run
from app.services.analytics import store as analytics_store
from app.services.catalogue import locations
from app.services.errors import ClientPulseError, DatabaseNotWritableError
from app.services.i18n import for_terminal as _
from app.services.messaging import outbox

log = logging.getLogger(__name__)
T = TypeVar('T')
LISTENING = (frontdesk, notifications, outbox)
"""Services that hear changes from anywhere (the waitlist's offers, the bell, a customer's messages replanned when
their contact changes): imported with the server, so they listen whichever page is first opened (a page's module is
imported when it is first opened: :mod:`app.pages.table`)."""


def setup() -> None:
    """Migrate the database and register every page (NiceGUI's test harness calls this per test).

    NiceGUI keeps each browser's storage in files: they go into ``<data dir>/nicegui`` (private), not
    into whatever folder the app was started from.
    """
    live.storage_folder(files.private_folder(get_settings().data_dir / 'nicegui'))
    database.migrate()
    first_run.forget()  # a setup link is drawn afresh by each process that serves
    pages.register()
    errors.install()
    upload_limit.install(app)
    language.install()
    accessibility.install()
    app.add_static_files('/assets', bundled_path('assets'))


def run(*, host: str | None = None, port: int | None = None, native: bool = False,
        announce: list[str] | None = None) -> None:
    """Serve the app (blocking). ``native`` also opens the owner's desktop window (pywebview).

    Once the server listens (not before), prints where to open it (``announce``: these lines instead of its
    addresses) and, on a fresh install, the setup link. A database that cannot be written, or that a newer
    ClientPulse migrated, stops the start with a plain message and exit status 1 (:func:`refuse_to_start`).
    """
    files.restrict_new_files()
    settings = get_settings()
    try:
        database.check_writable()  # before anything is written: a read-only or full disk is refused now
        database.refuse_newer()
        connect_bus()
        setup()
    except ClientPulseError as error:
        refuse_to_start(error)
    if settings.scheduler:
        start_scheduler()
    # the analytics columns patched since the last full read are saved for the next start
    app.on_shutdown(lambda: analytics_store.store().save())
    # what start-up made (modules, the app) lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise pause every open tab (measured by bench/fanout.py)
    app.on_startup(gc.freeze)
    # full collections run in quiet moments, not while a change goes out to every tab (collector)
    app.on_startup(take_over)
    app.on_startup(lambda: background_tasks.create(collector.run(), name='quiet garbage collection'))
    app.on_startup(lambda: background_tasks.create(health.watch.run(), name='loop lag watch'))  # for /healthz
    port = port or settings.port
    host = host or settings.host
    network.serving_on(port)  # the Settings page shows staff the address with the port actually served
    link = first_run.setup_path()  # a fresh install: only this link sets it up (and opens the owner's window)
    lines = [*(announce or [_('ClientPulse on {url}').format(url=url) for url in addresses(host, port)]),
             *([setup_line(host, port, link)] if link is not None else [])]
    announce_when_ready(lines, host, port)
    if native:  # the window is this machine's owner: it starts signed in, through a one-time token
        app.native.window_args['url'] = (f'http://127.0.0.1:{port}{link}' if link is not None else
                                         f'http://127.0.0.1:{port}/native-login?token={native_login.issue_token()}')
        app.native.window_args['min_size'] = (1024, 700)
    ui.run(
        title=settings.title, host=host, port=port, native=native,
        window_size=(1400, 900) if native else None,  # a window size alone would open a window
        storage_secret=settings.storage_secret_value(), reconnect_timeout=settings.reconnect_timeout,
        reload=False, show=False, favicon=bundled_path('assets') / 'logo.svg', show_welcome_message=False,
    )


def refuse_to_start(error: ClientPulseError) -> NoReturn:
    """Stop a start that cannot go on: ``error``'s plain message on stderr, exit status 1, no traceback."""
    print(_('ClientPulse did not start. {error}').format(error=error), file=sys.stderr, flush=True)
    raise SystemExit(1)


def setup_line(host: str, port: int, link: str) -> str:
    """The one line that gives the setup ``link`` (a path with its token): on the first address of
    :func:`addresses` (the shop's network address when the app listens on all of them, which also opens on this
    machine), printed once however many addresses the machine has."""
    return _('Set up your business: {address}').format(address=f'{addresses(host, port)[0]}{link}')


def addresses(host: str, port: int) -> list[str]:
    """Where the app can be opened when it listens on ``host``: every address of this machine on the shop's network
    and 127.0.0.1 when it listens on all of them (``0.0.0.0``), else that one address."""
    if host in ('0.0.0.0', '::', ''):
        return network.lan_urls(port)
    return [f'http://{host}:{port}']


def announce_when_ready(lines: list[str], host: str, port: int) -> None:
    """Print ``lines`` once the server accepts connections on ``port`` (checked by connecting to it, every 50 ms,
    for up to a minute after start-up), so an address printed is one that answers; nothing in NiceGUI's simulated
    user (tests), which serves no port."""
    if helpers.is_user_simulation():
        return

    async def when_listening() -> None:
        target = '127.0.0.1' if host in ('0.0.0.0', '::', '') else host
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _reader, writer = await asyncio.open_connection(target, port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            print('\n'.join(lines), flush=True)
            return
        log.warning('the server did not accept connections on port %s within a minute', port)

    app.on_startup(lambda: background_tasks.create(when_listening(), name='announce the address'))


def connect_bus() -> None:
    """With ``CLIENTPULSE_BUS_URL`` set, carry every change through Redis to every process (and hear theirs):
    :class:`app.services.redis_bus.RedisStreamBus` takes over the in-process bus and its subscribers; sign-ins are
    kept in the same Redis."""
    settings = get_settings()
    current = events.get_bus()
    if not settings.bus_url or not isinstance(current, events.InProcessBus):
        return
    bus = redis_bus.RedisStreamBus(settings.bus_url, stream=settings.bus_stream, max_length=settings.bus_max_length,
                                   location_ids=locations.all_location_ids, local=current,
                                   secret=settings.storage_secret_value())  # signs the entries (redis_link)
    events.set_bus(bus)
    bus.start()
    live.share_sign_ins(settings.bus_url)
    app.on_shutdown(lambda: (bus.flush(timeout=2), bus.close(timeout=2)))


def start_scheduler() -> None:
    """Check every minute, in a background thread, for scheduled reports that are due, and — with M-Pesa set up —
    ask Daraja about prompts that had no callback within a minute; every ``message_interval_seconds`` send the
    messages to customers that are due; every minute send the scheduled campaigns that are due; once a day, expire
    loyalty points of customers inactive for their location's months; each location's no-show model trained at
    start and retrained every night at 03:00, and every hour what a high risk triggers (APScheduler). With several
    processes on one PostgreSQL database each job but the no-show models (kept in each process's memory) runs in one
    process at a time (:mod:`app.services.jobs`)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from app.services import jobs
    from app.services.analytics import noshow, schedules
    from app.services.backups import schedule as backup_schedule
    from app.services.campaigns import campaigns
    from app.services.frontdesk import online_deposits
    from app.services.money import loyalty, mobile_money

    scheduler = BackgroundScheduler(daemon=True)

    def every(name: str, job, **trigger) -> None:  # one process at a time (jobs.exclusive), one run at a time here
        scheduler.add_job(jobs.exclusive(name, _quiet_in_an_outage(job)), 'interval', id=name, max_instances=1,
                          coalesce=True, **trigger)

    started = datetime.now(UTC) + timedelta(seconds=5)  # what fell due while no process ran goes out soon after start
    every('scheduled-reports', schedules.run_due, minutes=1, next_run_time=started)
    every('messages', outbox.deliver_due, seconds=get_settings().message_interval_seconds, next_run_time=started)
    every('campaigns', campaigns.send_due, minutes=1, next_run_time=started)
    every('loyalty-expiry', loyalty.expire_inactive, hours=24)
    every('no-show-actions', noshow.act_on_high_risk, hours=1, next_run_time=datetime.now(UTC) + timedelta(minutes=2))
    every('backups', backup_schedule.run_due, minutes=1, next_run_time=started)  # issue 31: the owner's schedule
    if get_settings().mpesa_consumer_key is not None:
        every('mpesa-status', mobile_money.check_pending, minutes=1)
    every('online-deposits', online_deposits.check_pending, minutes=1)  # prompts unanswered, card sessions run out
    # each process keeps its own models in memory: trained in every one, soon after start and nightly
    scheduler.add_job(noshow.train_all, 'cron', hour=3, id='no-show-models', max_instances=1, coalesce=True,
                      next_run_time=datetime.now(UTC) + timedelta(seconds=30))
    app.on_startup(lambda: None if scheduler.running else scheduler.start())
    app.on_shutdown(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)


def _quiet_in_an_outage(job: Callable[[], T]) -> Callable[[], T | None]:
    """``job``, which does nothing but wait for the next run while the database cannot be written: the outage is
    logged and rung once (:func:`database.write_outage`), not as a traceback from every job every interval."""

    @wraps(job)
    def run() -> T | None:
        try:
            return job()
        except DatabaseNotWritableError:
            return None

    return run
