"""Issue 29 in the money area: what the services refuse arrives in the reader's language, from a worker thread too;
counts take the language's plural forms; the day's notes name days in the language; stored announcements are kept
deferred and shown in each reader's language."""

from __future__ import annotations

from datetime import date

import pytest

from app.models import LatePayment, PaymentMethod
from app.pages import language
from app.services import i18n
from app.services.amounts import TOO_LARGE, check_amount
from app.services.errors import ValidationError
from app.services.money import checkout, day_close
from app.services.money.checkout import Sale, SaleLine
from tests.factories import OWNER, make_location, make_service, make_staff_member


async def test_an_amount_over_the_limit_is_refused_in_the_sessions_language_from_the_worker(db):
    location = make_location()
    cut = make_service(location)
    member = make_staff_member(location, 'Becky')
    sale = Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id, staff_member_id=member.id)],
                tip_cents=10**15, settle_with=PaymentMethod.CARD)
    with i18n.speaking('sw'), pytest.raises(ValidationError) as refused:
        await language.io_bound(checkout.quote, sale, actor=OWNER)  # the worker speaks the caller's language
    assert str(refused.value) == 'Kiasi hakizidi 1,000,000,000.00.' and refused.value.field == 'tip'
    with i18n.speaking('fr'), pytest.raises(ValidationError) as refused:
        await language.io_bound(checkout.check_out, sale, actor=OWNER)
    assert str(refused.value) == 'Un montant ne dépasse pas 1\u202f000\u202f000\u202f000,00.'
    with pytest.raises(ValidationError) as refused:  # no session: English, as it always was
        check_amount(10**15, 'tip')
    assert str(refused.value) == TOO_LARGE


def test_counts_take_each_languages_plural_forms():
    def points(n: int, code: str) -> str:
        with i18n.speaking(code):
            return i18n.ngettext('{n} loyalty point', '{n} loyalty points', n).format(n=n)

    assert [points(n, 'en') for n in (1, 2)] == ['1 loyalty point', '2 loyalty points']
    assert [points(n, 'fr') for n in (1, 2)] == ['1 point de fidélité', '2 points de fidélité']
    assert [points(n, 'sw') for n in (1, 2)] == ['pointi 1 ya uaminifu', 'pointi 2 za uaminifu']


def test_the_day_notes_name_the_days_in_the_language():
    late = LatePayment(receipt_number='12', receipt_day=date(2030, 3, 4), method='mobile_money', amount_cents=100000,
                       counted_on=date(2030, 3, 5), after_close=True, closed_day=date(2030, 3, 4))

    def money(cents: int) -> str:
        return f'KES {cents / 100:,.2f}'

    assert day_close.after_close_note(late, money, 'en_KE') == (
        'M-Pesa payment of KES 1,000.00 for receipt 12 confirmed after close, counted on Tue 05 Mar')
    with i18n.speaking('sw'):
        note = day_close.earlier_receipt_note(late, money, 'en_KE')
    assert note.startswith('Risiti 12 ya Jumatatu 04 Mac: KES 1,000.00 kwa pesa kwa simu'), note


def test_a_sales_announcement_is_stored_deferred_and_shown_in_the_readers_language(db):
    from app.services import events
    location = make_location()
    cut, member = make_service(location), make_staff_member(location, 'Becky')
    heard: list = []
    events.subscribe(heard.append)
    try:
        checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id,
                                                                          staff_member_id=member.id)],
                                settle_with=PaymentMethod.CARD), actor=OWNER)
    finally:
        events.unsubscribe(heard.append)
    (paid,) = [e for e in heard if isinstance(e, events.ReceiptCreated)]
    assert i18n.shown(paid.summary) == 'Payment received: receipt 1'
    with i18n.speaking('fr'):
        assert i18n.shown(paid.summary) == 'Paiement reçu : reçu 1'
    with i18n.speaking('sw'):
        assert i18n.shown(paid.summary) == 'Malipo yamepokelewa: risiti 1'


def test_a_sale_recorded_with_nothing_paid_is_not_announced_as_a_payment(db):
    """The checkout's M-Pesa records the sale before the customer's phone answers: its toast said "Payment received"
    while the desk was still waiting."""
    from app.services import events
    location = make_location()
    cut, member = make_service(location), make_staff_member(location, 'Becky')
    heard: list = []
    events.subscribe(heard.append)
    try:
        checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id,
                                                                          staff_member_id=member.id)]), actor=OWNER)
    finally:
        events.unsubscribe(heard.append)
    (recorded,) = [e for e in heard if isinstance(e, events.ReceiptCreated)]
    assert i18n.shown(recorded.summary) == 'Sale recorded, nothing paid yet: receipt 1'
    with i18n.speaking('sw'):
        assert i18n.shown(recorded.summary) == 'Mauzo yamerekodiwa, hakuna kilicholipwa bado: risiti 1'
