"""M-Pesa at the desk: a prompt sent from a receipt with a balance shows "waiting for the customer's phone" live, then
paid when Daraja's callback reaches the app's endpoint (``POST /payments/mpesa/callback/<the prompt's token>``) and
Daraja's status query confirms it; forgeries are refused."""

from __future__ import annotations

import httpx
import pytest
from nicegui import app
from nicegui.testing import User

from app.models import PaymentMethod, Role
from app.services.money import checkout
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER
from tests.fixtures.pages import DAY, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url='http://shop')


async def _post(body) -> dict:
    async with _client() as client:
        return (await client.post('/payments/mpesa/callback', json=body)).json()


async def test_a_prompt_waits_for_the_phone_then_the_callback_pays_it(user: User, shop, daraja):
    sold = checkout.check_out(Sale(location_id=shop['location'].id, lines=[SaleLine(
        service_id=shop['cut'].id, staff_member_id=shop['jj'].id)],
        payments=[PaymentIn(method=PaymentMethod.CARD, amount_cents=6266)]), actor=OWNER)  # 3000 left of 9266
    await sign_in(user, Role.STAFF, f'/sales?day={DAY.isoformat()}')
    user.find(marker='sales-list').trigger('rowClick', [{}, {'id': sold.receipt_id}, 0])
    await user.should_see(marker='receipt-owed')
    user.find(marker='mpesa-phone').type('0712 345 678')
    element(user, 'mpesa-amount').set_value(30)
    user.find(marker='mpesa-send').click()
    # the prompt goes to Daraja (the fake) in a worker thread: allow a loaded machine up to 10 s
    await user.should_see("Waiting for the customer's phone", retries=100)
    prompt = daraja.requests[0]
    assert (prompt['Amount'], prompt['PhoneNumber']) == (30, '254712345678')

    assert await _post({'Body': {'stkCallback': {'CheckoutRequestID': 'ws_CO_FORGED', 'ResultCode': 0}}}) == {
        'ResultCode': 1, 'ResultDesc': 'Rejected'}
    daraja.complete(prompt['CheckoutRequestID'])  # the customer typed the PIN
    async with _client() as client:  # Daraja posts to the CallBackURL it was given, token and all
        answer = await daraja.post_callback(client, prompt['CheckoutRequestID'])
    assert answer.json() == {'ResultCode': 0, 'ResultDesc': 'Accepted'}
    await eventually(lambda: checkout.balance_of(sold.receipt_id, actor=OWNER) == 0)
    await user.should_see('M-Pesa: paid (NLJ7RT61SV)', retries=100)  # the open receipt heard it


async def test_the_callback_endpoint_refuses_what_is_not_a_callback(user: User, shop, daraja):
    async with _client() as client:
        huge = await client.post('/payments/mpesa/callback', content=b'{' + b' ' * 70_000 + b'}',
                                 headers={'Content-Type': 'application/json'})
        assert huge.status_code == 413
        for body in (b'not json', b'[1, 2]', b'{"Body": {"stkCallback": {"ResultCode": "=HYPERLINK()"}}}'):
            answer = await client.post('/payments/mpesa/callback', content=body,
                                       headers={'Content-Type': 'application/json'})
            assert answer.json() == {'ResultCode': 1, 'ResultDesc': 'Rejected'}


async def test_a_payment_confirmed_after_the_close_is_noted_on_both_days(user: User, shop, daraja, shop_clock):
    from datetime import timedelta

    from app.services import clock
    from app.services.money import day_close, mobile_money
    from tests.money.mpesa_helpers import deliver

    here = shop['location']
    sold = checkout.check_out(Sale(location_id=here.id, lines=[SaleLine(
        service_id=shop['cut'].id, staff_member_id=shop['jj'].id)],
        payments=[PaymentIn(method=PaymentMethod.CARD, amount_cents=6266)]), actor=OWNER)  # 3000 left, at 23:00
    prompt = mobile_money.request(sold.receipt_id, '+254 712 345 678', 3000, actor=OWNER)
    day_close.close_day(here.id, DAY, 0, actor=OWNER, now=clock.now())
    shop_clock(clock.now() + timedelta(minutes=30))  # the customer pays at 23:30, after the close
    daraja.complete(prompt.checkout_request_id)
    assert deliver(daraja, prompt.checkout_request_id) == 'paid'

    await sign_in(user, Role.MANAGER, f'/sales?day={DAY.isoformat()}')
    await user.should_see(f'M-Pesa payment of $30.00 for receipt {sold.number} confirmed after close, counted on '
                          f'{DAY + timedelta(days=1):%a %d %b}')
    await user.open(f'/sales?day={DAY + timedelta(days=1):%Y-%m-%d}')
    await user.should_see('Payments for earlier receipts')
    await user.should_see(f'Receipt {sold.number} of {DAY:%a %d %b}: $30.00 by mobile money, confirmed after '
                          f'{DAY:%a %d %b} was closed')
    assert element(user, 'day-mobile_money').text == '$30.00'
