"""Starting the web app: migrate, register the pages, hand over to NiceGUI."""

from __future__ import annotations

import gc
import logging
from datetime import UTC, datetime, timedelta

from nicegui import app, background_tasks, ui

from app import live, pages
from app.config import PROJECT_ROOT, get_settings
from app.live import collector, take_over
from app.pages import errors, upload_limit
from app.services import database, events, files, redis_bus
from app.services.accounts import native_login, network
from app.services.accounts import setup as first_run
from app.services.analytics import store as analytics_store
from app.services.catalogue import locations

log = logging.getLogger(__name__)


def setup() -> None:
    """Migrate the database and register every page (NiceGUI's test harness calls this per test).

    NiceGUI keeps each browser's session in files: they go into ``<data dir>/nicegui`` (private), not
    into whatever folder the app was started from.
    """
    live.storage_folder(files.private_folder(get_settings().data_dir / 'nicegui'))
    database.migrate()
    first_run.forget()  # a setup link is drawn afresh by each process that serves
    pages.register()
    errors.install()
    upload_limit.install(app)
    app.add_static_files('/assets', PROJECT_ROOT / 'assets')


def run(*, host: str | None = None, port: int | None = None, native: bool = False) -> None:
    """Serve the app (blocking). ``native`` also opens the owner's desktop window (pywebview)."""
    files.restrict_new_files()
    settings = get_settings()
    connect_bus()
    setup()
    if settings.scheduler:
        start_scheduler()
    # the analytics columns patched since the last full read are saved for the next start
    app.on_shutdown(lambda: analytics_store.store().save())
    # what start-up made (modules, the app) lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise pause every session (measured by bench/fanout.py)
    app.on_startup(gc.freeze)
    # full collections run in quiet moments, not while a change goes out to every session (collector)
    app.on_startup(take_over)
    app.on_startup(lambda: background_tasks.create(collector.run(), name='quiet garbage collection'))
    port = port or settings.port
    network.serving_on(port)  # the Settings page shows staff the address with the port actually served
    link = first_run.setup_path()  # a fresh install: only this link sets it up (and opens the owner's window)
    if link is not None:
        for base in [f'http://127.0.0.1:{port}', *network.lan_urls(port)]:
            print(f'Set up your business: {base}{link}', flush=True)
    if native:  # the window is this machine's owner: it starts signed in, through a one-time token
        app.native.window_args['url'] = (f'http://127.0.0.1:{port}{link}' if link is not None else
                                         f'http://127.0.0.1:{port}/native-login?token={native_login.issue_token()}')
        app.native.window_args['min_size'] = (1024, 700)
    ui.run(
        title=settings.title, host=host or settings.host, port=port, native=native,
        window_size=(1400, 900) if native else None,  # a window size alone would open a window
        storage_secret=settings.storage_secret_value(), reconnect_timeout=settings.reconnect_timeout,
        reload=False, show=False, favicon=PROJECT_ROOT / 'assets' / 'logo.svg', show_welcome_message=False,
    )


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
    from app.services.campaigns import campaigns
    from app.services.messaging import outbox
    from app.services.money import loyalty, mobile_money

    scheduler = BackgroundScheduler(daemon=True)

    def every(name: str, job, **trigger) -> None:  # one process at a time (jobs.exclusive), one run at a time here
        scheduler.add_job(jobs.exclusive(name, job), 'interval', id=name, max_instances=1, coalesce=True, **trigger)

    started = datetime.now(UTC) + timedelta(seconds=5)  # what fell due while no process ran goes out soon after start
    every('scheduled-reports', schedules.run_due, minutes=1, next_run_time=started)
    every('messages', outbox.deliver_due, seconds=get_settings().message_interval_seconds, next_run_time=started)
    every('campaigns', campaigns.send_due, minutes=1, next_run_time=started)
    every('loyalty-expiry', loyalty.expire_inactive, hours=24)
    every('no-show-actions', noshow.act_on_high_risk, hours=1, next_run_time=datetime.now(UTC) + timedelta(minutes=2))
    if get_settings().mpesa_consumer_key is not None:
        every('mpesa-status', mobile_money.check_pending, minutes=1)
    # each process keeps its own models in memory: trained in every one, soon after start and nightly
    scheduler.add_job(noshow.train_all, 'cron', hour=3, id='no-show-models', max_instances=1, coalesce=True,
                      next_run_time=datetime.now(UTC) + timedelta(seconds=30))
    app.on_startup(lambda: None if scheduler.running else scheduler.start())
    app.on_shutdown(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
