"""Issue 30: money in each currency's own minor units through the services — a checkout with a discount, VAT inside
the price and a tip; a refund; a deposit taken and applied; a gift card sold and spent; the day's figures and its
close; the sales CSV, the commission workbook's number formats and the receipt PDF — for RWF and JPY (whole units),
KES (hundredths) and BHD (thousandths). The same minor units give the same exact sums in every currency; only how
they are written changes: no ".00" for RWF and JPY, three decimals for BHD."""

from __future__ import annotations

import csv
from datetime import date
from io import BytesIO, StringIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from app.models import ActivityEntry, BookingStatus, PaymentMethod
from app.services import amounts, i18n
from app.services.catalogue import catalog, locations
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.frontdesk import bookings
from app.services.money import checkout, commission, day_close, deposits, gift_cards, receipts
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from app.services.money.receipt_pdf import receipt_pdf
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

pytestmark = pytest.mark.usefixtures('shop_clock')
DAY = date(2030, 3, 4)
CASH = PaymentMethod.CASH
# what the same minor units read as: (currency, 14000 written plainly, 14000 as a wrong two-decimal reading)
WRITTEN = {'RWF': '14000', 'JPY': '14000', 'KES': '140.00', 'BHD': '14.000'}


@pytest.fixture(params=['RWF', 'KES', 'JPY', 'BHD'])
def shop(request, db):
    currency = request.param
    location = make_location()
    values = {**locations.settings_of(location).model_dump(), 'currency': currency, 'locale': 'en_KE',
              'prices_include_tax': True, 'tax_rates': [{'name': 'VAT', 'percent': '18'}]}
    location = locations.update_location(location.id, values, actor=OWNER)
    member = make_staff_member(location, 'Aline')
    massage = make_service(location, 'MSG', 'Massage', price_cents=15000)  # 15,000 RWF; 150.00 KES; 15.000 BHD
    customer = make_customer(location)
    return {'currency': currency, 'location': location, 'member': member, 'massage': massage, 'customer': customer}


def _checked_in(shop, hhmm: str):
    booking = make_booking(shop['location'], shop['member'], shop['massage'], shop['customer'], at(DAY, hhmm))
    return booking


def _activity(location_id: int) -> str:
    with session_scope() as session:
        return '\n'.join(i18n.shown(e.detail) for e in session.exec(select(ActivityEntry).where(
            ActivityEntry.location_id == location_id)))


def test_checkout_refund_deposit_gift_card_day_and_exports_in_the_currencys_own_units(shop, tmp_path):
    currency, location = shop['currency'], shop['location']
    # a deposit of 5000 taken before the visit, applied at checkout
    booking = _checked_in(shop, '10:00')
    deposits.take(booking.id, PaymentIn(method=CASH, amount_cents=5000), actor=OWNER, as_of=at(DAY, '09:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    # 15000 with 10 % off: 13500, VAT 18 % inside it (2059, net 11441); a 500 tip; 14000 due, 5000 from the deposit;
    # 9000 in cash for the rest, 10000 handed over: 1000 change
    sold = checkout.check_out(Sale(location_id=location.id, booking_id=booking.id,
                                   lines=[SaleLine(service_id=shop['massage'].id)], discount_percent=10,
                                   discount_reason='first visit', tip_cents=500,
                                   payments=[PaymentIn(method=CASH, amount_cents=9000, tendered_cents=10000)]),
                              actor=OWNER, as_of=at(DAY, '11:00'))
    assert (sold.total_cents, sold.paid_cents, sold.balance_cents, sold.change_cents) == (14000, 14000, 0, 1000)
    shown = checkout.receipt_details(sold.receipt_id, actor=OWNER)
    assert shown.currency == currency
    assert shown.lines[0].net_cents == 11441 and shown.lines[0].taxes == {'VAT': 2059}
    assert f'{WRITTEN[currency]} paid' in _activity(location.id)

    # a gift card of 20000 sold, then 3000 of it spent on a walk-in's sale of the same massage (no discount)
    card_sale = checkout.check_out(Sale(location_id=location.id, lines=[], gift_cards=[20000],
                                        payments=[PaymentIn(method=CASH, amount_cents=20000)]),
                                   actor=OWNER, as_of=at(DAY, '12:00'))
    code = card_sale.gift_card_codes[0]
    spent = checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=shop['massage'].id)],
                                    payments=[PaymentIn(method=PaymentMethod.GIFT_CARD, amount_cents=3000,
                                                        gift_card_code=code),
                                              PaymentIn(method=CASH, amount_cents=12000)]),
                               actor=OWNER, as_of=at(DAY, '13:00'))
    assert spent.total_cents == 15000 and gift_cards.balance(location.id, code, actor=OWNER).balance_cents == 17000
    with session_scope() as session:
        with pytest.raises(ValidationError) as refused:
            gift_cards.spend(session, location.id, code, 99999, receipt_id=spent.receipt_id, user_id=None,
                             now=at(DAY, '13:00'), field='payments.0')
    assert amounts.plain(17000, currency) in str(refused.value)

    # the first sale refunded in full: 13500 back (the line with its VAT); the tip stays with the staff member
    line = shown.lines[0]
    back = checkout.refund(sold.receipt_id, {line.id: 1}, method=CASH, reason='allergy', actor=OWNER,
                           as_of=at(DAY, '14:00'))
    assert back.total_cents == 13500
    assert f'{amounts.plain(13500, currency)} by cash (allergy)' in _activity(location.id)

    # the day: sales net 11441 + 12712 − 11441; VAT 2059 + 2288 − 2059; cash 5000 + 9000 + 20000 + 12000 − 13500
    figures = day_close.summary(location.id, DAY, actor=OWNER)
    assert figures.net_cents == 12712 and figures.tax_cents == 2288
    assert figures.payments == {'cash': 32500, 'gift_card': 3000} and figures.expected_cash_cents == 32500
    closed = day_close.close_day(location.id, DAY, 32000, actor=OWNER, now=at(DAY, '23:00'))
    assert closed.counted_cash_cents == 32000
    expected, counted, difference = (amounts.plain(c, currency, spec) for c, spec in
                                     ((32500, ''), (32000, ''), (-500, '+')))
    assert f'cash expected {expected}, counted {counted}, difference {difference}' in _activity(location.id)

    # the sales CSV: amounts with the currency's decimals, and they add up
    rows = list(csv.reader(StringIO(receipts.sales_csv(location.id, at(DAY, '00:00'), at(DAY, '23:59'),
                                                       actor=OWNER).decode())))
    sale_row = next(r for r in rows[1:] if r[0] == sold.number)
    assert sale_row[5:8] == [WRITTEN[currency], WRITTEN[currency], amounts.plain(0, currency)]
    assert sale_row[8] == f'Cash {amounts.plain(9000, currency)}'  # the deposit is its own receipt's payment
    if amounts.digits(currency) == 0:
        assert not any('.' in cell for r in rows[1:] for cell in r[5:9])

    # the commission workbook: amounts as numbers with the currency's own number format
    rows = commission.report(location.id, DAY, DAY, actor=OWNER)
    sheet = load_workbook(BytesIO(commission.to_xlsx(rows, 'March'))).active
    assert sheet['B3'].number_format == {'RWF': '#,##0', 'JPY': '#,##0', 'KES': '#,##0.00',
                                         'BHD': '#,##0.000'}[currency]
    assert sheet['G3'].value == float(amounts.to_major(500, currency))  # the tip, exactly

    # the receipt as printed: the currency's decimals, never ".00" for whole units
    path = tmp_path / 'r.pdf'
    path.write_bytes(receipt_pdf(sold.receipt_id, actor=OWNER))
    text = '\n'.join(page.extract_text() for page in PdfReader(path).pages).replace('\xa0', ' ')
    total = amounts.format_money(14000, currency, 'en_KE').replace('\xa0', ' ')
    assert total in text and amounts.format_money(2059, currency, 'en_KE').replace('\xa0', ' ') in text
    if amounts.digits(currency) == 0:
        assert '.00' not in text
    if currency == 'BHD':
        assert '14.000' in text


@pytest.mark.parametrize(('currency', 'price', 'kept'), [('RWF', 150000, 1500), ('BHD', 150000, 1500000),
                                                        ('JPY', 150050, 1501)])
def test_a_new_currency_keeps_the_typed_prices_until_money_is_taken(db, currency, price, kept):
    """1,500.00 KES becomes 1,500 RWF (÷ 100, half up: 1,500.50 → 1,501 JPY), 1,500.000 BHD (× 10); once the
    location has taken money, its currency stays."""
    location = make_location()
    values = {**locations.settings_of(location).model_dump(), 'currency': 'KES'}
    location = locations.update_location(location.id, values, actor=OWNER)
    service = make_service(location, price_cents=price)
    location = locations.update_location(location.id, {**values, 'currency': currency}, actor=OWNER)
    assert location.currency == currency
    assert [s.price_cents for s in catalog.list_services(location.id, actor=OWNER) if s.id == service.id] == [kept]
    checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=service.id)], settle_with=CASH),
                       actor=OWNER, as_of=at(DAY, '11:00'))
    with pytest.raises(ValidationError) as refused:
        locations.update_location(location.id, {**values, 'currency': 'KES'}, actor=OWNER)
    assert refused.value.field == 'currency' and "can't change once the location has taken money" in str(
        refused.value)
    assert locations.get_location(location.id, actor=OWNER).currency == currency
