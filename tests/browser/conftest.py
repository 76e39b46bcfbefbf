"""What the browser tests share: Debian's Chromium driven by Playwright, the app served on a free port, signing in,
axe-core (``tests/browser/axe``, installed by ``scripts/test.sh``) and, for the accessibility, keyboard and zoom
tests, one served shop per test module with everything a customer and the desk can open.

Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``), axe-core ``npm ci --prefix tests/browser/axe``;
with ``CI=true`` a missing one fails the tests that need it, elsewhere they are skipped.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import IN_CI, use_database

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run']
PASSWORD = 'correct horse'
AXE_SCRIPT = Path(__file__).resolve().parent / 'axe' / 'node_modules' / 'axe-core' / 'axe.min.js'
PHONE = {'width': 390, 'height': 844}
DESKTOP = {'width': 1440, 'height': 900}
KIOSK = {'width': 1024, 'height': 768}
DESK_DAY = date(2030, 3, 4)


def required(path: Path, how: str) -> Path:
    """``path``, which a test needs: missing, the test fails with ``CI=true`` and is skipped elsewhere."""
    if not path.exists():
        message = f'{path} is missing: {how}'
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope='session')
def chromium() -> str:
    return str(required(Path(CHROMIUM), 'apt-get install chromium'))


@pytest.fixture(scope='session')
def axe_script() -> Path:
    """axe-core's script, to inject into pages (``page.add_script_tag(path=...)``)."""
    return required(AXE_SCRIPT, 'npm ci --prefix tests/browser/axe (scripts/test.sh does)')


SUMMARY: list[str] = []
"""Lines for the end of the run (the accessibility scans' moderate violations)."""


def pytest_terminal_summary(terminalreporter) -> None:
    if SUMMARY:
        terminalreporter.write_sep('-', 'accessibility')
        for line in SUMMARY:
            terminalreporter.write_line(line)


def axe_version() -> str:
    """The installed axe-core's version (its package.json), '' when it is not installed."""
    import json

    package = AXE_SCRIPT.parent / 'package.json'
    return json.loads(package.read_text())['version'] if package.exists() else ''


# --- the app, served ----------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors='replace')


@contextmanager
def app_server(database_url: str, data_dir: Path, **env: str) -> Iterator[Server]:
    """The app (``server.run``) in a process of its own on a free port, on ``database_url``, until the block ends.
    ``env``: more environment variables for it. What it prints goes to ``data_dir/server.log``."""
    port = free_port()
    plain = {k: v for k, v in os.environ.items() if not k.startswith(('PYTEST', 'NICEGUI'))}  # a real start
    env = {**plain, 'CLIENTPULSE_DATABASE_URL': database_url, 'CLIENTPULSE_DATA_DIR': str(data_dir),
           'CLIENTPULSE_SCHEDULER': 'false', 'CLIENTPULSE_HOST': '127.0.0.1', **env}
    log = data_dir / 'server.log'  # a file, not a pipe: an unread pipe fills up (64 KB) and then blocks the server
    written = log.open('wb')
    server = subprocess.Popen([sys.executable, '-c', f'from app import server; server.run(port={port})'], env=env,
                              stdout=written, stderr=written)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(f'the app did not start: {log.read_text(errors="replace")[-2000:]}') from None
            time.sleep(0.2)
    try:
        yield Server(f'http://127.0.0.1:{port}', log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        written.close()


@pytest.fixture
def reconnect_timeout() -> str:
    """Seconds the server keeps a session whose connection dropped (the app's default unless a test says)."""
    return os.environ.get('CLIENTPULSE_RECONNECT_TIMEOUT', '')


@pytest.fixture
def served(sqlite_db, tmp_path, reconnect_timeout) -> Iterator[str]:
    """The app on a free port, on this test's database with a small shop; its base URL."""
    from tests.factories import make_small_shop

    make_small_shop(PASSWORD)
    with app_server(sqlite_db, tmp_path, **({'CLIENTPULSE_RECONNECT_TIMEOUT': reconnect_timeout}
                                            if reconnect_timeout else {})) as server:
        yield server.url


def sign_in(page, base: str, email: str, then: str = '/') -> None:
    """Sign in on the login page of ``page`` as ``email`` and wait until it has left the login page for ``then``."""
    page.goto(f'{base}/login?next={quote(then)}')
    page.get_by_label('Email').fill(email)
    page.get_by_label('Password').fill(PASSWORD)
    page.get_by_role('button', name='Sign in').click()
    page.wait_for_url(lambda url: '/login' not in url, timeout=15_000)


# --- Playwright, once per module ------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def browser(chromium):
    """One Chromium for the test module (Playwright's sync API; closed when the module's tests are done, before
    another module starts Playwright again)."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        yield launched
        launched.close()
    finally:
        playwright.stop()


# --- one shop for the accessibility, keyboard and zoom tests ------------------------------------------------------

class Mailbox:
    """A local SMTP server (aiosmtpd) the served app sends its e-mail to; ``messages``: what it received."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname='127.0.0.1', port=self.port)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return '250 OK'

    def code(self, after: int, timeout: float = 15) -> str:
        """The 6-digit code of the first e-mail received after the first ``after`` ones."""
        deadline = time.monotonic() + timeout
        while len(self.messages) <= after:
            if time.monotonic() > deadline:
                raise AssertionError('no code came by e-mail')
            time.sleep(0.1)
        return re.search(r'\d{6}', str(self.messages[after]['Subject'])).group(0)


@dataclass
class Shop:
    """What was made in the served shop: the location's id, its local today and the customers' links."""

    location_id: int
    today: date
    manage: str  # /my/<token> of Sam Lee's booking three days ahead, 10:00
    chat: str  # /chat/<token> of Sam Lee's conversation
    offer: str  # /offer/<token>: a waitlist offer for Alex Kim, not yet taken
    desk_day: date  # Monday 4 March 2030: Sam Lee at 10:00, Alex Kim on the Wednesday at 15:00 (the desk's views)


@dataclass
class Site:
    """The app served for a test module on a fresh database; ``setup_link`` until the shop is made (``shop``)."""

    server: Server
    database_url: str
    mail: Mailbox
    secret: str
    setup_link: str | None
    shop: Shop | None = field(default=None)

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope='module')
def site(sqlite_template, tmp_path_factory) -> Iterator[Site]:
    """The app on a free port, on a fresh database (no account yet: its setup link was printed), sending e-mail to a
    local mailbox. The ``shop`` fixture fills it."""
    folder = tmp_path_factory.mktemp('site')
    path = folder / 'clientpulse.db'
    shutil.copy(sqlite_template, path)
    url = f'sqlite:///{path}'
    mail, secret = Mailbox(), secrets.token_urlsafe(32)
    mail.controller.start()
    try:
        with app_server(url, folder, CLIENTPULSE_SMTP_HOST='127.0.0.1', CLIENTPULSE_SMTP_PORT=str(mail.port),
                        CLIENTPULSE_REPORTS_DIR=str(folder / 'reports'), CLIENTPULSE_STORAGE_SECRET=secret) as server:
            deadline = time.monotonic() + 30
            while not (found := re.search(r'Set up your business: http://\S+?(/setup\?token=\S+)', server.output())):
                if time.monotonic() > deadline:
                    raise RuntimeError(f'no setup link was printed: {server.output()[-2000:]}')
                time.sleep(0.1)
            yield Site(server, url, mail, secret, found.group(1))
    finally:
        mail.controller.stop()


@contextmanager
def on_site(site: Site) -> Iterator[None]:
    """Point this process's services at the served app's database and secret (which signs customers' links) for the
    block."""
    from app.config import reset_settings
    from app.services import database

    names = ('CLIENTPULSE_DATABASE_URL', 'CLIENTPULSE_STORAGE_SECRET')
    before = {name: os.environ.get(name) for name in names}
    os.environ['CLIENTPULSE_STORAGE_SECRET'] = site.secret
    use_database(site.database_url)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()
        database.reset_engines()


@pytest.fixture(scope='module')
def shop(site: Site) -> Shop:
    """The small shop (JJ, a women's cut, Sam Lee, staff and manager accounts) with online booking on, a kiosk
    account, Alex Kim, Sam Lee's booking three days ahead with its manage link and Sam's chat, and a waitlist offer
    for Alex Kim four days ahead. The setup link is spent from here on."""
    if site.shop is not None:
        return site.shop
    from sqlmodel import select

    from app.models import Role, SlotHold
    from app.services import clock
    from app.services.accounts import users
    from app.services.catalogue import locations
    from app.services.customers import chat
    from app.services.database import session_scope
    from app.services.frontdesk import bookings, waitlist
    from app.services.messaging import links
    from tests import factories as made
    from tests.factories import OWNER, at

    with on_site(site):
        location = made.make_location()
        jj, cut = made.make_staff_member(location, 'JJ'), made.make_service(location)
        sam, alex = made.make_customer(location, 'Sam Lee', '416-555-0102'), made.make_customer(location)
        for role in (Role.STAFF, Role.MANAGER, Role.KIOSK):
            users.create_user(f'{role.value}@shop.test', PASSWORD, role=role, location_id=location.id, actor=OWNER)
        locations.update_location(location.id, {**locations.settings_of(location).model_dump(),
                                                'online_booking': True}, actor=OWNER)
        today = clock.local_day(clock.now(), location.time_zone)
        booked = made.make_booking(location, jj, cut, sam, at(today + timedelta(days=3), '10:00'))
        conversation = chat.open_conversation(sam.id, actor=OWNER)
        chat.send_as_customer(conversation.access_token, 'Hello, can I bring my daughter along?')
        chat.send_as_staff(conversation.id, 'Of course, see you then!', actor=OWNER)
        # a waitlist offer: Alex waits for the 4th day; Sam's booking that day is cancelled, which holds its time
        day = today + timedelta(days=4)
        freed = made.make_booking(location, jj, cut, sam, at(day, '15:00'))
        entry = waitlist.join(waitlist.WaitlistJoin(location_id=location.id, customer_id=alex.id,
                                                    service_id=cut.id, day=day),
                              actor=made.actor(Role.STAFF, location.id), today=today)
        bookings.cancel_booking(freed.id, actor=OWNER)
        with session_scope() as session:
            hold = session.exec(select(SlotHold).where(SlotHold.holder == f'waitlist-{entry.id}')).one()
        offer = links.offer_token(entry.id, hold.held_until.isoformat())
        # the desk's day and week, far from today: the same blocks whatever day the tests run
        made.make_booking(location, jj, cut, sam, at(DESK_DAY, '10:00'))
        made.make_booking(location, jj, cut, alex, at(DESK_DAY + timedelta(days=2), '15:00'))
        site.shop = Shop(location.id, today, f'/my/{links.manage_token(booked.id, booked.code)}',
                         f'/chat/{conversation.access_token}', f'/offer/{offer}', DESK_DAY)
    site.setup_link = None
    return site.shop
