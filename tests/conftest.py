"""A fresh, migrated database per test: SQLite always, PostgreSQL for tests that ask for it.

PostgreSQL is reached at ``CLIENTPULSE_TEST_POSTGRES_URL`` (default: the local server, trust auth).
With ``CI=true`` an unreachable server fails the test; elsewhere the PostgreSQL variant is skipped.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from app.config import reset_settings
from app.services import database
from app.services.accounts import users
from tests.redis_server import RedisServer

pytest_plugins = ['tests.fixtures.pages', 'tests.fixtures.browser']  # the page tests' and the browser tests' fixtures

if 'CLIENTPULSE_DATA_DIR' not in os.environ:  # a data folder of the run's own, removed when the run ends
    os.environ['CLIENTPULSE_DATA_DIR'] = tempfile.mkdtemp(prefix='clientpulse-test-data-')
    atexit.register(shutil.rmtree, os.environ['CLIENTPULSE_DATA_DIR'], ignore_errors=True)
if WORKER := os.environ.get('PYTEST_XDIST_WORKER'):  # each xdist worker a folder of its own inside the run's
    # (NiceGUI's storage files, backups, attachments: workers sharing one folder removed each other's files)
    os.environ['CLIENTPULSE_DATA_DIR'] = str(Path(os.environ['CLIENTPULSE_DATA_DIR']) / WORKER)
    Path(os.environ['CLIENTPULSE_DATA_DIR']).mkdir(parents=True, exist_ok=True)
os.environ['CLIENTPULSE_SCHEDULER'] = 'false'  # tests run due reports themselves (tests/analytics/test_schedules.py)
# Passwords and PINs are hashed with argon2's cheapest parameters in this process: the app's own (argon2's defaults,
# RFC 9106's second choice: 64 MiB, 3 passes, 4 lanes) took 60 ms to over a second per hash on this 2-core machine,
# and every page test's shop hashes five accounts' passwords and checks one (minutes of the suite). Servers the
# tests start in other processes keep the real ones; tests/accounts/test_password_hashing.py checks those.
users._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
DEFAULT_POSTGRES_URL = 'postgresql+psycopg://postgres@127.0.0.1:5432/postgres'
SHARED_DATA = Path(__file__).resolve().parents[2] / 'shared' / 'data'
IN_CI = os.environ.get('CI', '').lower() == 'true'

BROWSER_FIXTURES = frozenset({'chromium', 'browser', 'served', 'site', 'browser_shop', 'axe_script'})
"""Fixtures of Chromium or of the app served in a process of its own (tests/fixtures/browser.py, tests/cluster)."""
PAGE_FIXTURES = frozenset({'user', 'create_user'})
"""NiceGUI's simulated users (the app run in the test's process by ``user_simulation``)."""
PROGRAM_MARKS = frozenset({'wheel', 'bundle', 'bench'})
"""Marks of tests that build the whole program, or run its benchmarks in processes of their own (tests/bench), for
minutes: never in the quick tier."""


def tiers_of(fixtures: frozenset[str], marks: frozenset[str]) -> frozenset[str]:
    """The tier marks of a test that uses ``fixtures`` and carries ``marks``: ``browser`` (Chromium or a served app),
    else ``page`` (NiceGUI's simulated user), else ``unit``; and ``cluster`` with the ``cluster`` fixture (processes
    behind nginx). A cluster test, or one that builds the wheel or the bundle, is never ``unit``."""
    tiers = {'cluster'} if 'cluster' in fixtures else set()
    if fixtures & BROWSER_FIXTURES:
        tiers.add('browser')
    elif fixtures & PAGE_FIXTURES:
        tiers.add('page')
    elif not tiers and not marks & PROGRAM_MARKS:
        tiers.add('unit')
    return frozenset(tiers)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tiers (:func:`tiers_of`) from the fixtures it uses, so ``pytest -m unit`` runs the
    quick tier and ``-m page``, ``-m browser``, ``-m cluster`` the others."""
    for item in items:
        fixtures = frozenset(getattr(item, 'fixturenames', ()))
        for tier in sorted(tiers_of(fixtures, frozenset(mark.name for mark in item.iter_markers()))):
            item.add_marker(tier)
    _slow_modules_first(items)


CPU_LOG = os.environ.get('CLIENTPULSE_TEST_CPU', '')
"""A file to append each test's processor seconds to (``CLIENTPULSE_TEST_CPU=/tmp/cpu.tsv``): the suite is bound by
the 2 cores, not by waiting, so what a test costs the run is its CPU time, not its duration (--durations)."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """With ``CLIENTPULSE_TEST_CPU`` set, log the test's CPU seconds (setup, call and teardown; this process's and its
    finished children's: the app servers, Chromium, PyInstaller) as
    ``nodeid<TAB>self<TAB>children<TAB>worker<TAB>started<TAB>ended`` (wall-clock seconds since the epoch: where a
    worker waited idle at the end of the run)."""
    if not CPU_LOG:
        return (yield)
    import resource
    import time

    def used() -> tuple[float, float]:
        mine, theirs = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return mine.ru_utime + mine.ru_stime, theirs.ru_utime + theirs.ru_stime

    before, started = used(), time.time()
    try:
        return (yield)
    finally:
        after = used()
        with open(CPU_LOG, 'a', encoding='utf-8') as log:
            log.write(f'{item.nodeid}\t{after[0] - before[0]:.3f}\t{after[1] - before[1]:.3f}\t{WORKER or "-"}'
                      f'\t{started:.2f}\t{time.time():.2f}\n')


SLOWNESS = {'bundle': 5, 'bench': 4, 'wheel': 4, 'cluster': 3, 'browser': 2, 'page': 1}
"""How early a module's tests start: the slowest tier among its tests (a PyInstaller build, every benchmark at a tiny
size (~2.5 min, mostly waiting on its servers), two processes behind nginx, Chromium, the simulated user; plain tests
last)."""


def _slow_modules_first(items: list[pytest.Item]) -> None:
    """Order the modules by :data:`SLOWNESS`, and within a tier by their number of tests (stable otherwise).
    scripts/test.sh hands whole modules to xdist workers in this order, so the long ones start first and many small
    ones fill the workers at the end: collected order had left the desktop bundle's 2-minute build, the wheel and the
    cluster for the last minutes, one worker busy and the others idle."""
    weight: dict[str, int] = {}
    size: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split('::', 1)[0]
        tiers = [SLOWNESS.get(mark.name, 0) for mark in item.iter_markers()]
        weight[module] = max(weight.get(module, 0), *tiers, 0)
        size[module] = size.get(module, 0) + 1
    # within a tier, the modules with most tests first: the 500 sweeps across locations had come last, alone
    items.sort(key=lambda item: (-weight[item.nodeid.split('::', 1)[0]], -size[item.nodeid.split('::', 1)[0]]))


def use_database(url: str) -> None:
    """Point the app (settings and engine cache) at ``url``."""
    os.environ['CLIENTPULSE_DATABASE_URL'] = url
    reset_settings()
    database.reset_engines()


@pytest.fixture(scope='session')
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run; tests copy it."""
    path = tmp_path_factory.mktemp('template') / 'template.db'
    database.migrate(f'sqlite:///{path}')
    database.reset_engines()
    return path


@pytest.fixture(scope='session')
def postgres_server_url() -> Iterator[str]:
    """A throw-away PostgreSQL database migrated to head, dropped at the end of the run."""
    admin_url = os.environ.get('CLIENTPULSE_TEST_POSTGRES_URL', DEFAULT_POSTGRES_URL)
    name = f'clientpulse_test_{uuid.uuid4().hex[:10]}'
    admin = create_engine(admin_url, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}'))
            # a commit does not wait for its WAL to reach the disk (a crash could lose the last moments of a
            # throw-away database; what each transaction sees is unchanged)
            connection.execute(text(f'ALTER DATABASE {name} SET synchronous_commit = off'))
    except Exception as error:
        admin.dispose()
        message = f'PostgreSQL at {admin_url} is not reachable: {error}'
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    url = admin_url.rsplit('/', 1)[0] + f'/{name}'
    database.migrate(url)
    yield url
    database.reset_engines()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    path = tmp_path / 'clientpulse.db'
    shutil.copy(sqlite_template, path)
    url = f'sqlite:///{path}'
    use_database(url)
    yield url
    database.reset_engines()


def empty_postgres(url: str) -> None:
    """Empty the PostgreSQL database at ``url`` (migrated): every row of the tables holding any deleted and every
    sequence back to 1, as a fresh database. DELETE with the foreign keys' triggers off for the transaction
    (``session_replication_role = replica``; every row goes, so none is left dangling): 0.04 s, where TRUNCATE of the
    same few small tables took 0.27 s (it makes new files for each, and their cascade) — on 680 tests."""
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [r[0] for r in connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        filled = connection.execute(text(' UNION ALL '.join(
            f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\")" for table in tables))).scalars().all()
        if filled:
            connection.execute(text('SET LOCAL session_replication_role = replica'))
            for table in filled:
                connection.execute(text(f'DELETE FROM "{table}"'))
        connection.execute(text(  # sequences of tables left empty may have moved (rows added, then deleted)
            "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = 'public'"))
    engine.dispose()


@pytest.fixture
def postgres_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """The run's PostgreSQL database, empty for this test (:func:`empty_postgres`)."""
    url = request.getfixturevalue('postgres_server_url')
    empty_postgres(url)
    use_database(url)
    yield url
    database.reset_engines()


@pytest.fixture(params=['sqlite', pytest.param('postgres', marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> str:
    """A fresh database of each kind in turn (its URL); the app is pointed at it."""
    return request.getfixturevalue(f'{request.param}_db')


class ModuleDatabase:
    """A database a whole module's tests share (:func:`module_db`): ``fresh()`` empties it and points the app at it,
    ``use()`` only points the app at it again (each test's fixtures may have pointed it elsewhere)."""

    def __init__(self, url: str, fresh) -> None:
        self.url, self._fresh = url, fresh

    def fresh(self) -> str:
        database.reset_engines()
        self._fresh()
        use_database(self.url)
        return self.url

    def use(self) -> str:
        use_database(self.url)
        return self.url


@pytest.fixture(scope='module', params=['sqlite', pytest.param('postgres', marks=pytest.mark.postgres)])
def module_db(request: pytest.FixtureRequest, sqlite_template: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleDatabase]:
    """A database of each kind in turn, made once for the module: for sweeps whose hundreds of cases each try one
    thing that must be refused and change nothing (tests/security/test_cross_location.py: 500 cases had spent 0.4 s
    each building the same two shops). The module makes its rows once and checks, before each case, that the
    database is still as made (making it again when not): see ``two_shops`` there."""
    if request.param == 'sqlite':
        path = tmp_path_factory.mktemp('module-db') / 'clientpulse.db'
        shared = ModuleDatabase(f'sqlite:///{path}', lambda: shutil.copy(sqlite_template, path))
    else:
        url = request.getfixturevalue('postgres_server_url')
        shared = ModuleDatabase(url, lambda: empty_postgres(url))
    shared.fresh()
    yield shared
    database.reset_engines()


def required_shared_data() -> Path:
    """``../shared/data`` (the real public data sets), for fixtures of any scope: missing, it fails the test in CI
    and skips it elsewhere."""
    if not SHARED_DATA.is_dir():
        if IN_CI:
            pytest.fail(f'{SHARED_DATA} is missing')
        pytest.skip(f'{SHARED_DATA} is missing')
    return SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` (the real public data sets); missing data fails in CI."""
    return required_shared_data()



async def _close_sessions() -> None:
    """Close every simulated session before the app stops.

    Left open, each session's outbox loop was cancelled with the app; on Python 3.11 ``asyncio.wait_for`` can
    swallow that cancellation when the loop's wake-up event is set at the same moment (sessions' elements are
    deleted then), so the harness waited 2 s and logged "Could not cancel N tasks" after many page tests. A
    closed session stops its outbox itself, which then ends at once.
    """
    import asyncio
    import contextlib

    from nicegui.client import Client

    for client in list(Client.instances.values()):
        with contextlib.suppress(KeyError):
            client.delete()
    await asyncio.sleep(0.05)  # the outbox loops wake, see that they are stopped and end


SHOULD_SEE_RETRIES = 50
"""How many times (0.1 s apart) ``User.should_see`` looks before it fails, when a test does not say: NiceGUI's 3
(0.3 s) is shorter than a worker thread's read or write on a loaded 2-core CI machine, and its last look is followed by
a sleep, so the failure's page dump could already show what was looked for (the Kiswahili kiosk test failed so in
CI). A passing look returns at once, so only a failing test waits longer."""


def _patient_should_see() -> None:
    """Make ``User.should_see`` look for up to :data:`SHOULD_SEE_RETRIES` tries unless told otherwise."""
    from nicegui.testing.user import User

    plain = User.should_see
    if getattr(plain, 'patient', False):
        return

    @functools.wraps(plain)
    async def should_see(self, *args, retries: int = SHOULD_SEE_RETRIES, **kwargs):
        await plain(self, *args, retries=retries, **kwargs)

    should_see.patient = True
    User.should_see = should_see


@pytest.fixture
async def user(caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest):
    """NiceGUI's simulated user (as ``nicegui.testing.user_plugin`` makes it), whose sessions are closed before the
    app stops, and which fails its test on any ERROR logged while it ran.

    Unlike the plugin's fixture, the ERROR check comes after the app has stopped: the plugin fails inside the app's
    lifespan, NiceGUI's lifespan then skips its shutdown, the app stays "started", and every later test that starts
    it fails with "Unable to register another startup handler" (one logged error became 147 failures in CI). The
    failure names what was logged.
    """
    from nicegui.testing.general_fixtures import get_path_to_main_file
    from nicegui.testing.user_simulation import user_simulation

    _patient_should_see()
    async with user_simulation(main_file=get_path_to_main_file(request)) as simulated:
        yield simulated
        await _close_sessions()
    logged = [f'{record.name}: {record.getMessage()}' for record in caplog.get_records('call')
              if record.levelname == 'ERROR']
    if logged:
        pytest.fail('There were unexpected ERROR logs: ' + ' | '.join(logged)[:2000], pytrace=False)


@pytest.fixture
async def create_user(create_user):
    """NiceGUI's maker of more simulated users (its own app lifespan), closing their sessions before it ends."""
    _patient_should_see()
    yield create_user
    await _close_sessions()


@pytest.fixture
def shop_clock(monkeypatch: pytest.MonkeyPatch):
    """The shop's clock at 23:00 in Toronto on Monday 4 March 2030, the day most tests book on: its bookings can be
    checked in and, having started, marked no-shows (``clock.now``; free times and the kiosk keep the real time).
    Returns a setter for another moment."""
    from datetime import date

    from app.services import clock

    def set_to(moment):
        monkeypatch.setattr(clock, 'now', lambda: moment)

    set_to(clock.local_datetime(date(2030, 3, 4), 23 * 60, 'America/Toronto'))
    return set_to


@pytest.fixture
def daraja(monkeypatch: pytest.MonkeyPatch):
    """A local fake Daraja server (tests/money/fake_daraja.py) the app's M-Pesa settings point at."""
    from app.config import reset_settings
    from app.services.money import mobile_money
    from tests.money.fake_daraja import KEY, PASSKEY, SECRET, SHORTCODE, FakeDaraja

    fake = FakeDaraja()
    for name, value in (('CONSUMER_KEY', KEY), ('CONSUMER_SECRET', SECRET), ('SHORTCODE', SHORTCODE),
                        ('PASSKEY', PASSKEY), ('CALLBACK_URL', 'https://salon.example/payments/mpesa/callback'),
                        ('BASE_URL', fake.url)):
        monkeypatch.setenv(f'CLIENTPULSE_MPESA_{name}', value)
    reset_settings()
    mobile_money.set_provider(None)
    yield fake
    mobile_money.set_provider(None)
    fake.close()
    reset_settings()


@pytest.fixture
def stripe_fake(monkeypatch: pytest.MonkeyPatch):
    """A local fake Stripe server (tests/money/fake_stripe.py) the app's ``CLIENTPULSE_STRIPE_*`` settings point at;
    no handler of paid sessions is registered (a test or the deposits module does it)."""
    from app.config import reset_settings
    from app.services.money import card_checkout
    from tests.money.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe

    fake = FakeStripe()
    for name, value in (('SECRET_KEY', SECRET_KEY), ('WEBHOOK_SECRET', WEBHOOK_SECRET), ('BASE_URL', fake.url)):
        monkeypatch.setenv(f'CLIENTPULSE_STRIPE_{name}', value)
    reset_settings()
    card_checkout.set_provider(None)
    yield fake
    card_checkout.set_provider(None)
    fake.close()
    reset_settings()


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch):
    """A local fake Twilio server (tests/messaging/fake_twilio.py) the app's SMS settings point at."""
    from app.config import reset_settings
    from tests.messaging.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SENDER, FakeTwilio

    fake = FakeTwilio()
    for name, value in (('ACCOUNT_SID', ACCOUNT_SID), ('AUTH_TOKEN', AUTH_TOKEN), ('FROM', SENDER),
                        ('BASE_URL', fake.url)):
        monkeypatch.setenv(f'CLIENTPULSE_TWILIO_{name}', value)
    reset_settings()
    yield fake
    fake.close()
    reset_settings()


@pytest.fixture
def africastalking(monkeypatch: pytest.MonkeyPatch):
    """A local fake Africa's Talking server (tests/messaging/fake_africastalking.py) the app's
    ``CLIENTPULSE_AFRICASTALKING_*`` settings point at (a location still chooses it: ``sms_provider``)."""
    from app.config import reset_settings
    from tests.messaging.fake_africastalking import API_KEY, USERNAME, FakeAfricasTalking

    fake = FakeAfricasTalking()
    for name, value in (('USERNAME', USERNAME), ('API_KEY', API_KEY), ('BASE_URL', fake.url)):
        monkeypatch.setenv(f'CLIENTPULSE_AFRICASTALKING_{name}', value)
    reset_settings()
    yield fake
    fake.close()
    reset_settings()


class Inbox:
    """What the local SMTP server received (``messages``: parsed e-mails)."""

    def __init__(self) -> None:
        self.messages = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return '250 OK'


@pytest.fixture
def smtp(monkeypatch, tmp_path):
    """A local SMTP server (aiosmtpd) the app's mail settings point at; its ``messages`` are what it received."""
    import socket

    from aiosmtpd.controller import Controller

    from app.config import reset_settings
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback (aiosmtpd checks its own start on the port it gets)
        probe.bind(('127.0.0.1', 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname='127.0.0.1', port=inbox.port)
    controller.start()
    monkeypatch.setenv('CLIENTPULSE_SMTP_HOST', '127.0.0.1')
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', str(inbox.port))
    monkeypatch.setenv('CLIENTPULSE_REPORTS_DIR', str(tmp_path / 'reports'))
    reset_settings()
    yield inbox
    controller.stop()
    reset_settings()




@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private, started ``redis-server`` (tests/redis_server.py), stopped at the end of the test."""
    server = RedisServer(tmp_path / 'redis').start()
    yield server
    server.stop()
