"""Deposits paid on the online booking page (app/services/frontdesk/online_deposits.py), on both databases, against
the local fake Daraja: paid → one booking and one deposit receipt in one go (a repeated callback and a callback racing
the status query book once); cancelled or timed out → nothing booked, the time let go; a forged callback changes
nothing; money that comes after the hold ran out and the time went is still recorded and the desk told; money after
the day was closed at the till is counted on the next open day; the deposit counts at checkout. The card path with a
stand-in provider object (the card checkout module is another piece of work)."""

from __future__ import annotations

import re
import sys
import threading
import types
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlmodel import select

from app.models import (
    Booking,
    BookingStatus,
    MessageChannel,
    MobilePayment,
    OnlineDeposit,
    Payment,
    PaymentMethod,
    Receipt,
    SlotHold,
)
from app.services import clock, events
from app.services.catalogue import locations
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.frontdesk import online, online_deposits
from app.services.money import card_checkout, checkout, day_close, mobile_money
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

NAIROBI = 'Africa/Nairobi'


@pytest.fixture
def salon(db, daraja, smtp):
    """A Nairobi salon taking bookings online with a 30 % deposit: a KES 1,500 cut (deposit KES 450) with Wanjiru."""
    location = make_location('Westlands', time_zone=NAIROBI)
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'country': 'KE',
                                            'currency': 'KES', 'tax_rates': [], 'online_booking': True,
                                            'deposit_percent': 30}, actor=OWNER)
    member, cut = make_staff_member(location, 'Wanjiru'), make_service(location, price_cents=150000)
    return {'location': location, 'member': member, 'cut': cut, 'fake': daraja, 'smtp': smtp}


def _slot(salon, days=2, hhmm='10:00'):
    day = clock.local_day(clock.now(), NAIROBI) + timedelta(days=days)
    (slot,) = [s for s in online.free_times(salon['location'].id, salon['cut'].id, day)
               if s.starts_at == at(day, hhmm, NAIROBI)]
    return slot


def _started(salon, *, holder='page-1', hhmm='10:00', email='amina@example.com'):
    """The customer chose a time (held), proved their e-mail with the code: the deposit step, nothing asked yet."""
    location_id, slot = salon['location'].id, _slot(salon, hhmm=hhmm)
    assert online.hold(location_id, salon['cut'].id, slot, holder=holder)
    details = online.Details(name='Amina Odhiambo', phone='0712 345 678', email=email,
                             channel=MessageChannel.EMAIL)
    token = online.request_code(location_id, details, ip='')
    code = re.search(r'\d{6}', salon['smtp'].messages[-1]['Subject']).group(0)
    return online_deposits.start(location_id, token, code, details, service_id=salon['cut'].id, slot=slot,
                                 holder=holder), slot


def _deliver(salon, reference: str, code: str = '0', *, token: str | None = None) -> str:
    fake = salon['fake']
    fake.results[reference] = code
    return mobile_money.handle_callback(fake.token_of(reference) if token is None else token,
                                        fake.callback(reference, code))


def _rows(model, *where):
    with session_scope() as session:
        return list(session.exec(select(model).where(*where)))


def test_paid_by_mpesa_books_once_with_its_deposit_receipt(salon):
    location_id = salon['location'].id
    started, slot = _started(salon)
    assert started.status == 'ready' and started.amount_cents == 45000 and started.currency == 'KES'
    assert _rows(Booking) == []  # nothing booked before the money
    asked = online_deposits.pay_by_mpesa(location_id, started.token, '0712 345 678')
    sent = salon['fake'].requests[-1]
    assert (sent['Amount'], sent['PhoneNumber']) == (450, '254712345678') and asked.status == 'pending'
    (held,) = _rows(SlotHold, SlotHold.holder == 'page-1')
    assert held.held_until >= clock.now() + timedelta(minutes=online_deposits.PROMPT_MINUTES - 1)
    heard = []
    events.subscribe(heard.append)
    try:
        assert _deliver(salon, sent['CheckoutRequestID']) == 'paid'
        assert _deliver(salon, sent['CheckoutRequestID']) == 'already'  # Daraja posts it again
        assert online_deposits.check_pending(older_than=timedelta(0)) == {}  # the query races: nothing pending
    finally:
        events.unsubscribe(heard.append)
    (booking,) = _rows(Booking)
    assert (booking.channel, booking.starts_at, booking.status) == ('online', slot.starts_at, BookingStatus.BOOKED)
    (receipt,) = _rows(Receipt)
    assert (receipt.kind, receipt.booking_id, receipt.paid_cents, receipt.payment_method) == (
        'deposit', booking.id, 45000, 'mobile_money')
    (prompt,) = _rows(MobilePayment)
    assert (prompt.receipt_id, prompt.status, prompt.provider_receipt) == (receipt.id, 'paid', 'NLJ7RT61SV')
    shown = online_deposits.state(location_id, asked.token)
    assert shown.status == 'paid' and shown.booking.id == booking.id and shown.manage
    assert _rows(SlotHold, SlotHold.holder == 'page-1', SlotHold.held_until > clock.now()) == []
    assert any(isinstance(e, events.BookingChanged) and e.change == 'created' for e in heard)
    assert any(isinstance(e, events.ReceiptCreated) and 'paid online' in e.summary for e in heard)


@pytest.mark.parametrize(('code', 'words'), [('1032', 'cancelled'), ('1', 'too little money')])
def test_a_failed_prompt_books_nothing_and_the_customer_may_try_again(salon, code, words):
    location_id = salon['location'].id
    started = _started(salon)[0]
    asked = online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    reference = salon['fake'].requests[-1]['CheckoutRequestID']
    assert _deliver(salon, reference, code) == 'failed'
    failed = online_deposits.state(location_id, asked.token)
    assert failed.status == 'failed' and words in failed.reason
    assert _rows(Booking) == [] and _rows(Receipt) == []
    assert _rows(SlotHold, SlotHold.holder == 'page-1') == []  # the time let go at once
    again = online_deposits.pay_by_mpesa(location_id, asked.token, '0712345678')  # still free: held anew
    assert again.status == 'pending' and again.token != asked.token and len(salon['fake'].requests) == 2
    assert len(_rows(SlotHold, SlotHold.holder == 'page-1')) == 1
    with pytest.raises(ValidationError, match='waiting'):  # one prompt at a time per page
        online_deposits.pay_by_mpesa(location_id, again.token, '0712345678')


def test_an_unanswered_prompt_times_out_and_lets_the_time_go(salon, monkeypatch):
    location_id = salon['location'].id
    started, slot = _started(salon)
    asked = online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    later = clock.now() + timedelta(minutes=online_deposits.PROMPT_MINUTES + 1)
    reference = salon['fake'].requests[-1]['CheckoutRequestID']
    assert online_deposits.check_pending(as_of=later) == {reference: 'failed'}
    shown = online_deposits.state(location_id, asked.token)
    assert shown.status == 'failed' and 'ran out' in shown.reason
    # the hold ran out with the prompt: another customer sees the time again
    day = clock.local_day(slot.starts_at, NAIROBI)
    monkeypatch.setattr(clock, 'now', lambda: later)
    assert slot.starts_at in {s.starts_at for s in online.free_times(location_id, salon['cut'].id, day,
                                                                      holder='someone-else', as_of=later)}


def test_a_forged_callback_changes_nothing(salon):
    location_id = salon['location'].id
    started = _started(salon)[0]
    online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    reference = salon['fake'].requests[-1]['CheckoutRequestID']
    asked_before = len(salon['fake'].queries)
    assert _deliver(salon, reference, token='not-the-token') == 'refused'
    assert len(salon['fake'].queries) == asked_before  # not even asked
    assert _rows(Booking) == [] and _rows(OnlineDeposit, OnlineDeposit.status == 'pending')


def test_money_after_the_time_went_is_recorded_and_the_desk_told(salon, monkeypatch):
    location_id = salon['location'].id
    started, slot = _started(salon)
    asked = online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    reference = salon['fake'].requests[-1]['CheckoutRequestID']
    later = clock.now() + timedelta(minutes=online_deposits.PROMPT_MINUTES + 1)
    online_deposits.check_pending(as_of=later)  # timed out: the hold lapses
    monkeypatch.setattr(clock, 'now', lambda: later)
    make_booking(salon['location'], make_customer(salon['location'], 'Baraka'), salon['cut'], salon['member'],
                 slot.starts_at)  # the desk books the time meanwhile
    heard = []
    events.subscribe(heard.append)
    try:
        assert _deliver(salon, reference) == 'paid'  # the customer paid after all
    finally:
        events.unsubscribe(heard.append)
    assert len(_rows(Booking)) == 1  # only the desk's
    (receipt,) = _rows(Receipt)
    assert (receipt.kind, receipt.booking_id, receipt.paid_cents) == ('deposit', None, 45000)
    flagged = [e for e in heard if isinstance(e, events.PaymentFailed)]
    assert len(flagged) == 1 and 'refund it or book them' in flagged[0].summary and flagged[0].notification_id
    shown = online_deposits.state(location_id, asked.token)
    assert shown.status == 'paid' and shown.booking is None and shown.reason


def test_money_after_the_day_was_closed_is_counted_on_the_next_open_day(salon):
    location_id = salon['location'].id
    started = _started(salon)[0]
    online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    today = clock.local_day(clock.now(), NAIROBI)
    day_close.close_day(location_id, today, counted_cash_cents=0, actor=OWNER)
    assert _deliver(salon, salon['fake'].requests[-1]['CheckoutRequestID']) == 'paid'  # never refused
    (payment,) = _rows(Payment)
    assert clock.local_day(payment.at, NAIROBI) == today + timedelta(days=1)
    assert len(_rows(Booking)) == 1


def test_a_deposit_paid_online_counts_at_checkout(salon):
    location_id = salon['location'].id
    started = _started(salon)[0]
    online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    assert _deliver(salon, salon['fake'].requests[-1]['CheckoutRequestID']) == 'paid'
    (booking,) = _rows(Booking)
    with session_scope(write=True) as session:  # the visit came (moved to now, checked in)
        row = session.get(Booking, booking.id)
        row.starts_at, row.ends_at, row.status = clock.now() - timedelta(minutes=30), clock.now(), 'checked_in'
    done = checkout.check_out(Sale(location_id=location_id, booking_id=booking.id, lines=[
        SaleLine(service_id=salon['cut'].id, staff_member_id=salon['member'].id)], payments=[
        PaymentIn(method=PaymentMethod.CASH, amount_cents=105000)]), actor=OWNER)
    assert done.balance_cents == 0
    (sale,) = _rows(Receipt, Receipt.kind == 'sale')
    assert (sale.total_cents, sale.deposit_applied_cents) == (150000, 45000)


def test_no_online_method_no_deposit_step(salon, monkeypatch):
    monkeypatch.setattr(mobile_money, 'configured', lambda: False)
    assert online_deposits.methods(salon['location'].id) == ()
    with pytest.raises(ValidationError, match='online'):
        _started(salon)


# --- the card path, with a stand-in for the card checkout module --------------------------------------------------

@dataclass
class _Session:
    id: str
    url: str
    status: str
    payment_status: str
    amount_total: int
    currency: str
    client_reference_id: str
    metadata: dict
    payment_intent: str = ''


@dataclass
class _Cards:
    made: list[dict] = field(default_factory=list)
    handlers: list = field(default_factory=list)

    def create_session(self, **asked) -> _Session:
        self.made.append(asked)
        return _Session(f'cs_test_{len(self.made)}', f'https://checkout.example/{len(self.made)}', 'open', 'unpaid',
                        asked['amount'], asked['currency'], asked['reference'], asked.get('metadata') or {})

    expired: list[str] = field(default_factory=list)
    paid_meanwhile: bool = False

    def retrieve(self, session_id): ...

    def expire(self, session_id):
        self.expired.append(session_id)
        made = self.made[int(session_id.rsplit('_', 1)[1]) - 1]
        return _Session(session_id, '', 'complete' if self.paid_meanwhile else 'expired',
                        'paid' if self.paid_meanwhile else 'unpaid', made['amount'], made['currency'],
                        made['reference'], {}, 'pi_late' if self.paid_meanwhile else '')


@pytest.fixture
def cards(monkeypatch):
    stand_in = _Cards()
    module = types.ModuleType('app.services.money.card_checkout')
    module.provider = lambda: stand_in
    module.configured = lambda: True
    module.on_session_completed = stand_in.handlers.append
    module.amount_step, module.provider_amount = card_checkout.amount_step, card_checkout.provider_amount
    monkeypatch.setitem(sys.modules, 'app.services.money.card_checkout', module)
    return stand_in


def test_a_card_deposit_opens_a_checkout_and_its_confirmation_books(salon, cards):
    location_id = salon['location'].id
    online_deposits.connect()
    assert online_deposits.methods(location_id) == ('mpesa', 'card')
    started, slot = _started(salon)
    asked = online_deposits.pay_by_card(location_id, started.token, return_url='https://salon.example/book/1')
    (made,) = cards.made
    assert (made['amount'], made['currency'], made['customer_email']) == (45000, 'kes', 'amina@example.com')
    assert made['success_url'] == 'https://salon.example/book/1?paid=1' and made['cancel_url'].endswith('cancelled=1')
    assert timedelta(minutes=29) < made['expires_at'] - clock.now() <= timedelta(minutes=30)
    assert asked.url == 'https://checkout.example/1' and _rows(Booking) == []
    (handler,) = cards.handlers
    unpaid = _Session('cs_test_1', '', 'complete', 'unpaid', 45000, 'kes', '', {})
    assert handler(unpaid, 'evt_0') == 'refused' and _rows(Booking) == []
    paid = _Session('cs_test_1', '', 'complete', 'paid', 45000, 'kes', '', {}, payment_intent='pi_123')
    assert handler(paid, 'evt_1') == 'paid'
    assert handler(paid, 'evt_1') == 'already'  # the webhook again
    (booking,) = _rows(Booking)
    (receipt,) = _rows(Receipt)
    assert (booking.starts_at, receipt.booking_id, receipt.payment_method) == (slot.starts_at, booking.id, 'card')
    assert online_deposits.state(location_id, asked.token).booking.id == booking.id


def test_bookings_of_other_locations_are_not_reached_by_a_deposit_token(salon):
    other = make_location('Kilimani', time_zone=NAIROBI)
    started = _started(salon)[0]
    with pytest.raises(Exception, match='not known'):
        online_deposits.state(other.id, started.token)


# --- found in review ----------------------------------------------------------------------------------------------

class _Blocked:
    """The fake Daraja's provider with ``request_payment`` held until :attr:`go` is set (:attr:`inside` says one
    is waiting there)."""

    def __init__(self, real):
        self.real, self.inside, self.go = real, threading.Event(), threading.Event()

    def request_payment(self, *args, **kwargs):
        self.inside.set()
        self.go.wait(10)
        return self.real.request_payment(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_two_pay_clicks_at_once_send_one_prompt(salon, cards, monkeypatch):
    location_id = salon['location'].id
    started = _started(salon)[0]
    blocked = _Blocked(mobile_money.provider())
    monkeypatch.setattr(mobile_money, 'provider', lambda: blocked)
    first: list = []
    worker = threading.Thread(target=lambda: first.append(
        online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')))
    worker.start()
    try:
        assert blocked.inside.wait(10)  # the first click's prompt is on its way
        with pytest.raises(ValidationError, match='waiting'):
            online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
        with pytest.raises(ValidationError, match='waiting'):
            online_deposits.pay_by_card(location_id, started.token, return_url='https://salon.example/b')
        assert online_deposits.state(location_id, started.token).status == 'pending'  # shown as waiting meanwhile
    finally:
        blocked.go.set()
        worker.join(10)
    assert len(salon['fake'].requests) == 1 and cards.made == []
    (row,) = _rows(OnlineDeposit)
    assert (row.status, row.reference) == ('pending', salon['fake'].requests[0]['CheckoutRequestID'])


def test_a_prompt_mpesa_refused_is_given_back_and_not_counted(salon, monkeypatch):
    location_id = salon['location'].id
    started = _started(salon)[0]
    real = mobile_money.provider()

    class Refusing:
        def request_payment(self, *args, **kwargs):
            raise mobile_money.ProviderError('M-Pesa could not be reached')

    monkeypatch.setattr(mobile_money, 'provider', Refusing)
    with pytest.raises(mobile_money.ProviderError):
        online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    (row,) = _rows(OnlineDeposit)
    assert (row.status, row.reason) == ('failed', 'unsent')
    monkeypatch.setattr(mobile_money, 'provider', lambda: real)
    again = online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')  # at once, not "waiting"
    assert again.status == 'pending' and len(salon['fake'].requests) == 1


def test_prompts_are_capped_per_deposit_and_per_number(salon):
    location_id = salon['location'].id
    token = _started(salon)[0].token
    for _ in range(online_deposits.PROMPTS_PER_DEPOSIT):
        token = online_deposits.pay_by_mpesa(location_id, token, '0712345678').token
        assert _deliver(salon, salon['fake'].requests[-1]['CheckoutRequestID'], '1032') == 'failed'
    with pytest.raises(ValidationError, match='3 M-Pesa prompts') as refused:
        online_deposits.pay_by_mpesa(location_id, token, '0712345678')
    assert refused.value.field == 'method' and len(salon['fake'].requests) == 3
    other = _started(salon, holder='page-2', hhmm='11:00', email='baraka@example.com')[0]
    with pytest.raises(ValidationError, match='this number') as refused:  # another page, the same phone
        online_deposits.pay_by_mpesa(location_id, other.token, '0712 345 678')
    assert refused.value.field == 'phone' and len(salon['fake'].requests) == 3
    assert online_deposits.pay_by_mpesa(location_id, other.token, '0722000111').status == 'pending'


def test_a_timed_out_prompt_is_still_asked_about_and_a_late_payment_counts(salon):
    location_id = salon['location'].id
    started = _started(salon)[0]
    online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    reference = salon['fake'].requests[-1]['CheckoutRequestID']
    later = clock.now() + timedelta(minutes=online_deposits.PROMPT_MINUTES + 1)
    assert online_deposits.check_pending(as_of=later) == {reference: 'failed'}  # the hold let go
    assert _rows(SlotHold, SlotHold.holder == 'page-1') == []
    salon['fake'].results[reference] = '0'  # M-Pesa settles it late, no callback
    assert online_deposits.check_pending(as_of=later + timedelta(minutes=1)) == {reference: 'paid'}
    (booking,) = _rows(Booking)
    (receipt,) = _rows(Receipt)
    assert receipt.booking_id == booking.id and receipt.paid_cents == 45000


def test_a_timed_out_prompt_stops_being_asked_at_its_final_word_or_after_a_day(salon):
    location_id = salon['location'].id
    token = _started(salon)[0].token
    online_deposits.pay_by_mpesa(location_id, token, '0712345678')
    reference = salon['fake'].requests[-1]['CheckoutRequestID']
    later = clock.now() + timedelta(minutes=online_deposits.PROMPT_MINUTES + 1)
    online_deposits.check_pending(as_of=later)
    asked = len(salon['fake'].queries)
    assert online_deposits.check_pending(as_of=later + online_deposits.LATE_ANSWERS) == {}  # a day on: not asked
    assert len(salon['fake'].queries) == asked
    salon['fake'].results[reference] = '1037'
    assert online_deposits.check_pending(as_of=later) == {reference: 'failed'}  # its final word
    assert online_deposits.check_pending(as_of=later) == {}
    (row,) = _rows(OnlineDeposit)
    assert (row.status, row.reason) == ('failed', '1037') and _rows(Booking) == []


def test_still_under_processing_is_no_answer_yet(salon):
    location_id = salon['location'].id
    online_deposits.pay_by_mpesa(location_id, _started(salon)[0].token, '0712345678')
    reference = salon['fake'].requests[-1]['CheckoutRequestID']
    salon['fake'].results[reference] = '4999'  # "The transaction is still under processing"
    assert mobile_money.provider().query(reference) is None  # the desk's prompts read it the same way
    assert online_deposits.check_pending(older_than=timedelta(0)) == {}
    assert _rows(OnlineDeposit, OnlineDeposit.status == 'pending')
    later = clock.now() + timedelta(minutes=online_deposits.PROMPT_MINUTES + 1)
    assert online_deposits.check_pending(as_of=later) == {reference: 'failed'}
    assert _rows(OnlineDeposit)[0].reason == 'timeout'


def test_money_for_a_time_already_begun_is_recorded_without_a_booking(salon, monkeypatch):
    location_id = salon['location'].id
    started, slot = _started(salon)
    online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    reference = salon['fake'].requests[-1]['CheckoutRequestID']
    monkeypatch.setattr(clock, 'now', lambda: slot.starts_at + timedelta(minutes=5))  # the answer came very late
    heard = []
    events.subscribe(heard.append)
    try:
        assert _deliver(salon, reference) == 'paid'
    finally:
        events.unsubscribe(heard.append)
    assert _rows(Booking) == []
    (receipt,) = _rows(Receipt)
    assert (receipt.booking_id, receipt.paid_cents) == (None, 45000)
    assert any(isinstance(e, events.PaymentFailed) and 'refund it or book them' in e.summary for e in heard)


def test_a_lapsed_hold_is_taken_again_for_the_pages_visitor(salon):
    location_id = salon['location'].id
    started = _started(salon)[0]
    online_deposits.pay_by_mpesa(location_id, started.token, '0712345678')
    assert _deliver(salon, salon['fake'].requests[-1]['CheckoutRequestID'], '1032') == 'failed'  # hold let go
    online_deposits.pay_by_mpesa(location_id, started.token, '0712345678', ip='198.51.100.7', visitor='visit-1')
    (held,) = _rows(SlotHold, SlotHold.holder == 'page-1')
    assert (held.ip, held.visitor) == ('198.51.100.7', 'visit-1')


def test_a_card_session_paid_as_it_expires_books(salon, cards):
    location_id = salon['location'].id
    asked = online_deposits.pay_by_card(location_id, _started(salon)[0].token, return_url='https://salon.example/b')
    assert cards.made[0]['reference'] == f'online-deposit-{asked.token}-1'  # the try's own random token
    cards.paid_meanwhile = True
    later = clock.now() + timedelta(minutes=online_deposits.CARD_MINUTES + 1)
    assert online_deposits.check_pending(as_of=later) == {'cs_test_1': 'paid'}
    assert cards.expired == ['cs_test_1']
    (booking,) = _rows(Booking)
    assert online_deposits.state(location_id, asked.token).booking.id == booking.id


def test_a_card_payment_that_does_not_match_is_flagged_for_a_refund_once(salon, cards):
    location_id = salon['location'].id
    online_deposits.connect()
    asked = online_deposits.pay_by_card(location_id, _started(salon)[0].token, return_url='https://salon.example/b')
    (handler,) = cards.handlers
    heard = []
    events.subscribe(heard.append)
    try:
        wrong = _Session('cs_test_1', '', 'complete', 'paid', 4500, 'kes', '', {}, payment_intent='pi_9')
        assert handler(wrong, 'evt_1') == 'refused'
        assert handler(wrong, 'evt_2') == 'refused'  # the late-settlement event too: told once
    finally:
        events.unsubscribe(heard.append)
    flagged = [e for e in heard if isinstance(e, events.PaymentFailed)]
    assert len(flagged) == 1 and 'refund it' in flagged[0].summary and 'pi_9' in flagged[0].summary
    assert _rows(Booking) == [] and _rows(Receipt) == []
    shown = online_deposits.state(location_id, asked.token)
    assert shown.status == 'failed' and 'pay it back' in shown.reason


def test_a_three_decimal_deposit_is_asked_in_the_step_cards_take(db, cards):
    manama = make_location('Manama')
    locations.update_location(manama.id, {**locations.settings_of(manama).model_dump(), 'currency': 'BHD',
                                          'tax_rates': [], 'online_booking': True, 'deposit_percent': 30},
                              actor=OWNER)
    treatment = make_service(manama, price_cents=12345)  # 12.345 dinars: a deposit of 3.7035
    assert online_deposits.methods(manama.id) == ('card',)
    assert online.deposit_cents(manama.id, treatment.id) % 10
    asked = online_deposits.asked(manama.id, treatment.id)
    assert asked % 10 == 0 and 0 <= asked - online.deposit_cents(manama.id, treatment.id) < 10
    card_checkout.provider_amount(asked, 'BHD')  # Stripe takes it
