"""A deposit paid by M-Pesa on the online booking page, in a real browser (Playwright driving Debian's Chromium; the
app served in a process of its own, Daraja the local fake, the code e-mailed to the local SMTP server): the page waits
while the prompt is on the phone and, when Daraja's callback reaches the served app and its status query confirms it,
shows the booking made with the deposit paid — without a reload. Screenshots at desk and phone width are kept in the
test's folder (``DEPOSIT_SHOTS`` copies them there too: docs/screenshots/online-deposit-*.png)."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest

from tests.fixtures.browser import DESKTOP, FLAGS, PASSWORD, PHONE, app_server

pytestmark = pytest.mark.usefixtures('chromium')


@pytest.mark.parametrize('viewport', [DESKTOP, PHONE], ids=['desk', 'phone'])
def test_an_online_deposit_waits_for_the_phone_then_books(sqlite_db, tmp_path, chromium, smtp, viewport):
    from playwright.sync_api import expect, sync_playwright

    from app.services import clock
    from app.services.catalogue import locations
    from tests.factories import OWNER, make_small_shop
    from tests.money.fake_daraja import KEY, PASSKEY, SECRET, SHORTCODE, FakeDaraja

    location = make_small_shop(PASSWORD)
    locations.update_location(location.id, {
        **locations.settings_of(location).model_dump(), 'name': 'Wanjiru Hair Studio', 'country': 'KE',
        'currency': 'KES', 'locale': 'en_KE', 'time_zone': 'Africa/Nairobi', 'address': 'Moi Avenue 12, Nairobi',
        'phone': '+254 20 123 4567', 'online_booking': True, 'deposit_percent': 30, 'min_notice_minutes': 60,
        'tax_rates': []}, actor=OWNER)
    today = clock.local_day(clock.now(), 'Africa/Nairobi')
    offset = next(n for n in range(2, 9) if (today + timedelta(days=n)).weekday() < 5)  # a weekday ahead
    fake = FakeDaraja()
    settings = {f'CLIENTPULSE_MPESA_{name}': value for name, value in (
        ('CONSUMER_KEY', KEY), ('CONSUMER_SECRET', SECRET), ('SHORTCODE', SHORTCODE), ('PASSKEY', PASSKEY),
        ('CALLBACK_URL', 'https://salon.example/payments/mpesa/callback'), ('BASE_URL', fake.url))}
    name = 'desk' if viewport == DESKTOP else 'phone'
    try:
        with app_server(sqlite_db, tmp_path, **settings) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_context(viewport=viewport).new_page()
            page.goto(f'{server.url}/book/{location.id}')
            page.get_by_role('button', name=re.compile("Women's cut")).click()
            chip = page.locator('.day-chip').nth(offset)
            chip.click()
            expect(chip).to_have_attribute('aria-pressed', 'true')  # the day's times replace the first day's
            page.get_by_role('button', name='10:00', exact=True).click()
            page.get_by_role('textbox', name='Name').fill('Amina Odhiambo')
            page.get_by_role('textbox', name='Mobile').fill('0712 345 678')
            page.get_by_role('textbox', name='E-mail').fill('amina@example.com')
            page.get_by_role('button', name='Send me a code').click()
            expect(page.get_by_label('Code')).to_be_visible(timeout=15_000)
            code = re.search(r'\d{6}', smtp.messages[-1]['Subject']).group(0)
            page.get_by_label('Code').fill(code)
            page.get_by_role('button', name='Continue to the deposit').click()
            pay = page.get_by_role('button', name=re.compile('with M-Pesa'))
            expect(pay).to_be_visible(timeout=15_000)
            expect(page.get_by_label('M-Pesa number')).to_have_value('0712 345 678')
            pay.click()
            expect(page.get_by_text('Check your phone')).to_be_visible(timeout=15_000)
            page.screenshot(path=str(tmp_path / f'online-deposit-waiting-{name}.png'))
            prompt = fake.requests[0]
            assert (prompt['Amount'], prompt['PhoneNumber']) == (25, '254712345678')  # KES 24.60 rounded up
            fake.complete(prompt['CheckoutRequestID'])  # the customer typed the PIN; Daraja posts its callback
            target = urlsplit(fake.callback_url(prompt['CheckoutRequestID'])).path
            answer = httpx.post(server.url + target, json=fake.callback(prompt['CheckoutRequestID']), timeout=30)
            assert answer.json() == {'ResultCode': 0, 'ResultDesc': 'Accepted'}
            expect(page.get_by_text("You're booked")).to_be_visible(timeout=15_000)  # live: no reload
            expect(page.get_by_text(re.compile('Deposit paid: Ksh'))).to_be_visible()
            page.screenshot(path=str(tmp_path / f'online-deposit-paid-{name}.png'))
            browser.close()
    finally:
        fake.close()
    if os.environ.get('DEPOSIT_SHOTS'):
        for shot in tmp_path.glob('online-deposit-*.png'):
            shutil.copy(shot, os.environ['DEPOSIT_SHOTS'])
