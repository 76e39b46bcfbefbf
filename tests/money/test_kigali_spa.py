"""Issue 30 §3, "What it must show": a Kigali spa's checkout, refund and day report in RWF with no decimals (Rwandan
francs have no minor unit: ``*_cents`` columns hold whole francs), through the pages as the desk uses them — French,
Kigali's time, country RW, VAT 18 % inside prices:

- a booking for a 15 000 RF facial checked out by the manager at the desk with a 25 000 RF massage added and brought
  down to 22 000 RF (a discount typed in whole francs), a tip of 2 000 RF — a tip typed as ``1500.5`` is refused on the
  tip's field, in French — and cash: 40 000 RF handed over for 39 000 RF, 1 000 RF change;
- the massage refunded in cash from the Sales page, and the day's figures and its close, every sum worked out here;
- every amount the pages show written by Babel for ``fr_RW`` without decimals;

and a spot check of a price typed and shown in KES (two decimals) and BHD (three) on the services page."""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_currency
from nicegui.testing import User

from app.models import BookingStatus, Role
from app.pages.formatting import money
from app.services import amounts, clock, i18n
from app.services.catalogue import catalog, locations
from app.services.frontdesk import bookings
from app.services.money import receipts
from app.services.money.receipt_pdf import day_close_pdf, receipt_pdf
from tests.factories import OWNER, make_booking, make_customer, make_service
from tests.fixtures.pages import DAY, click_block, element, eventually, sign_in
from tests.money.test_mpesa_checkout import _pdf_text

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

TZ = 'Africa/Kigali'
SLOW = 15  # seconds: worker threads and live updates on a loaded 2-core machine
DECIMALS = re.compile(r'\d[.,]\d{1,2}(?!\d)')
"""An amount written with one or two decimals (``15 000,00``, ``15,000.5``; ``15,000`` has none: a group of three)."""


def _rf(francs: int) -> str:
    """Whole francs as Babel writes them for ``fr_RW`` (``'15,000\xa0RF'``), independently of the app's conversion."""
    return format_currency(francs, 'RWF', locale='fr_RW')


def _in_french(text: str) -> str:
    with i18n.speaking('fr'):
        return i18n._(text)


def _spa(shop, shop_clock) -> dict:
    """The test shop as a Kigali spa (RWF, French, fr_RW, Kigali's time, RW, VAT 18 % inside prices) with a facial
    (15 000 RF) and a massage (25 000 RF), its clock at 18:00 on DAY, Kigali time."""
    values = {**locations.settings_of(shop['location']).model_dump(), 'country': 'RW', 'currency': 'RWF',
              'locale': 'fr_RW', 'language': 'fr', 'time_zone': TZ, 'prices_include_tax': True,
              'tax_rates': [{'name': 'TVA', 'percent': '18', 'services': True, 'products': True}]}
    shop['location'] = location = locations.update_location(shop['location'].id, values, actor=OWNER)
    shop['facial'] = make_service(location, 'SOIN', 'Soin du visage', minutes=60, price_cents=15000)
    shop['massage'] = make_service(location, 'MASS', 'Massage', minutes=60, price_cents=25000)
    shop_clock(clock.local_datetime(DAY, 18 * 60, TZ))
    return shop


def _amounts_shown(texts) -> list[str]:
    """The texts among ``texts`` that hold an amount in francs."""
    return [t for t in texts if t and 'RF' in t]


def _no_decimals(texts) -> None:
    shown = _amounts_shown(texts)
    assert shown, 'no amount shown'
    for text in shown:
        assert not DECIMALS.search(text) and ',00' not in text.replace(',000', ''), text


def test_babel_writes_francs_without_decimals():
    assert money(15000, 'RWF', 'fr_RW') == _rf(15000) == '15,000\xa0RF'  # fr_RW: commas, the symbol after
    assert money(15000, 'RWF', 'en_RW') == 'RF15,000'
    assert amounts.to_major(15000, 'RWF') == 15000


async def test_a_kigali_spa_checks_out_refunds_and_closes_the_day_in_whole_francs(user: User, shop, shop_clock,
                                                                                  tmp_path):
    _spa(shop, shop_clock)
    aline = make_customer(shop['location'], 'Aline Uwase', '0788 123 456')
    booking = make_booking(shop['location'], shop['jj'], shop['facial'], aline, clock.local_datetime(DAY, 600, TZ))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)

    await sign_in(user, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    await click_block(user, booking.id)
    await user.should_see(marker='to-checkout')
    user.find(marker='to-checkout').click()
    await user.should_see(marker='checkout-take')
    price = element(user, 'checkout-line-0-price')  # whole francs: step 1, shown without decimals
    assert (price.value, price.props['model-value'], price.props['step']) == (15000, '15000', 1)
    element(user, 'checkout-item').set_value(f's{shop["massage"].id}')
    user.find(marker='checkout-add').click()
    await eventually(lambda: _rf(40000) in element(user, 'checkout-total').text, timeout=SLOW)
    element(user, 'checkout-line-1-price').set_value(22000)  # 3 000 RF off the massage, typed in francs
    await eventually(lambda: _rf(37000) in element(user, 'checkout-total').text, timeout=SLOW)

    element(user, 'checkout-tip').set_value(1500.5)  # francs have no cents: refused, on the tip's field
    with i18n.speaking('fr'):
        refusal = amounts.too_precise('RWF')
    assert refusal == _in_french('Amounts in {currency} have no decimals.').format(currency='RWF')
    await eventually(lambda: element(user, 'checkout-error').text == refusal, timeout=SLOW)
    assert element(user, 'checkout-tip').error == refusal
    element(user, 'checkout-tip').set_value(2000)
    await eventually(lambda: _rf(39000) in element(user, 'checkout-total').text, timeout=SLOW)
    assert element(user, 'checkout-error').text == '' and element(user, 'checkout-tip').error is None
    # VAT inside: 15 000 × 18/118 = 2 288.14 → 2 288 and 22 000 × 18/118 = 3 355.93 → 3 356, whole francs per line
    assert _rf(5644) in element(user, 'checkout-sum-tax-TVA').text
    assert element(user, 'checkout-pay-0-amount').value == 39000
    element(user, 'checkout-pay-0-method').set_value('cash')
    await user.should_see(marker='checkout-pay-0-tendered', retries=100)  # shown for cash
    element(user, 'checkout-pay-0-tendered').set_value(40000)
    await eventually(lambda: element(user, 'checkout-balance').text == _in_french('Change to give: {amount}').format(
        amount=_rf(1000)), timeout=SLOW)
    _no_decimals(label.text for label in user.find(marker='checkout-totals').elements.pop().descendants()
                 if hasattr(label, 'text'))
    user.find(marker='checkout-take').click()
    await eventually(lambda: len(receipts.list_receipts(shop['location'].id, actor=OWNER)) == 1, timeout=SLOW)
    (sold,) = receipts.list_receipts(shop['location'].id, actor=OWNER)
    assert (sold.total_cents, sold.paid_cents) == (39000, 39000)

    # the massage brought back: 22 000 RF in cash, from its receipt on the Sales page
    await user.open(f'/sales?day={DAY.isoformat()}')
    await user.should_see(marker='sales-list', retries=100)
    assert [(r['total'], r['paid']) for r in element(user, 'sales-list').rows] == [(_rf(39000), _rf(39000))]
    user.find(marker='sales-list').trigger('rowClick', [{}, {'id': sold.id}, 0])
    await user.should_see(marker='receipt-title')
    _no_decimals(e.text for e in user.find(marker='receipt-totals').elements.pop().descendants() if hasattr(e, 'text'))
    element(user, 'refund-Massage').set_value(1)
    element(user, 'refund-method').set_value('cash')
    user.find(marker='refund-reason').type('allergie')
    user.find(marker='refund-give').click()
    await eventually(lambda: len(element(user, 'sales-list').rows) == 2, timeout=SLOW)
    refund = next(r for r in element(user, 'sales-list').rows if r['id'] != sold.id)
    assert refund['total'] == _rf(-22000)

    # the day, worked out here: net 37 000 − 5 644 = 31 356, less the massage's 22 000 − 3 356 = 18 644: 12 712;
    # VAT 5 644 − 3 356 = 2 288; cash 39 000 − 22 000 = 17 000 (the tip was paid in cash); 2 000 RF of tips for JJ
    day = {mark: element(user, mark).text for mark in ('day-net', 'day-tax', 'day-cash', 'day-refunds',
                                                         'day-tip-JJ', 'day-expected-cash', 'day-owed')}
    assert day == {'day-net': _rf(12712), 'day-tax': _rf(2288), 'day-cash': _rf(17000), 'day-refunds': _rf(22000),
                   'day-tip-JJ': _rf(2000), 'day-expected-cash': _rf(17000), 'day-owed': _rf(0)}
    counted = element(user, 'day-counted')
    assert (counted.props['step'], counted.props['placeholder']) == (1, '0')
    counted.set_value(17000)
    user.find(marker='day-close').click()
    await user.should_see(marker='day-closed', retries=100)
    assert element(user, 'day-closed').text == _in_french('Closed: {counted} counted, as expected').format(
        counted=_rf(17000))
    _no_decimals(e.text for e in user.find(marker='sales-summary').elements.pop().descendants() if hasattr(e, 'text'))

    # printed as shown (the services' side, i30-minorsvc): the receipt and the day's report, whole francs
    printed = _pdf_text(receipt_pdf(sold.id, actor=OWNER), tmp_path)
    report = _pdf_text(day_close_pdf(shop['location'].id, DAY, actor=OWNER), tmp_path)
    for figure in ('39,000', '5,644', '2,000'):
        assert figure in printed, (figure, printed)
    for figure in ('12,712', '2,288', '17,000', '22,000'):
        assert figure in report, (figure, report)
    for text in (printed, report):
        assert not DECIMALS.search(text.replace('18 %', '').replace('18%', '')), text


@pytest.mark.parametrize(('currency', 'locale', 'typed', 'minor', 'shown', 'step', 'too_precise'), [
    ('KES', 'en_KE', 90.5, 9050, 'Ksh90.50', 0.01, 90.555),
    ('BHD', 'ar_BH', 12.5, 12500, 'BHD12.500', 0.001, 12.3456),
])
async def test_a_price_is_typed_and_shown_in_the_currencys_decimals(user: User, shop, currency, locale, typed,
                                                                    minor, shown, step, too_precise):
    locations.update_location(shop['location'].id, {**locations.settings_of(shop['location']).model_dump(),
                                                    'currency': currency, 'locale': locale}, actor=OWNER)
    cut = make_service(shop['location'], 'FACE', 'Facial', price_cents=12345)  # KES 123.45, BHD 12.345
    await sign_in(user, Role.OWNER, '/catalog')
    await user.should_see(marker='service-list', retries=100)

    def listed() -> str:
        return {r['name']: r['price'] for r in element(user, 'service-list').rows}['Facial'].replace('\xa0', '')

    assert listed() == {'KES': 'Ksh123.45', 'BHD': 'BHD12.345'}[currency]
    user.find(marker='service-list').trigger('rowClick', [{}, {'id': cut.id}, 0])
    await user.should_see(marker='service-save')
    price = element(user, 'service-price')
    assert (price.props['model-value'], price.props['step']) == ({'KES': '123.45', 'BHD': '12.345'}[currency], step)
    price.set_value(too_precise)
    user.find(marker='service-save').click()
    await eventually(lambda: element(user, 'service-price').error == amounts.too_precise(currency), timeout=SLOW)
    price.set_value(typed)
    user.find(marker='service-save').click()
    await eventually(lambda: listed() == shown, timeout=SLOW)
    assert next(s for s in catalog.list_services(shop['location'].id, actor=OWNER) if s.id == cut.id
                ).price_cents == minor
