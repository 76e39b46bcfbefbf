"""The M-Pesa callback (``POST /payments/mpesa/callback/<token>``) is anyone's POST: only Daraja's answer to the
status query moves money, on both databases. A success without ``PhoneNumber`` pays nothing until the query
confirms it; a forged failure cannot drop the customer's real success; a callback without the prompt's token, with
a wrong one or for an unknown prompt asks nothing, changes nothing and is logged; a prompt failed by the query still
becomes paid when the payment is confirmed later, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from app.models import MobilePayment, Payment
from app.services.accounts import activity
from app.services.database import session_scope
from app.services.money import checkout, mobile_money
from tests.factories import OWNER
from tests.money.mpesa_helpers import PHONE, deliver, nairobi_sale


@pytest.fixture
def sale(db, daraja):
    return nairobi_sale(daraja)


def _prompt(sale) -> MobilePayment:
    return mobile_money.request(sale['receipt'], PHONE, 100000, actor=OWNER)


def _state(checkout_id: str) -> tuple[str, int]:
    """(the prompt's status, how many payments its receipt has)."""
    with session_scope() as session:
        prompt = session.exec(select(MobilePayment).where(MobilePayment.checkout_request_id == checkout_id)).one()
        return prompt.status, len(session.exec(select(Payment).where(Payment.receipt_id == prompt.receipt_id)).all())


def _refusals() -> list[str]:
    return [entry.detail for entry in activity.entries(actor=OWNER, action='mpesa_refused')]


def test_a_success_without_phone_pays_nothing_until_the_query_confirms_it(sale):
    fake, owed = sale['fake'], checkout.balance_of(sale['receipt'], actor=OWNER)
    prompt = _prompt(sale)
    checkout_id = prompt.checkout_request_id
    no_phone = fake.callback(checkout_id, with_phone=False)
    # without the prompt's token (anyone's POST): refused, Daraja not even asked
    assert deliver(fake, checkout_id, no_phone, token='') == 'refused'
    assert fake.queries == []
    # with it (the body is still only a hint): Daraja says the customer has not paid, so nothing is paid
    assert deliver(fake, checkout_id, no_phone) == 'pending'
    assert fake.queries == [checkout_id] and _state(checkout_id) == ('pending', 1)
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == owed
    # Daraja confirms it: paid, once
    fake.results[checkout_id] = '0'
    assert mobile_money.check_pending(older_than=timedelta(0)) == {checkout_id: 'paid'}
    assert _state(checkout_id) == ('paid', 2) and checkout.balance_of(sale['receipt'], actor=OWNER) == owed - 100000


def test_a_forged_failure_does_not_drop_the_real_success(sale):
    fake = sale['fake']
    checkout_id = _prompt(sale).checkout_request_id
    forged = {'Body': {'stkCallback': {'CheckoutRequestID': checkout_id, 'ResultCode': 1032}}}
    assert deliver(fake, checkout_id, forged, token='') == 'refused'  # no token
    assert deliver(fake, checkout_id, forged, token='x' * 43) == 'refused'  # a guessed one
    # even a failure on the prompt's own URL is only a hint: the customer has not answered yet, nothing changes
    assert deliver(fake, checkout_id, forged) == 'pending'
    assert _state(checkout_id) == ('pending', 1)
    fake.complete(checkout_id)  # the customer pays
    assert deliver(fake, checkout_id) == 'paid'
    assert deliver(fake, checkout_id) == 'already'  # Daraja posts it again
    assert deliver(fake, checkout_id, forged) == 'already'  # and a failure after it changes nothing
    assert _state(checkout_id) == ('paid', 2)
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == 0
    with session_scope() as session:  # M-Pesa's receipt number from the genuine callback
        assert session.exec(select(MobilePayment.provider_receipt)).one() == 'NLJ7RT61SV'


def test_a_failed_prompt_becomes_paid_when_daraja_confirms_it_later(sale):
    fake = sale['fake']
    checkout_id = _prompt(sale).checkout_request_id
    fake.results[checkout_id] = '1037'  # Daraja's query: the phone could not be reached
    assert mobile_money.check_pending(older_than=timedelta(0)) == {checkout_id: 'failed'}
    assert deliver(fake, checkout_id, fake.callback(checkout_id, '1037')) == 'already'  # the failure, again
    fake.complete(checkout_id)  # the customer paid after all: Daraja's record says so, and its callback comes
    assert deliver(fake, checkout_id) == 'paid'
    assert _state(checkout_id) == ('paid', 2) and checkout.balance_of(sale['receipt'], actor=OWNER) == 0
    assert mobile_money.check_pending(older_than=timedelta(0)) == {}  # paid is final: nothing more is asked


def test_wrong_or_missing_tokens_and_unknown_prompts_are_refused_logged_and_change_nothing(sale):
    fake = sale['fake']
    first, second = (mobile_money.request(sale['receipt'], PHONE, amount, actor=OWNER) for amount in (60000, 40000))
    for prompt in (first, second):
        fake.complete(prompt.checkout_request_id)  # both paid at Daraja: only a valid callback or a query pays
    other = fake.token_of(second.checkout_request_id)
    forged = [('', fake.callback(first.checkout_request_id)),  # no token
              ('A' * 43, fake.callback(first.checkout_request_id)),  # a wrong one
              (other, fake.callback(first.checkout_request_id)),  # another prompt's token
              (fake.token_of(first.checkout_request_id), fake.callback('ws_CO_NOT_OURS')),  # an unknown prompt
              (fake.token_of(first.checkout_request_id), {'Body': {'stk': 'nonsense'}}),  # not a callback
              (fake.token_of(first.checkout_request_id), [1, 2])]  # not even an object
    for token, body in forged:
        assert mobile_money.handle_callback(token, body, sender='203.0.113.9') == 'refused'
    assert fake.queries == []
    assert _state(first.checkout_request_id) == ('pending', 1)
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == 100000
    refused = _refusals()
    assert len(refused) == len(forged)
    assert sum('token' in detail for detail in refused) == 3 and any('ws_CO_NOT_OURS' in d for d in refused)
    assert {e.ip for e in activity.entries(actor=OWNER, action='mpesa_refused')} == {'203.0.113.9'}
    assert deliver(fake, first.checkout_request_id) == 'paid'  # the real one still counts


def test_a_prompt_sent_before_tokens_is_settled_only_by_the_query(sale):
    """Prompts sent before this change have no token (an empty hash): no callback matches them."""
    fake = sale['fake']
    checkout_id = _prompt(sale).checkout_request_id
    with session_scope(write=True) as session:
        prompt = session.exec(select(MobilePayment)).one()
        prompt.callback_token_hash = ''
        session.add(prompt)
    fake.complete(checkout_id)
    for token in ('', fake.token_of(checkout_id)):
        assert deliver(fake, checkout_id, token=token) == 'refused'
    assert mobile_money.check_pending(older_than=timedelta(0)) == {checkout_id: 'paid'}
