"""M-Pesa Express against the fake Daraja server, on both databases: a prompt paid, cancelled by the user, timed
out then answered by a status query; a repeated callback counted once; forged callbacks (an unknown request, a wrong
amount or phone, a body of another shape) refused and logged; the callback endpoint itself."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from app.models import PaymentMethod
from app.services import events
from app.services.accounts import activity
from app.services.errors import ValidationError
from app.services.money import checkout, mobile_money
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER, make_location, make_service, make_staff_member
from tests.payments.fake_daraja import PASSKEY, SHORTCODE

PHONE = '0712 345 678'  # typed at the desk; M-Pesa wants 254712345678


@pytest.fixture
def sale(db, daraja):
    location = make_location('Nairobi West')
    from app.services.catalogue import locations
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'country': 'KE',
                                            'currency': 'KES', 'time_zone': 'Africa/Nairobi', 'tax_rates': []},
                              actor=OWNER)
    member, cut = make_staff_member(location, 'Wanjiru'), make_service(location, price_cents=150000)  # KES 1,500
    done = checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id,
                                                                              staff_member_id=member.id)],
                                   payments=[PaymentIn(method=PaymentMethod.CASH, amount_cents=50000)]), actor=OWNER)
    return {'location': location, 'receipt': done.receipt_id, 'fake': daraja}


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
    assert sent['TransactionType'] == 'CustomerPayBillOnline' and sent['CallBackURL'].endswith('/mpesa/callback')
    assert len(sent['AccountReference']) <= 12 and len(sent['TransactionDesc']) <= 13
    assert pending.status == 'pending' and checkout.balance_of(sale['receipt'], actor=OWNER) == 100000
    heard = _heard()
    try:
        assert mobile_money.handle_callback(fake.callback(pending.checkout_request_id)) == 'paid'
    finally:
        events.unsubscribe(heard.append)
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == 0
    shown = checkout.receipt_details(sale['receipt'], actor=OWNER)
    assert ('mobile_money', 100000, None) in shown.payments
    assert any(isinstance(e, events.ReceiptCreated) and 'NLJ7RT61SV' in e.summary for e in heard)
    # the same callback again (Daraja retries): counted once
    assert mobile_money.handle_callback(fake.callback(pending.checkout_request_id)) == 'already'
    assert checkout.receipt_details(sale['receipt'], actor=OWNER).paid_cents == 150000


@pytest.mark.parametrize(('code', 'words'), [('1032', 'cancelled'), ('1', 'too little money')])
def test_a_failed_prompt_raises_payment_failed_and_takes_nothing(sale, code, words):
    pending = mobile_money.request(sale['receipt'], PHONE, 100000, actor=OWNER)
    heard = _heard()
    try:
        assert mobile_money.handle_callback(sale['fake'].callback(pending.checkout_request_id, code)) == 'failed'
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


def test_forged_callbacks_are_refused_and_logged(sale):
    fake = sale['fake']
    pending = mobile_money.request(sale['receipt'], PHONE, 100000, actor=OWNER)
    for forged in (fake.callback('ws_CO_NOT_OURS'),  # an unknown request
                   fake.callback(pending.checkout_request_id, amount=10),  # paid 10 for a 1,000 prompt
                   fake.callback(pending.checkout_request_id, phone='254799999999'),  # someone else's phone
                   {'Body': {'stk': 'nonsense'}}, {}):
        assert mobile_money.handle_callback(forged) == 'refused'
    assert checkout.balance_of(sale['receipt'], actor=OWNER) == 100000
    assert len(activity.entries(actor=OWNER, action='mpesa_refused')) == 5
    assert mobile_money.handle_callback(fake.callback(pending.checkout_request_id)) == 'paid'  # the real one


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
