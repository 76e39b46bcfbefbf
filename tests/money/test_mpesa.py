"""M-Pesa Express against the fake Daraja server, on both databases: a prompt paid, cancelled by the user, timed
out then answered by a status query; a repeated callback counted once. What callbacks may do is in
test_mpesa_callbacks.py (forgeries) and test_mpesa_day_close.py (a payment confirmed after the day was closed)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from app.services import events
from app.services.errors import ValidationError
from app.services.money import checkout, mobile_money
from tests.factories import OWNER
from tests.money.fake_daraja import PASSKEY, SHORTCODE
from tests.money.mpesa_helpers import PHONE, deliver, nairobi_sale


@pytest.fixture
def sale(db, daraja):
    return nairobi_sale(daraja)


def _heard():
    heard = []
    events.subscribe(heard.append)
    return heard


def test_a_prompt_follows_the_documented_request_and_a_paid_callback_settles_it(sale):
    fake = sale['fake']
    pending = mobile_money.request(sale['receipt'], PHONE, 100000, actor=OWNER)
    sent = fake.requests[0]
    assert (sent['PhoneNumber'], sent['PartyA'], sent['PartyB'], sent['Amount']) == (
        '254712345678', '254712345678', SHORTCODE, 1000)
    assert base64.b64decode(sent['Password']).decode() == f'{SHORTCODE}{PASSKEY}{sent["Timestamp"]}'
    assert sent['TransactionType'] == 'CustomerPayBillOnline'
    # the CallBackURL is the configured one plus the prompt's own token
    assert sent['CallBackURL'].startswith('https://salon.example/payments/mpesa/callback/')
    assert len(fake.token_of(pending.checkout_request_id)) >= 40
    assert len(sent['AccountReference']) <= 12 and len(sent['TransactionDesc']) <= 13
    assert pending.status == 'pending' and checkout.balance_of(sale['receipt'], actor=OWNER) == 100000
    heard = _heard()
    try:
        fake.complete(pending.checkout_request_id)  # the customer typed the PIN: Daraja's query now says paid
        assert deliver(fake, pending.checkout_request_id) == 'paid'
    finally:
        events.unsubscribe(heard.append)
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == 0
    shown = checkout.receipt_details(sale['receipt'], actor=OWNER)
    assert ('mobile_money', 100000, None) in shown.payments
    assert any(isinstance(e, events.ReceiptCreated) and 'NLJ7RT61SV' in e.summary for e in heard)
    # the same callback again (Daraja retries): counted once, and Daraja is not asked again
    asked = len(fake.queries)
    assert deliver(fake, pending.checkout_request_id) == 'already'
    assert checkout.receipt_details(sale['receipt'], actor=OWNER).paid_cents == 150000 and len(fake.queries) == asked


@pytest.mark.parametrize(('code', 'words'), [('1032', 'cancelled'), ('1', 'too little money')])
def test_a_failed_prompt_raises_payment_failed_and_takes_nothing(sale, code, words):
    pending = mobile_money.request(sale['receipt'], PHONE, 100000, actor=OWNER)
    heard = _heard()
    try:
        sale['fake'].complete(pending.checkout_request_id, code)
        assert deliver(sale['fake'], pending.checkout_request_id) == 'failed'
    finally:
        events.unsubscribe(heard.append)
    failed = [e for e in heard if isinstance(e, events.PaymentFailed)]
    assert len(failed) == 1 and words in failed[0].summary and failed[0].notification_id is not None
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == 100000


def test_no_callback_then_a_status_query_settles_it(sale):
    fake = sale['fake']
    first = mobile_money.request(sale['receipt'], PHONE, 50000, actor=OWNER)
    second = mobile_money.request(sale['receipt'], '+254 712 345 678', 50000, actor=OWNER)
    assert mobile_money.check_pending(older_than=timedelta(0)) == {}  # Daraja: still being processed
    fake.results[first.checkout_request_id] = '0'
    fake.results[second.checkout_request_id] = '1037'  # the phone was off
    assert mobile_money.check_pending(older_than=timedelta(0)) == {first.checkout_request_id: 'paid',
                                                                   second.checkout_request_id: 'failed'}
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == 50000
    assert fake.token_calls == 1  # the token is kept until it expires


def test_prompts_never_ask_for_more_than_is_owed_nor_cents(sale):
    with pytest.raises(ValidationError, match='more than'):
        mobile_money.request(sale['receipt'], PHONE, 100100, actor=OWNER)
    mobile_money.request(sale['receipt'], PHONE, 60000, actor=OWNER)
    with pytest.raises(ValidationError, match='more than'):  # 40,000 is left beyond the one waiting
        mobile_money.request(sale['receipt'], PHONE, 50000, actor=OWNER)
    with pytest.raises(ValidationError, match='whole'):
        mobile_money.request(sale['receipt'], PHONE, 1050, actor=OWNER)
    with pytest.raises(ValidationError) as bad:
        mobile_money.request(sale['receipt'], '12', 10000, actor=OWNER)
    assert bad.value.field == 'phone'


def test_the_provider_refusing_is_said_in_words(sale, monkeypatch):
    from app.config import reset_settings
    monkeypatch.setenv('CLIENTPULSE_MPESA_CONSUMER_SECRET', 'wrong')
    reset_settings()
    mobile_money.set_provider(None)
    with pytest.raises(mobile_money.ProviderError, match='M-Pesa refused it: Invalid Authentication'):
        mobile_money.request(sale['receipt'], PHONE, 10000, actor=OWNER)


def test_the_desk_cannot_take_what_a_prompt_is_waiting_for_on_the_customers_phone(sale, monkeypatch):
    """A prompt for 600 of the 1,000 owed is on the customer's phone: cash for the whole 1,000 is refused (the customer
    would pay twice), 400 is taken; once the prompt has waited PROMPT_WAIT with no answer, the desk may take the rest
    another way (a prompt confirmed later is announced as more than was owed)."""
    from app.models import PaymentMethod
    from app.services import clock
    from app.services.money.common import PROMPT_WAIT, PaymentIn

    pending = mobile_money.request(sale['receipt'], PHONE, 60000, actor=OWNER)
    cash = PaymentMethod.CASH
    with pytest.raises(ValidationError, match='waiting for the customer to pay on their phone') as refused:
        checkout.add_payment(sale['receipt'], PaymentIn(method=cash, amount_cents=100000), actor=OWNER)
    assert refused.value.field == 'payments.0' and checkout.balance_of(sale['receipt'], actor=OWNER) == 100000
    checkout.add_payment(sale['receipt'], PaymentIn(method=cash, amount_cents=40000), actor=OWNER)
    later = clock.now() + PROMPT_WAIT + timedelta(seconds=1)
    checkout.add_payment(sale['receipt'], PaymentIn(method=cash, amount_cents=60000), actor=OWNER, as_of=later)
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == 0
    monkeypatch.setattr(clock, 'now', lambda: later)
    sale['fake'].complete(pending.checkout_request_id)  # the customer paid after all
    assert deliver(sale['fake'], pending.checkout_request_id) == 'paid'
    assert checkout.receipt_details(sale['receipt'], actor=OWNER).paid_cents == 210000  # 600 to give back, said so
