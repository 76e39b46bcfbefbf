"""``POST /payments/mpesa/callback[/<token>]`` over HTTP, whatever is posted: nested 50,000 deep, over 64 KiB (said
or not), not JSON, not UTF-8, a list, NaN, a number too big, fields of the wrong type. Each answer is Daraja's
acknowledgement (HTTP 200, ``ResultCode`` 1) or 413, never a 500 nor a RecursionError; nothing is paid; refusals are
logged with the sender's address. A wrong token is refused the same way; the prompt's own URL pays."""

from __future__ import annotations

import json

import httpx
import pytest
from nicegui import app
from nicegui.testing import User

from app.pages.money import mpesa
from app.services.accounts import activity
from app.services.money import checkout, mobile_money
from tests.factories import OWNER
from tests.money.mpesa_helpers import PHONE, nairobi_sale

REJECTED = {'ResultCode': 1, 'ResultDesc': 'Rejected'}
DEEP = 50_000


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=('198.51.100.7', 4711)),
                             base_url='http://shop')


def _hostile() -> list[bytes]:
    def callback(**fields) -> bytes:  # for no prompt of ours: a body that names a real one is a hint to ask Daraja
        return json.dumps({'Body': {'stkCallback': {'CheckoutRequestID': 'ws_CO_NOT_OURS', 'ResultCode': 0,
                                                    **fields}}}).encode()

    nested_value = b'{"Body": {"stkCallback": {"CheckoutRequestID": ' + b'[' * 30_000 + b']' * 30_000 + b'}}}'
    return [b'[' * DEEP, b'{"a":' * (DEEP // 5) + b'1' + b'}' * (DEEP // 5), b'[' * 900 + b']' * 900,
            nested_value, b'"' + b'\\"' * 30_000,  # a string never closed, full of escaped quotes
            b'not json', b'\xff\xfe{}', b'[1, 2]', b'null', b'"text"', b'{"Body": NaN}', b'',
            b'{"Body": {"stkCallback": {"CheckoutRequestID": "x", "ResultCode": 1e400}}}',
            callback(ResultCode=True), callback(ResultCode='=HYPERLINK()'), callback(ResultCode=[0]),
            callback(CallbackMetadata={'Item': [{'Name': 'Amount', 'Value': 1e400}, {'Name': ['x']}, 7]}),
            callback(CallbackMetadata=[1]), callback(ResultDesc={'a': [1] * 100})]


@pytest.fixture
async def served(db, daraja, user: User):
    """The app serving a Nairobi sale with one M-Pesa prompt waiting (the customer has paid at Daraja)."""
    sale = nairobi_sale(daraja)
    prompt = mobile_money.request(sale['receipt'], PHONE, 100000, actor=OWNER)
    daraja.complete(prompt.checkout_request_id)
    return {**sale, 'checkout_id': prompt.checkout_request_id}


async def test_hostile_bodies_are_answered_never_with_a_500(served):
    token = served['fake'].token_of(served['checkout_id'])
    bodies = _hostile()
    async with _client() as client:
        for path in ('/payments/mpesa/callback', f'/payments/mpesa/callback/{token}'):
            for body in bodies:
                answer = await client.post(path, content=body, headers={'Content-Type': 'application/json'})
                assert (answer.status_code, answer.json()) == (200, REJECTED), body[:60]
    assert checkout.balance_of(served['receipt'], actor=OWNER) == 100000
    logged = activity.entries(actor=OWNER, action='mpesa_refused')
    assert len(logged) == 2 * len(bodies) and {e.ip for e in logged} == {'198.51.100.7'}


async def test_bodies_over_64_kib_are_not_read(served):
    token = served['fake'].token_of(served['checkout_id'])
    path = f'/payments/mpesa/callback/{token}'
    big = b'{"Body": "' + b'x' * mpesa.MAX_BYTES + b'"}'

    async def chunked():  # no Content-Length: the size shows only while reading
        for start in range(0, len(big), 4096):
            yield big[start:start + 4096]

    async with _client() as client:
        declared = await client.post(path, content=big, headers={'Content-Type': 'application/json'})
        streamed = await client.post(path, content=chunked(), headers={'Content-Type': 'application/json'})
        lying = await client.post(path, content=b'{}', headers={'Content-Length': '1e9'})
    for answer in (declared, streamed, lying):
        assert answer.status_code == 413 and answer.json()['ResultCode'] == 1
    assert checkout.balance_of(served['receipt'], actor=OWNER) == 100000


async def test_only_the_prompts_own_url_pays(served):
    fake, checkout_id = served['fake'], served['checkout_id']
    async with _client() as client:
        for wrong in ('', 'A' * 43, fake.token_of(checkout_id)[:-1] + '_'):
            answer = await client.post(f'/payments/mpesa/callback/{wrong}'.rstrip('/'),
                                       json=fake.callback(checkout_id))
            assert (answer.status_code, answer.json()) == (200, REJECTED)
        assert fake.queries == []  # a refused callback asks Daraja nothing
        assert checkout.balance_of(served['receipt'], actor=OWNER) == 100000
        paid = await fake.post_callback(client, checkout_id)
        assert (paid.status_code, paid.json()) == (200, {'ResultCode': 0, 'ResultDesc': 'Accepted'})
        again = await fake.post_callback(client, checkout_id)
        assert again.json() == {'ResultCode': 0, 'ResultDesc': 'Accepted'}  # Daraja's retry: acknowledged, once
    assert checkout.balance_of(served['receipt'], actor=OWNER) == 0
    assert len(activity.entries(actor=OWNER, action='mpesa_refused')) == 3


def test_the_parser_refuses_deep_nesting_before_json_sees_it(monkeypatch):
    parsed = []
    monkeypatch.setattr(mpesa.json, 'loads', lambda raw, **_: parsed.append(raw))
    for body in (b'[' * DEEP, b'{"a": ' * 17 + b'1' + b'}' * 17, b'[{"]": "["}, ' * 17 + b']' * 17):
        assert mpesa.parse_body(body) is None
    assert parsed == []
    monkeypatch.undo()
    daraja = b'{"Body": {"stkCallback": {"CallbackMetadata": {"Item": [{"Name": "Amount", "Value": 1}]}}}}'
    assert mpesa.parse_body(daraja)['Body']['stkCallback']['CallbackMetadata']['Item'][0]['Value'] == 1
    assert mpesa.parse_body(b'{"a": "' + b'[' * 40 + b'"}') == {'a': '[' * 40}  # brackets in text do not nest
