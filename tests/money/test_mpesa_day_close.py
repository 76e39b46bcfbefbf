"""A mobile payment Daraja confirms after its day was closed at the till, on both databases: the closed day's figures
do not change (a Z report is final); the payment is counted on the next open day, and both days' reports say so."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from app.models import Payment
from app.services import clock
from app.services.database import session_scope
from app.services.money import day_close, mobile_money
from app.services.money.receipt_pdf import day_close_pdf
from tests.factories import OWNER
from tests.money.mpesa_helpers import PHONE, deliver, nairobi_sale

DAY = date(2030, 12, 4)  # a Wednesday
NAIROBI = 'Africa/Nairobi'


@pytest.fixture
def at(shop_clock):
    """Set the shop's clock to ``hh:mm`` in Nairobi on ``day`` (default :data:`DAY`); starts at 10:00."""
    def set_to(hhmm: str, day: date = DAY):
        moment = clock.local_datetime(day, int(hhmm[:2]) * 60 + int(hhmm[3:]), NAIROBI)
        shop_clock(moment)
        return moment

    set_to('10:00')
    return set_to


@pytest.fixture
def sale(db, daraja, at):
    return nairobi_sale(daraja)  # sold at 10:00, KES 1,000 owed


def _text(pdf: bytes) -> str:
    from io import BytesIO
    return '\n'.join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_payment_confirmed_after_the_close_is_counted_on_the_next_open_day(sale, at):
    fake, here = sale['fake'], sale['location'].id
    at('20:00')
    evening = mobile_money.request(sale['receipt'], PHONE, 60000, actor=OWNER)
    morning = mobile_money.request(sale['receipt'], PHONE, 40000, actor=OWNER)
    closed = day_close.close_day(here, DAY, 50000, actor=OWNER, now=at('21:00'))  # both still waiting
    assert closed.payments == {'cash': 50000} and closed.balance_cents == 100000

    at('21:30')  # the first customer pays after the close, the same evening
    fake.complete(evening.checkout_request_id)
    assert deliver(fake, evening.checkout_request_id) == 'paid'
    at('09:00', DAY + timedelta(days=1))  # the second the next morning (the periodic query finds it)
    fake.results[morning.checkout_request_id] = '0'
    assert mobile_money.check_pending(older_than=timedelta(0)) == {morning.checkout_request_id: 'paid'}

    # the closed day: its figures as closed, and a note per payment that came after
    after = day_close.summary(here, DAY, actor=OWNER)
    assert after.model_dump(exclude={'confirmed_after_close'}) == closed.model_dump(exclude={'confirmed_after_close'})
    number = after.confirmed_after_close[0].receipt_number
    assert [(p.amount_cents, p.counted_on, p.receipt_number) for p in after.confirmed_after_close] == [
        (60000, DAY + timedelta(days=1), number), (40000, DAY + timedelta(days=1), number)]
    # the evening's payment is counted from the next day's start; the morning's when it came
    with session_scope() as session:
        moments = sorted(session.exec(select(Payment.at).where(Payment.method == 'mobile_money')).all())
    assert moments == [clock.day_bounds(DAY + timedelta(days=1), NAIROBI)[0], at('09:00', DAY + timedelta(days=1))]

    # the next day: the money, and the two payments listed as for an earlier receipt
    next_day = day_close.summary(here, DAY + timedelta(days=1), actor=OWNER)
    assert next_day.payments == {'mobile_money': 100000} and next_day.receipts == 0
    assert [(p.amount_cents, p.receipt_day, p.after_close, p.closed_day) for p in next_day.earlier_receipts] == [
        (60000, DAY, True, DAY), (40000, DAY, False, None)]

    # both day reports say so
    closed_report = _text(day_close_pdf(here, DAY, actor=OWNER))
    assert f'for receipt {number} confirmed after close, counted on Thu 05 Dec' in closed_report
    next_report = _text(day_close_pdf(here, DAY + timedelta(days=1), actor=OWNER))
    assert 'Payments for earlier receipts' in next_report
    assert f'Receipt {number} of Wed 04 Dec' in next_report and 'confirmed after Wed 04 Dec was closed' in next_report


def test_an_open_day_counts_its_own_payments(sale, at):
    """Without a close nothing moves: the payment is counted when Daraja confirms it, and no note is made."""
    fake, here = sale['fake'], sale['location'].id
    at('20:00')
    prompt = mobile_money.request(sale['receipt'], PHONE, 100000, actor=OWNER)
    at('21:30')
    fake.complete(prompt.checkout_request_id)
    assert deliver(fake, prompt.checkout_request_id) == 'paid'
    figures = day_close.summary(here, DAY, actor=OWNER)
    assert figures.payments == {'cash': 50000, 'mobile_money': 100000} and figures.balance_cents == 0
    assert figures.earlier_receipts == [] and figures.confirmed_after_close == []
