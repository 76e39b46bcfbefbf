"""Card deposits through Stripe Checkout against the local fake (tests/money/fake_stripe.py): the documented form
sent, amounts in Stripe's units per currency, the expiry clamped into Stripe's window, errors in words; the webhook's
signature (Stripe's scheme) and what a delivery may do — only a session Stripe itself says is paid reaches the
handler, once per event; the endpoint answers 200/400/413, never a 500."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nicegui import app
from nicegui.testing import User

from app.services.errors import ValidationError
from app.services.money import card_checkout
from app.services.money.card_checkout import ProviderError, StripeCheckout, WebhookRefused
from tests.money.fake_stripe import SECRET_KEY, WEBHOOK_PATH, WEBHOOK_SECRET

NOW = datetime.now(UTC)
SUCCESS = 'https://book.example.com/book/1/paid?session={CHECKOUT_SESSION_ID}'
CANCEL = 'https://book.example.com/book/1/cancelled'


def _open(amount: int = 150000, currency: str = 'KES', reference: str = 'dep-1-a', **more):
    return card_checkout.provider().create_session(
        amount=amount, currency=currency, reference=reference, description='Deposit: Cut and colour',
        success_url=SUCCESS, cancel_url=CANCEL, expires_at=more.pop('expires_at', NOW + timedelta(hours=1)), **more)


@pytest.fixture
def handled(db, stripe_fake):
    """The webhook, on each database, with a recording handler registered (the registered one restored after): the
    calls, as (session, event id)."""
    calls: list[tuple[card_checkout.CheckoutSession, str]] = []
    before = dict(card_checkout._handlers)

    def handler(session, event_id):
        calls.append((session, event_id))
        return 'paid'

    card_checkout.on_session_completed(handler)
    yield calls
    card_checkout._handlers.clear()
    card_checkout._handlers.update(before)


# --- the API ------------------------------------------------------------------------------------------------------

def test_a_session_is_created_with_the_documented_form_then_retrieved_and_expired(stripe_fake):
    session = _open(customer_email='amina@example.com', metadata={'booking_id': '42', 'location_id': '7'})
    sent = stripe_fake.requests[0]
    assert (sent['method'], sent['path'], sent['idempotency_key']) == ('POST', '/v1/checkout/sessions', 'dep-1-a')
    form = sent['form']
    assert {k: form[k] for k in ('mode', 'line_items[0][price_data][currency]',
                                 'line_items[0][price_data][unit_amount]',
                                 'line_items[0][price_data][product_data][name]', 'line_items[0][quantity]',
                                 'success_url', 'cancel_url', 'client_reference_id', 'customer_email',
                                 'metadata[booking_id]', 'metadata[location_id]')} == {
        'mode': 'payment', 'line_items[0][price_data][currency]': 'kes',
        'line_items[0][price_data][unit_amount]': '150000',
        'line_items[0][price_data][product_data][name]': 'Deposit: Cut and colour', 'line_items[0][quantity]': '1',
        'success_url': SUCCESS, 'cancel_url': CANCEL, 'client_reference_id': 'dep-1-a',
        'customer_email': 'amina@example.com', 'metadata[booking_id]': '42', 'metadata[location_id]': '7'}
    assert abs(int(form['expires_at']) - (NOW + timedelta(hours=1)).timestamp()) <= 1
    assert session.id.startswith('cs_') and session.url.startswith(stripe_fake.url + '/c/pay/')
    assert (session.status, session.payment_status, session.amount_total, session.currency) == (
        'open', 'unpaid', 150000, 'KES')
    assert session.client_reference_id == 'dep-1-a' and session.metadata == {'booking_id': '42', 'location_id': '7'}
    assert 'Pay' in httpx.get(session.url).text  # the hosted page a browser is sent to

    assert card_checkout.provider().retrieve(session.id) == session
    again = _open(customer_email='amina@example.com', metadata={'booking_id': '42', 'location_id': '7'})
    assert again.id == session.id and len(stripe_fake.sessions) == 1  # the same request again: the same session
    with pytest.raises(ProviderError, match='idempotent'):  # a reference is one attempt: not reused for another
        _open()
    expired = card_checkout.provider().expire(session.id)
    assert (expired.status, expired.url) == ('expired', '')
    assert card_checkout.provider().expire(session.id).status == 'expired'  # again: as it is, no error

    paid = _open(reference='dep-1-b')
    pressed = httpx.post(paid.url)  # the hosted page's Pay button: back to the success URL with the session's id
    assert pressed.status_code == 303
    assert pressed.headers['location'] == SUCCESS.replace('{CHECKOUT_SESSION_ID}', paid.id)
    after = card_checkout.provider().expire(paid.id)  # paid just as its hold ran out: the caller learns it
    assert after.paid and after.payment_intent.startswith('pi_')


@pytest.mark.parametrize(('asked', 'expected'), [(timedelta(minutes=5), timedelta(minutes=32)),
                                                 (timedelta(days=3), timedelta(hours=24) - timedelta(minutes=2)),
                                                 (timedelta(hours=-1), timedelta(minutes=32))])
def test_the_expiry_is_clamped_into_stripes_window(stripe_fake, asked, expected):
    now = datetime.now(UTC)
    _open(expires_at=now + asked)  # the fake refuses anything outside 30 minutes to 24 hours
    assert abs(int(stripe_fake.requests[-1]['form']['expires_at']) - (now + expected).timestamp()) <= 2


def test_amounts_go_in_stripes_unit_of_each_currency(stripe_fake):
    rwf = _open(5000, 'RWF', 'r1')  # 5,000 francs: whole francs for the app (ISO 4217) and for Stripe
    assert stripe_fake.requests[-1]['form']['line_items[0][price_data][unit_amount]'] == '5000'
    assert (rwf.amount_total, rwf.currency) == (5000, 'RWF')
    bhd = _open(12500, 'bhd', 'b1')  # 12.500 dinars: thousandths for both, ending in 0 for Stripe
    assert stripe_fake.requests[-1]['form']['line_items[0][price_data][unit_amount]'] == '12500'
    assert stripe_fake.requests[-1]['form']['line_items[0][price_data][currency]'] == 'bhd'
    assert bhd.amount_total == 12500
    assert card_checkout.provider_amount(12, 'ISK') == 1200  # whole krónur, as two decimals ending in 00
    assert card_checkout.app_cents(1200, 'ISK') == 12
    assert [card_checkout.amount_step(c) for c in ('KES', 'RWF', 'UGX', 'ISK', 'BHD', 'kwd')] == [1, 1, 1, 1, 10, 10]
    ugx = _open(200000, 'UGX', 'u1')  # 200,000 shillings: whole for ISO 4217, two decimals ending in 00 for Stripe
    assert stripe_fake.requests[-1]['form']['line_items[0][price_data][unit_amount]'] == '20000000'
    assert (ugx.amount_total, ugx.currency) == (200000, 'UGX')
    sent = len(stripe_fake.requests)
    for amount, currency, field in ((12345, 'BHD', 'amount'), (10 ** 9 + 1, 'RWF', 'amount'),
                                    (0, 'KES', 'amount'), (-100, 'KES', 'amount'), (True, 'KES', 'amount'),
                                    (10 ** 15, 'KES', 'amount'), (100, 'K3S', 'currency'), (100, 'KESH', 'currency')):
        with pytest.raises(ValidationError) as refused:
            _open(amount, currency)
        assert refused.value.field == field, (amount, currency)
    with pytest.raises(ValidationError) as refused:
        _open(expires_at=datetime(2030, 3, 4, 12))  # no time zone
    assert refused.value.field == 'expires_at'
    for bad in ({'a' * 41: 'x'}, {'k': 'v' * 501}, {f'k{i}': 'v' for i in range(51)}, {'a[b]': 'x'}):
        with pytest.raises(ValidationError, match='Payment details'):
            _open(metadata=bad)
    with pytest.raises(ValidationError) as refused:
        _open(reference='x' * 201)
    assert refused.value.field == 'reference'
    assert len(stripe_fake.requests) == sent  # none of those was sent


def test_the_providers_refusals_and_silences_become_clear_errors(stripe_fake):
    stripe_fake.fail_next = [500]
    with pytest.raises(ProviderError, match='Stripe refused it: Something went wrong'):
        _open()
    stripe_fake.fail_next = [402]
    with pytest.raises(ProviderError, match='Your card was declined'):
        _open()
    with pytest.raises(ProviderError, match=r'No such checkout\.session'):
        card_checkout.provider().retrieve('cs_test_missing')
    with pytest.raises(ProviderError, match='Invalid API Key'):
        StripeCheckout(secret_key='sk_test_wrong', base_url=stripe_fake.url).retrieve('cs_test_x')
    with pytest.raises(ValidationError) as refused:  # never put into the path
        card_checkout.provider().retrieve('cs_x/../../v1/charges')
    assert refused.value.field == 'session'

    closed = socket.socket()
    closed.bind(('127.0.0.1', 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ProviderError, match='could not be reached'):
        StripeCheckout(secret_key=SECRET_KEY, base_url=f'http://127.0.0.1:{port}').retrieve('cs_test_x')
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(('127.0.0.1', 0))
        silent.listen()
        with pytest.raises(ProviderError, match='could not be reached'):
            StripeCheckout(secret_key=SECRET_KEY, base_url=f'http://127.0.0.1:{silent.getsockname()[1]}',
                           timeout=0.3).retrieve('cs_test_x')


def test_without_settings_card_payments_are_not_set_up(monkeypatch):
    from app.config import reset_settings

    monkeypatch.delenv('CLIENTPULSE_STRIPE_SECRET_KEY', raising=False)
    monkeypatch.setenv('CLIENTPULSE_STRIPE_WEBHOOK_SECRET', WEBHOOK_SECRET)
    reset_settings()
    card_checkout.set_provider(None)
    try:
        assert not card_checkout.configured()
        with pytest.raises(ValidationError) as refused:
            card_checkout.provider()
        assert refused.value.field == 'method'
    finally:
        reset_settings()
        card_checkout.set_provider(None)


# --- the signature --------------------------------------------------------------------------------------------------

BODY = json.dumps({'id': 'evt_1', 'type': 'checkout.session.completed', 'data': {'object': {'id': 'cs_test_1'}}})


def _sign(payload: bytes, stamp: int, secret: str = WEBHOOK_SECRET) -> str:
    import hashlib
    import hmac

    return hmac.new(secret.encode(), f'{stamp}.'.encode() + payload, hashlib.sha256).hexdigest()


def test_a_good_signature_is_accepted_and_every_forgery_refused():
    payload, now = BODY.encode(), 1_900_000_000
    good = f't={now},v1={_sign(payload, now)}'
    assert card_checkout.verify_webhook(payload, good, secret=WEBHOOK_SECRET, now=now)['id'] == 'evt_1'
    several = f't={now},v1={"0" * 64},v1={_sign(payload, now)},v0=abc'  # a secret being rolled: any one v1 matches
    assert card_checkout.verify_webhook(payload, several, secret=WEBHOOK_SECRET, now=now + 299)['type'] == (
        'checkout.session.completed')
    refusals = {
        'wrong secret': (payload, f't={now},v1={_sign(payload, now, "whsec_other")}', now),
        'tampered body': (payload.replace(b'evt_1', b'evt_2'), good, now),
        'old stamp': (payload, good, now + 301),
        'stamp from the future': (payload, good, now - 301),
        'stamp changed': (payload, f't={now + 1},v1={_sign(payload, now)}', now),
        'missing header': (payload, '', now),
        'no t': (payload, f'v1={_sign(payload, now)}', now),
        'no v1': (payload, f't={now},v0={_sign(payload, now)}', now),
        'two t': (payload, f't={now},t={now},v1={_sign(payload, now)}', now),
        't not a number': (payload, f't=1e9,v1={_sign(payload, now)}', now),
        'junk': (payload, 'garbage', now),
        'huge': (payload, 'v1=' + 'a' * 5000, now),
        'not ascii': (payload, f't={now},v1=\u00e9', now),
        'not hex': (payload, f't={now},v1=' + '\u00e9' * 64, now),
    }
    for what, (body, header, at) in refusals.items():
        with pytest.raises(WebhookRefused):
            card_checkout.verify_webhook(body, header, secret=WEBHOOK_SECRET, now=at)
            pytest.fail(what)
    for body in (b'not json', b'[1]', b'{"id": "evt_1", "type": "x"}',
                 b'{"id": 5, "type": "x", "data": {"object": {}}}'):
        with pytest.raises(WebhookRefused, match='not'):
            card_checkout.verify_webhook(body, f't={now},v1={_sign(body, now)}', secret=WEBHOOK_SECRET, now=now)
    with pytest.raises(WebhookRefused, match='not set up'):
        card_checkout.verify_webhook(payload, good, secret='', now=now)


# --- the webhook ----------------------------------------------------------------------------------------------------

def test_a_paid_session_reaches_the_handler_once_as_stripe_confirms_it(handled, stripe_fake):
    session = _open()
    stripe_fake.mark_paid(session.id)
    payload = stripe_fake.event(session.id)
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'paid'
    (confirmed, event_id), = handled
    assert confirmed.paid and confirmed.id == session.id and confirmed.amount_total == 150000
    assert event_id == stripe_fake.events[-1]['id']
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'duplicate'  # Stripe's redelivery
    assert len(handled) == 1
    asked = sum(r['method'] == 'GET' for r in stripe_fake.requests)
    assert asked == 1  # the session was retrieved, not read from the event


def test_other_events_and_unsettled_payments_are_ignored_until_paid(handled, stripe_fake):
    session = _open()
    for kind in ('checkout.session.expired', 'payment_intent.succeeded', 'checkout.session.async_payment_failed'):
        payload = stripe_fake.event(session.id, kind)
        assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'ignored'
    stripe_fake.mark_paid(session.id, payment_status='unpaid')  # completed; a bank debit still to settle
    payload = stripe_fake.event(session.id)
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'ignored'
    stripe_fake.mark_paid(session.id)
    payload = stripe_fake.event(session.id, 'checkout.session.async_payment_succeeded')
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'paid'
    assert [s.id for s, _ in handled] == [session.id]


def test_a_forged_paid_body_for_an_unpaid_session_does_not_reach_the_handler(handled, stripe_fake):
    session = _open()  # open and unpaid at Stripe
    forged = {**stripe_fake.sessions[session.id], 'status': 'complete', 'payment_status': 'paid'}
    payload = stripe_fake.event(session.id, body=forged)
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'unconfirmed'
    assert handled == []


def test_a_failed_handling_is_released_so_stripes_retry_is_handled(handled, stripe_fake):
    session = _open()
    stripe_fake.mark_paid(session.id)
    payload = stripe_fake.event(session.id)
    stripe_fake.fail_next = [503]
    with pytest.raises(ProviderError):
        card_checkout.handle_webhook(payload, stripe_fake.sign(payload))
    assert handled == []
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'paid'  # the retry
    assert len(handled) == 1


def test_a_claim_whose_handling_died_is_taken_again_by_a_later_retry(handled, stripe_fake):
    from app.models import StripeEvent
    from app.services.database import session_scope

    session = _open()
    stripe_fake.mark_paid(session.id)
    payload = stripe_fake.event(session.id)
    event_id = stripe_fake.events[-1]['id']
    with session_scope(write=True) as db:  # claimed, then the process died before an outcome
        db.add(StripeEvent(event_id=event_id, session_id=session.id, received_at=datetime.now(UTC)))
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'duplicate'  # may still be running
    with session_scope(write=True) as db:
        db.get(StripeEvent, event_id).received_at = datetime.now(UTC) - card_checkout.STALE_CLAIM - timedelta(
            seconds=1)
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'paid'  # Stripe's retry, later
    assert card_checkout.handle_webhook(payload, stripe_fake.sign(payload)) == 'duplicate'  # done now: once
    assert len(handled) == 1


# --- the endpoint ---------------------------------------------------------------------------------------------------

async def test_the_endpoint_answers_200_400_or_413_never_a_500(user: User, handled, stripe_fake):
    session = _open()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=('198.51.100.7', 4711)),
                                 base_url='http://shop') as client:
        stripe_fake.mark_paid(session.id)
        payload = stripe_fake.event(session.id)
        for _ in range(2):  # taken in, then a duplicate: both acknowledged
            answer = await stripe_fake.post_event(client, payload)
            assert (answer.status_code, answer.json()) == (200, {'received': True})
        assert len(handled) == 1
        old = stripe_fake.sign(payload, timestamp=int(time.time()) - 3600)  # a replay
        for signature in (old, stripe_fake.sign(payload, secret='whsec_wrong'), 'junk', ''):
            answer = await stripe_fake.post_event(client, payload, signature=signature)
            assert answer.status_code == 400 and answer.json()['received'] is False
        answer = await client.post(WEBHOOK_PATH, content=payload, headers={  # not ASCII: no TypeError, a 400
            'Stripe-Signature': f't={int(time.time())},v1=\u00e9'.encode()})
        assert answer.status_code == 400 and 'Traceback' not in answer.text
        for junk in (b'', b'\xff\xfe', b'[' * 50_000, b'{"id": ' + b'9' * 5000 + b'}', b'null'):
            answer = await stripe_fake.post_event(client, junk)
            assert answer.status_code == 400 and 'Traceback' not in answer.text
        huge = await stripe_fake.post_event(client, b'{"a": "' + b'x' * 70_000 + b'"}')
        assert huge.status_code == 413
        ignored = stripe_fake.event(session.id, 'customer.created')
        assert (await stripe_fake.post_event(client, ignored)).status_code == 200
        assert (await client.get(WEBHOOK_PATH)).status_code == 405
    assert len(handled) == 1
