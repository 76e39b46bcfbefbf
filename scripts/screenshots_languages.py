"""Take the Kiswahili and French screenshots of issue 29 (and the day view's legend and keyboard focus).

Usage: .venv/bin/python scripts/screenshots_languages.py [OUT_DIR]   (default: docs/screenshots)

One command, nothing to set up: a fresh temporary data folder and SQLite database; two shops built through the app's
services (Salon Amani in Nairobi, Kiswahili words with Kenyan formats; Espace Beauté in Kigali, French words with
Rwandan formats), each with staff, services booked online, online booking on, a kiosk account, a manager and a few
bookings; the app served in a process of its own on a free port, sending its e-mail to a local mailbox
(aiosmtpd) where the one-time codes are read. Playwright drives Debian's Chromium (/usr/bin/chromium) and writes:

- ``lang-{sw,fr}-book-{services,times,details,booked}-phone.png``: online booking at 390×844
- ``lang-{sw,fr}-kiosk.png``, ``lang-{sw,fr}-kiosk-times.png``: the kiosk at 1024×768 (start; a day's times)
- ``lang-{sw,fr}-email.png``: the confirmation e-mail of the online booking as it was sent, shown as a mail client
- ``day-view-legend-focus.png``: the Nairobi desk's day view at 1440×900, its status legend and a booking block
  focused by the keyboard

The texts the script waits for come from the app's own catalogs (``_()`` in the shop's language), so it follows the
translations. Removes its temporary folder at the end (``--keep`` keeps it and says where).
"""

from __future__ import annotations

import html
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run']
PHONE = {'width': 390, 'height': 844}
KIOSK = {'width': 1024, 'height': 768}
DESKTOP = {'width': 1440, 'height': 900}
PASSWORD = 'screenshots 29'
DESK_DAY = date(2030, 3, 5)  # a Tuesday: the desk's day view shows the same blocks whatever day the script runs
WAIT = 30_000
MAIL_FROM = 'ClientPulse <bookings@clientpulse.example>'


# --- a local mailbox and the app in a process of its own ----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class Mailbox:
    """A local SMTP server (aiosmtpd) the app sends its e-mail to; ``messages``: what it received, parsed."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname='127.0.0.1', port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return '250 OK'

    def wait_for(self, after: int, timeout: float = 30):
        """The first e-mail received after the first ``after`` ones."""
        deadline = time.monotonic() + timeout
        while len(self.messages) <= after:
            if time.monotonic() > deadline:
                raise RuntimeError('no e-mail came')
            time.sleep(0.1)
        return self.messages[after]


@contextmanager
def served(env: dict[str, str], folder: Path):
    """The app (``server.run``) on a free port with ``env`` until the block ends; its output in ``server.log``."""
    port = free_port()
    log = folder / 'server.log'
    written = log.open('wb')
    server = subprocess.Popen([sys.executable, '-c', f'from app import server; server.run(port={port})'],
                              env={**os.environ, **env}, stdout=written, stderr=written, cwd=ROOT)
    deadline = time.monotonic() + 90
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
        yield f'http://127.0.0.1:{port}'
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        written.close()


# --- the two shops, built through the services --------------------------------------------------------------------

@dataclass
class Shop:
    code: str  # the language: 'sw' or 'fr'
    location_id: int
    name: str
    time_zone: str
    formats: str
    manager: str
    kiosk: str
    services: list = field(default_factory=list)
    staff: list = field(default_factory=list)
    book_day: date | None = None


SHOPS = [
    dict(code='sw', name='Salon Amani', address='Moi Avenue 24, Nairobi', phone='+254 712 345 678',
         time_zone='Africa/Nairobi', currency='KES', country='KE', locale='en_KE', language='sw',
         staff=['Amina Wanjiru', 'Baraka Otieno', 'Neema Achieng'],
         services=[('SUKA', 'Kusuka nywele', 'NYWELE', 180, 350000), ('OSHA', 'Kuosha na kuweka mtindo', 'NYWELE', 60,
                    120000), ('KUCHA', 'Kucha za mikono', 'KUCHA', 45, 80000), ('NYOA', 'Kunyoa', 'NYWELE', 30, 40000)],
         customers=[('Wanjiku Kamau', '0722 111 222'), ('Achieng Odhiambo', '0733 222 333'),
                    ('Njeri Mwangi', '0711 333 444')]),
    dict(code='fr', name='Espace Beauté', address='KN 4 Ave 12, Kigali', phone='+250 788 123 456',
         time_zone='Africa/Kigali', currency='RWF', country='RW', locale='fr_RW', language='fr',
         staff=['Aline Uwimana', 'Claudine Mukamana', 'Jean-Paul Habimana'],
         services=[('TRES', 'Tresses africaines', 'COIFFURE', 180, 2500000), ('BRUSH', 'Shampooing et brushing',
                    'COIFFURE', 60, 800000), ('MANU', 'Manucure', 'ONGLES', 45, 600000), ('VISAGE', 'Soin du visage',
                                                                                         'SOINS', 60, 1200000)],
         customers=[('Diane Uwase', '0788 111 222'), ('Eric Mugisha', '0788 222 333'),
                    ('Grace Ingabire', '0788 333 444')]),
]


def next_working_day(today: date, ahead: int = 2) -> date:
    """The first day ``ahead`` days or more after ``today`` that is not a Sunday (the staff's day off)."""
    day = today + timedelta(days=ahead)
    return day + timedelta(days=1) if day.weekday() == 6 else day


def build() -> list[Shop]:
    """The owner's account and both shops (the Nairobi one first: the sign-in page speaks its language)."""
    from app.models import (
        BookingCreate,
        BookingStatus,
        Channel,
        CustomerCreate,
        OpeningStretch,
        Role,
        ServiceCreate,
        StaffMemberCreate,
        UserRead,
        WorkingHoursBase,
    )
    from app.services import clock
    from app.services.accounts import users
    from app.services.catalogue import catalog, locations, staff
    from app.services.customers import customers
    from app.services.frontdesk import bookings

    first = UserRead(id=0, email='setup@localhost', role=Role.OWNER, location_id=None, staff_member_id=None,
                     active=True)
    owner = users.create_user('owner@clientpulse.example', PASSWORD, role=Role.OWNER, actor=first)
    made = []
    for spec in SHOPS:
        hours = [OpeningStretch(weekday=d, start_minute=9 * 60, end_minute=18 * 60).model_dump() for d in range(6)]
        location = locations.create_location({
            'name': spec['name'], 'address': spec['address'], 'phone': spec['phone'], 'time_zone': spec['time_zone'],
            'currency': spec['currency'], 'country': spec['country'], 'locale': spec['locale'],
            'language': spec['language'], 'opening_hours': hours, 'online_booking': True,
            'tax_rates': [{'name': 'VAT', 'percent': '16' if spec['country'] == 'KE' else '18'}]}, actor=owner)
        shop = Shop(spec['code'], location.id, location.name, location.time_zone, location.locale,
                    f'manager.{spec["code"]}@clientpulse.example', f'kiosk.{spec["code"]}@clientpulse.example')
        for name in spec['staff']:
            shop.staff.append(staff.create_staff_member(StaffMemberCreate(
                location_id=location.id, name=name,
                working_hours=[WorkingHoursBase(weekday=d, start_minute=9 * 60, end_minute=18 * 60)
                               for d in range(6)]), actor=owner))
        for code, name, category, minutes, price in spec['services']:
            shop.services.append(catalog.create_service(ServiceCreate(
                location_id=location.id, code=code, name=name, category=category, price_cents=price,
                duration_minutes=minutes, kiosk=True), actor=owner))
        users.create_user(shop.manager, PASSWORD, role=Role.MANAGER, location_id=location.id, actor=owner)
        users.create_user(shop.kiosk, PASSWORD, role=Role.KIOSK, location_id=location.id, actor=owner)
        people = [customers.create_customer(CustomerCreate(location_id=location.id, name=name, phone=phone),
                                            actor=owner) for name, phone in spec['customers']]
        shop.book_day = next_working_day(clock.local_day(clock.now(), location.time_zone))
        # a few bookings on the desk's day and on the day the customers book online (some times taken)
        for day in (DESK_DAY, shop.book_day):
            for member, service, person, hhmm, status in (
                    (shop.staff[0], shop.services[0], people[0], '09:30', BookingStatus.CONFIRMED),
                    (shop.staff[1], shop.services[1], people[1], '10:00', BookingStatus.BOOKED),
                    (shop.staff[2], shop.services[2], people[2], '13:00', BookingStatus.CONFIRMED),
                    (shop.staff[1], shop.services[3], None, '15:00', BookingStatus.BOOKED)):  # None: a walk-in
                booking = bookings.create_booking(BookingCreate(
                    location_id=location.id, customer_id=person.id if person else None, service_id=service.id,
                    staff_member_id=member.id, starts_at=clock.local_datetime(
                        day, int(hhmm[:2]) * 60 + int(hhmm[3:]), location.time_zone),
                    channel=Channel.PHONE if person else Channel.WALK_IN), actor=owner)
                if status != BookingStatus.BOOKED:
                    bookings.set_status(booking.id, status, actor=owner)
        made.append(shop)
    return made


# --- the pages ----------------------------------------------------------------------------------------------------

def words(language: str, *texts: str) -> list[str]:
    """``texts`` as the app writes them in ``language`` (its catalogs)."""
    from app.services import i18n

    with i18n.speaking(language):
        return [i18n._(text) for text in texts]


def sign_in(page, base: str, email: str, then: str) -> None:
    """Sign in on the login page (in the first shop's language: found by its fields, not by words)."""
    page.goto(f'{base}/login?next={then}')
    page.locator('input[type=password]').wait_for(timeout=WAIT)
    page.locator('input:not([type=password])').first.fill(email)
    page.locator('input[type=password]').fill(PASSWORD)
    page.locator('input[type=password]').press('Enter')
    page.wait_for_url(lambda url: '/login' not in url, timeout=WAIT)


def settle(page, ms: int = 600) -> None:
    """Let Quasar's transitions and the loading bar finish before a picture."""
    page.wait_for_function('() => [...document.querySelectorAll(".q-loading-bar")].every('
                           'e => e.getAttribute("aria-hidden") === "true")', timeout=WAIT)
    page.wait_for_timeout(ms)


def online(browser, base: str, shop: Shop, mail: Mailbox, out: Path) -> str:
    """The online booking on a phone, through to "booked"; returns the e-mail address it booked with."""
    from babel.dates import format_date

    from app.services import i18n

    lang = shop.code
    choose_service, choose_time, name, email, send, code, book, booked = words(
        lang, 'Choose a service', 'Choose a time', 'Name', 'E-mail', 'Send me a code', 'Code', 'Book',
        "You're booked")
    page = browser.new_context(viewport=PHONE, locale={'sw': 'sw-KE', 'fr': 'fr-RW'}[lang]).new_page()
    page.goto(f'{base}/book/{shop.location_id}')
    page.get_by_role('heading', name=choose_service).wait_for(timeout=WAIT)
    settle(page)
    page.screenshot(path=str(out / f'lang-{lang}-book-services-phone.png'))
    page.get_by_role('button', name=re.compile(re.escape(shop.services[1].name))).click()
    who = shop.staff[0].name
    page.get_by_role('button', name=who).click()
    page.get_by_role('heading', name=choose_time).wait_for(timeout=WAIT)
    locale = i18n.locale_for(shop.formats, lang)
    day = shop.book_day
    short = format_date(day, 'EEE', locale=locale)
    page.locator('button').filter(has_text=re.compile(rf'^\s*{re.escape(short)}\s+{day.day}\s*$')).first.click()
    page.get_by_text(format_date(day, 'full', locale=locale), exact=True).wait_for(timeout=WAIT)
    page.get_by_role('button', name='14:00', exact=True).wait_for(timeout=WAIT)
    settle(page)
    page.screenshot(path=str(out / f'lang-{lang}-book-times-phone.png'), full_page=True)
    page.get_by_role('button', name='14:00', exact=True).click()
    page.get_by_label(name, exact=True).wait_for(timeout=WAIT)
    person = {'sw': 'Zawadi Njoroge', 'fr': 'Sandrine Keza'}[lang]
    address = person.lower().replace(' ', '.') + '@example.com'
    page.get_by_label(name, exact=True).fill(person)
    page.get_by_label(email, exact=True).fill(address)
    settle(page, 300)
    page.screenshot(path=str(out / f'lang-{lang}-book-details-phone.png'), full_page=True)
    sent = len(mail.messages)
    page.get_by_role('button', name=send).click()
    page.get_by_label(code, exact=True).wait_for(timeout=WAIT)
    message = mail.wait_for(sent)
    page.get_by_label(code, exact=True).fill(re.search(r'\d{6}', str(message['Subject'])).group(0))
    page.get_by_role('button', name=book, exact=True).click()
    page.get_by_role('heading', name=booked).wait_for(timeout=WAIT)
    settle(page)
    page.screenshot(path=str(out / f'lang-{lang}-book-booked-phone.png'))
    page.context.close()
    return address


def kiosk(browser, base: str, shop: Shop, out: Path) -> None:
    """The kiosk: its start screen, then booking: a service, a staff member, a day's free times."""
    from babel.dates import format_date

    from app.services import i18n

    lang = shop.code
    welcome, book_visit = words(lang, 'Welcome!', 'Book a visit')
    page = browser.new_context(viewport=KIOSK).new_page()
    sign_in(page, base, shop.kiosk, '/kiosk')
    page.get_by_text(welcome, exact=True).wait_for(timeout=WAIT)
    settle(page)
    page.screenshot(path=str(out / f'lang-{lang}-kiosk.png'))
    page.get_by_role('button', name=book_visit).click()
    page.get_by_role('button', name=re.compile(re.escape(shop.services[2].name))).click()
    page.get_by_role('button', name=shop.staff[2].name).click()
    day = shop.book_day
    page.get_by_role('button', name=format_date(day, 'EEE dd', locale=i18n.locale_for(shop.formats, lang)),
                     exact=True).click()
    page.get_by_role('button', name='14:00', exact=True).wait_for(timeout=WAIT)
    settle(page)
    page.screenshot(path=str(out / f'lang-{lang}-kiosk-times.png'))
    page.context.close()


MAIL_PAGE = '''<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><style>
body{{margin:0;background:#eef1f5;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937}}
.window{{width:720px;margin:24px;background:#fff;border:1px solid #cbd5e1;border-radius:8px;overflow:hidden}}
.bar{{background:#3b4a6b;color:#fff;padding:8px 16px;font-weight:600}}
.head{{padding:12px 16px;border-bottom:1px solid #e2e8f0}}
.head div{{margin:2px 0}} .head b{{display:inline-block;width:76px;color:#64748b;font-weight:500}}
.subject{{font-size:18px;font-weight:600;margin:4px 0 8px}}
.body{{padding:16px;white-space:pre-wrap;word-wrap:break-word}}
.attachment{{margin:0 16px 16px;display:inline-flex;gap:6px;align-items:center;border:1px solid #cbd5e1;
border-radius:6px;padding:6px 10px;font-size:13px;color:#334155}}
</style></head><body><div class="window"><div class="bar">{mailbox}</div><div class="head">
<div class="subject">{subject}</div><div><b>{from_}</b> {sender}</div><div><b>{to_}</b> {to}</div></div>
<div class="body">{body}</div>{attachments}</div></body></html>'''
"""A plain mail client's view of one message."""
CLIENT_WORDS = {'sw': ('Kutoka', 'Kwa'), 'fr': ('De', 'À')}
"""The mail client's own words (From, To): the reader's mail client speaks their language too."""
CLIP = ('<svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true"><path fill="#64748b" d="M16.5 6v11.5a4 4 '
        '0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 '
        '0 0 11 0V6h-1.5z"/></svg>')


def email_picture(browser, message, lang: str, out: Path) -> None:
    """``message`` (as received: subject, sender, addressee, plain text, attachments) as a mail client shows it."""
    text = message.get_body(('plain',)).get_content()
    attachments = ''.join(f'<div class="attachment">{CLIP}{html.escape(part.get_filename() or "")}</div>'
                          for part in message.iter_attachments())
    from_, to_ = CLIENT_WORDS[lang]
    page = browser.new_page(viewport={'width': 800, 'height': 600})
    page.set_content(MAIL_PAGE.format(
        lang=lang, mailbox=html.escape(str(message['To'])), subject=html.escape(str(message['Subject'])),
        from_=from_, to_=to_, sender=html.escape(str(message['From'])), to=html.escape(str(message['To'])),
        body=html.escape(text.strip()), attachments=attachments))
    page.locator('.window').screenshot(path=str(out / f'lang-{lang}-email.png'))
    page.close()


def confirmation(mail: Mailbox, address: str):
    """Send what is due (the app's scheduler is off: this process is the outbox's worker) and return the
    confirmation e-mail that went to ``address``."""
    from app.services.messaging import outbox

    before = len(mail.messages)
    outbox.deliver_due()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in mail.messages[before:]:
            if str(message['To']) == address and message.get_body(('plain',)) is not None \
                    and list(message.iter_attachments()):
                return message
        time.sleep(0.1)
    raise RuntimeError(f'no confirmation e-mail to {address}')


def day_view(browser, base: str, shop: Shop, out: Path) -> None:
    """The desk's day view signed in as the manager: the status legend and a booking block focused by keyboard."""
    page = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(page, base, shop.manager, f'/bookings?day={DESK_DAY.isoformat()}')
    page.locator('[data-booking]').first.wait_for(timeout=WAIT)
    page.locator('[data-legend]').wait_for(timeout=WAIT)
    settle(page)
    # Tab from the top of the page to the grid's one tab stop, then the arrow keys to a booking
    page.locator('body').click(position={'x': 5, 'y': 300})
    for _ in range(80):
        page.keyboard.press('Tab')
        if page.evaluate('!!(document.activeElement.dataset.slot !== undefined'
                         ' || document.activeElement.dataset.booking)'):
            break
    else:
        raise RuntimeError('Tab never reached the day grid')
    for _ in range(40):
        if page.evaluate('document.activeElement.dataset.booking || ""'):
            break
        page.keyboard.press('ArrowDown')
    else:
        raise RuntimeError('the arrow keys reached no booking')
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / 'day-view-legend-focus.png'))
    page.context.close()


def main(argv: list[str]) -> None:
    keep = '--keep' in argv
    args = [a for a in argv if a != '--keep']
    out = Path(args[0]).resolve() if args else ROOT / 'docs' / 'screenshots'
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix='clientpulse-shots-'))
    mail = Mailbox()
    mail.controller.start()
    env = {'CLIENTPULSE_DATABASE_URL': f'sqlite:///{folder / "clientpulse.db"}', 'CLIENTPULSE_DATA_DIR': str(folder),
           'CLIENTPULSE_SCHEDULER': 'false', 'CLIENTPULSE_HOST': '127.0.0.1',
           'CLIENTPULSE_SMTP_HOST': '127.0.0.1', 'CLIENTPULSE_SMTP_PORT': str(mail.port),
           'CLIENTPULSE_SMTP_FROM': MAIL_FROM, 'CLIENTPULSE_REPORTS_DIR': str(folder / 'reports'),
           'CLIENTPULSE_STORAGE_SECRET': secrets.token_urlsafe(32),
           'CLIENTPULSE_PUBLIC_URL': 'https://book.clientpulse.example'}
    for name in [n for n in os.environ if n.startswith('CLIENTPULSE_')]:
        del os.environ[name]  # the caller's own settings have no say here
    os.environ.update(env)
    try:
        from app.config import reset_settings
        from app.services import database

        reset_settings()
        database.migrate()
        shops = build()
        from playwright.sync_api import sync_playwright

        with served(env, folder) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for shop in shops:
                address = online(browser, base, shop, mail, out)
                email_picture(browser, confirmation(mail, address), shop.code, out)
                kiosk(browser, base, shop, out)
            day_view(browser, base, shops[0], out)
            browser.close()
    finally:
        mail.controller.stop()
        if keep:
            print(f'kept {folder}')
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(f'screenshots in {out}')


if __name__ == '__main__':
    main(sys.argv[1:])
