"""A Kigali spa's checkout and day report in Rwandan francs in a real browser (Playwright driving Debian's Chromium,
the app served in a process of its own): French, ``fr_RW``, VAT 18 % inside prices. What the simulated user cannot
show: the number fields as Chromium draws them (whole francs, no ``.00``) and the pages at desk and phone width.
Screenshots are kept in the test's folder (``KIGALI_SHOTS`` copies them there too: docs/screenshots)."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from tests.fixtures.browser import DESKTOP, FLAGS, PASSWORD, PHONE, app_server, sign_in

pytestmark = pytest.mark.usefixtures('chromium')

DECIMALS = re.compile(r'\d[.,]\d{1,2}\s*RF')  # francs written with cents: '15,000.00 RF', '15 000,5 RF'


def _fr(text: str) -> str:
    from app.services import i18n
    with i18n.speaking('fr'):
        return i18n._(text)


@pytest.mark.parametrize('viewport', [DESKTOP, PHONE], ids=['desk', 'phone'])
def test_a_kigali_checkout_and_day_report_in_whole_francs(sqlite_db, tmp_path, chromium, viewport):
    from babel.numbers import format_currency
    from playwright.sync_api import expect, sync_playwright

    from app.models import PaymentMethod
    from app.services.catalogue import locations
    from app.services.money import checkout, receipts
    from tests.factories import OWNER, make_service, make_small_shop

    def rf(francs: int) -> str:
        return format_currency(francs, 'RWF', locale='fr_RW')

    location = make_small_shop(PASSWORD)
    location = locations.update_location(location.id, {
        **locations.settings_of(location).model_dump(), 'name': 'Spa Kimihurura', 'country': 'RW',
        'currency': 'RWF', 'locale': 'fr_RW', 'language': 'fr', 'time_zone': 'Africa/Kigali',
        'prices_include_tax': True, 'tax_rates': [{'name': 'TVA', 'percent': '18', 'services': True,
                                                   'products': True}]}, actor=OWNER)
    make_service(location, 'SOIN', 'Soin du visage', minutes=60, price_cents=15000)
    make_service(location, 'MASS', 'Massage', minutes=60, price_cents=25000)
    name = 'kigali-{}-rwf' + ('' if viewport == DESKTOP else '-phone') + '.png'
    with app_server(sqlite_db, tmp_path) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_context(viewport=viewport, locale='fr-RW').new_page()
        sign_in(page, server.url, 'manager@shop.test', '/sales', words=_fr)  # the login page speaks French
        page.get_by_role('button', name=_fr('Sale'), exact=True).click()
        dialog = page.get_by_role('dialog')
        dialog.get_by_label(_fr('Served by')).click()
        page.get_by_role('option', name='JJ').click()
        for service in ('Soin du visage', 'Massage'):
            dialog.get_by_label(_fr('Add a service or product')).click()
            page.get_by_role('option', name=re.compile(f'^{service}')).click()
            dialog.get_by_role('button', name=_fr('Add'), exact=True).click()
        expect(dialog.get_by_text(f'Total {rf(40000)}', exact=True)).to_be_visible(timeout=10_000)
        assert dialog.get_by_label('Prix').first.input_value() == '15000'  # whole francs, as Chromium shows them
        tip = dialog.get_by_label(_fr('Tip'))
        for _attempt in range(3):  # under load the service picker may still hold the keyboard as the tip is filled
            tip.click()
            tip.fill('2000')
            if tip.input_value() == '2000':
                break
        tip.blur()
        expect(dialog.get_by_text(f'Total {rf(42000)}', exact=True)).to_be_visible(timeout=10_000)
        dialog.get_by_label(_fr('Paid by')).click()
        page.get_by_role('option', name=_fr('Cash'), exact=True).click()
        dialog.get_by_label(_fr('Cash handed over')).fill('45000')
        dialog.get_by_label(_fr('Cash handed over')).blur()
        expect(dialog.get_by_text(_fr('Change to give: {amount}').format(amount=rf(3000)))).to_be_visible(
            timeout=10_000)
        assert dialog.get_by_label(_fr('Cash handed over')).input_value() == '45000'
        assert not DECIMALS.search(dialog.inner_text()), dialog.inner_text()
        dialog.get_by_text('Soin du visage', exact=True).scroll_into_view_if_needed()  # a phone: the lines first
        page.screenshot(path=str(tmp_path / name.format('checkout')))
        dialog.get_by_role('button', name=_fr('Take payment')).click()
        expect(dialog).to_be_hidden(timeout=15_000)

        (sold,) = receipts.list_receipts(location.id, actor=OWNER)
        assert sold.total_cents == 42000
        shown = checkout.receipt_details(sold.id, actor=OWNER)
        massage = next(line.id for line in shown.lines if line.description == 'Massage')
        checkout.refund(sold.id, {massage: 1}, method=PaymentMethod.CASH, reason='allergie', actor=OWNER)
        page.reload()
        summary = page.get_by_text(_fr('The day at the till'))
        expect(summary).to_be_visible(timeout=15_000)
        # net 40 000 − (2 288 + 3 814) = 33 898, less the massage's 25 000 − 3 814 = 21 186: 12 712 before tax
        expect(page.get_by_text(rf(12712), exact=True)).to_be_visible()
        expect(page.get_by_text(rf(17000), exact=True).first).to_be_visible()  # cash: 42 000 − 25 000 back
        summary.scroll_into_view_if_needed()
        assert not DECIMALS.search(page.inner_text('body')), page.inner_text('body')
        page.screenshot(path=str(tmp_path / name.format('day-report')), full_page=True)
        browser.close()
    if os.environ.get('KIGALI_SHOTS'):
        for shot in tmp_path.glob('kigali-*.png'):
            shutil.copy(shot, os.environ['KIGALI_SHOTS'])
