"""M-Pesa from the checkout in a real browser (Playwright driving Debian's Chromium; the app served in a process of
its own, Daraja the local fake): the checkout shows "waiting for the customer's phone" and, when Daraja's callback
reaches the served app and its status query confirms it, "paid" with M-Pesa's receipt number — live, without a
reload. Screenshots at desk and phone width are kept in the test's folder (``MPESA_SHOTS`` copies them there too)."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import httpx
import pytest

from tests.fixtures.browser import DESKTOP, FLAGS, PASSWORD, PHONE, app_server, sign_in

pytestmark = pytest.mark.usefixtures('chromium')


@pytest.mark.parametrize('viewport', [DESKTOP, PHONE], ids=['desk', 'phone'])
def test_the_checkout_waits_for_the_phone_then_shows_it_paid(sqlite_db, tmp_path, chromium, viewport):
    from playwright.sync_api import expect, sync_playwright

    from app.services.catalogue import locations
    from tests.factories import OWNER, make_small_shop
    from tests.money.fake_daraja import KEY, PASSKEY, SECRET, SHORTCODE, FakeDaraja

    location = make_small_shop(PASSWORD)
    locations.update_location(location.id, {
        **locations.settings_of(location).model_dump(), 'country': 'KE', 'currency': 'KES', 'locale': 'en_KE',
        'prices_include_tax': True, 'tax_number': 'P051234567X',
        'tax_rates': [{'name': 'VAT', 'percent': '16', 'services': True, 'products': True}]}, actor=OWNER)
    fake = FakeDaraja()
    settings = {f'CLIENTPULSE_MPESA_{name}': value for name, value in (
        ('CONSUMER_KEY', KEY), ('CONSUMER_SECRET', SECRET), ('SHORTCODE', SHORTCODE), ('PASSKEY', PASSKEY),
        ('CALLBACK_URL', 'https://salon.example/payments/mpesa/callback'), ('BASE_URL', fake.url))}
    name = 'desk' if viewport == DESKTOP else 'phone'
    try:
        with app_server(sqlite_db, tmp_path, **settings) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_context(viewport=viewport).new_page()
            sign_in(page, server.url, 'manager@shop.test', '/sales')
            page.get_by_role('button', name='Sale', exact=True).click()
            dialog = page.get_by_role('dialog')
            dialog.get_by_label('Served by').click()
            page.get_by_role('option', name='JJ').click()
            dialog.get_by_label('Add a service or product').click()
            page.get_by_role('option', name="Women's cut").click()
            dialog.get_by_role('button', name='Add', exact=True).click()
            expect(dialog.get_by_text('Total Ksh82.00', exact=True)).to_be_visible(timeout=10_000)
            dialog.get_by_label('Paid by').click()
            page.get_by_role('option', name='Mobile money').click()
            dialog.get_by_label("Customer's phone (M-Pesa)").fill('0712 345 678')
            dialog.get_by_role('button', name='Take payment').click()
            expect(dialog.get_by_text("Waiting for the customer's phone")).to_be_visible(timeout=15_000)
            page.screenshot(path=str(tmp_path / f'checkout-mpesa-waiting-{name}.png'))
            prompt = fake.requests[0]
            assert (prompt['Amount'], prompt['PhoneNumber']) == (82, '254712345678')
            fake.complete(prompt['CheckoutRequestID'])  # the customer typed the PIN; Daraja posts its callback
            target = urlsplit(fake.callback_url(prompt['CheckoutRequestID'])).path
            answer = httpx.post(server.url + target, json=fake.callback(prompt['CheckoutRequestID']), timeout=30)
            assert answer.json() == {'ResultCode': 0, 'ResultDesc': 'Accepted'}
            expect(dialog.get_by_text('Paid by M-Pesa: Ksh82.00, M-Pesa receipt NLJ7RT61SV')).to_be_visible(
                timeout=15_000)  # live: the page was not reloaded
            expect(dialog.get_by_text('Receipt 1: paid in full')).to_be_visible()
            page.screenshot(path=str(tmp_path / f'checkout-mpesa-paid-{name}.png'))
            browser.close()
    finally:
        fake.close()
    if os.environ.get('MPESA_SHOTS'):
        for shot in tmp_path.glob('checkout-mpesa-*.png'):
            shutil.copy(shot, os.environ['MPESA_SHOTS'])
