"""Issue 30, "What it must show" (beside test_nairobi_week.py in this folder, with its Nairobi salon): an online booking
paying its deposit by M-Pesa through the fake Daraja — the code first, then the M-Pesa number (typed the local way),
the page waiting while the prompt is on the phone and moving on by itself when Daraja's callback lands: booked, the
deposit paid, the desk's booking dialog saying so; and a prompt the customer cancels: told why, the time let go."""

from __future__ import annotations

import re

import pytest
from nicegui.testing import User
from sqlmodel import select

from app.models import Booking, MobilePayment, Receipt, Role
from app.services.catalogue import locations
from app.services.database import session_scope
from app.services.money import mobile_money
from tests.factories import OWNER
from tests.fixtures.pages import DAY, click_block, element, sign_in
from tests.frontdesk.test_nairobi_week import SLOW, _in_swahili, _salon

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _deposits_online(shop, shop_clock):
    """The Nairobi salon at 08:00 on DAY, booking online with a 30 % deposit (KES 24.60 of the KES 82 cut, asked as
    KES 25: M-Pesa takes whole shillings)."""
    location = _salon(shop, shop_clock)
    shop['location'] = locations.update_location(location.id, {
        **locations.settings_of(location).model_dump(), 'online_booking': True, 'deposit_percent': 30},
        actor=OWNER)
    return shop['location']


async def _to_deposit(customer: User, shop, smtp, hhmm: str = '14:00') -> None:
    """On /book: the cut with JJ at ``hhmm`` on DAY, details, the e-mailed code: the deposit step."""
    await customer.open(f'/book/{shop["location"].id}')
    await customer.should_see(marker=f'service-{shop["cut"].id}', retries=100)
    customer.find(marker=f'service-{shop["cut"].id}').click()
    await customer.should_see(marker=f'who-{shop["jj"].id}', retries=100)
    customer.find(marker=f'who-{shop["jj"].id}').click()
    await customer.should_see(marker=f'times-{DAY.isoformat()}', retries=100)
    customer.find(marker=f'time-{hhmm}').click()
    await customer.should_see(marker='name', retries=100)
    await customer.should_see(marker='deposit')  # said before the code
    customer.find(marker='name').type('Amina Odhiambo')
    customer.find(marker='phone').type('0712 345 678')
    element(customer, 'channel').set_value('email')
    customer.find(marker='email').type('amina@example.com')
    customer.find(marker='send-code').click()
    await customer.should_see(marker='code', retries=100)
    code = re.search(r'\d{6}', smtp.messages[-1]['Subject']).group(0)
    customer.find(marker='code').type(code)
    customer.find(marker='book').click()
    await customer.should_see(marker='pay-mpesa', retries=100)


async def test_an_online_booking_pays_its_deposit_by_mpesa_and_the_page_follows(user: User, create_user, shop,
                                                                               shop_clock, daraja, smtp):
    _deposits_online(shop, shop_clock)
    customer = user
    await _to_deposit(customer, shop, smtp)
    with session_scope() as session:
        assert session.exec(select(Booking)).all() == []  # nothing booked before the money
    assert element(customer, 'mpesa-phone').value == '0712 345 678'  # the details' number, editable
    customer.find(marker='pay-mpesa').click()
    await customer.should_see(marker='deposit-waiting', retries=100)
    (sent,) = daraja.requests
    assert (sent['PhoneNumber'], sent['Amount']) == ('254712345678', 25)  # KES 24.60 rounded up to whole shillings
    reference = sent['CheckoutRequestID']
    daraja.complete(reference)  # the customer typed the PIN
    assert mobile_money.handle_callback(daraja.token_of(reference), daraja.callback(reference)) == 'paid'
    await customer.should_see(marker='booked', retries=SLOW * 10)  # no click: the page followed the callback
    await customer.should_see(marker='deposit-paid')
    await customer.should_see(marker='manage')
    with session_scope() as session:
        (booking,) = session.exec(select(Booking)).all()
        (receipt,) = session.exec(select(Receipt)).all()
        prompt = session.exec(select(MobilePayment)).one()
    assert booking.channel == 'online' and (receipt.kind, receipt.booking_id, receipt.paid_cents) == (
        'deposit', booking.id, 2500)
    assert prompt.provider_receipt == 'NLJ7RT61SV'
    # the desk sees the deposit, paid online, in the booking's dialog
    desk = create_user()
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await click_block(desk, booking.id)
    await desk.should_see(marker='booking-deposit', retries=SLOW * 10)
    shown = element(desk, 'booking-deposit').text
    assert 'NLJ7RT61SV' in shown and 'M-Pesa' in shown


async def test_a_cancelled_prompt_is_explained_and_the_time_let_go(user: User, shop, shop_clock, daraja, smtp):
    _deposits_online(shop, shop_clock)
    await _to_deposit(user, shop, smtp)
    user.find(marker='pay-mpesa').click()
    await user.should_see(marker='deposit-waiting', retries=100)
    reference = daraja.requests[-1]['CheckoutRequestID']
    daraja.complete(reference, '1032')
    assert mobile_money.handle_callback(daraja.token_of(reference), daraja.callback(reference, '1032')) == 'failed'
    await user.should_see(marker='deposit-failed', retries=SLOW * 10)
    await user.should_see(_in_swahili(mobile_money.RESULTS['1032']))  # why, in the shop's language
    await user.should_see(marker='pay-mpesa')  # may try again
    with session_scope() as session:
        assert session.exec(select(Booking)).all() == []
