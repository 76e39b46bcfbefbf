"""Gift cards on both databases: sold as money owed (not revenue), spent as a payment, balance always the sum of its
movements; two desks spending one card at once spend it once; codes are random and read the Crockford way."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest

from app.models import PaymentMethod
from app.services import clock
from app.services.errors import NotFoundError, ValidationError
from app.services.money import checkout, day_close, gift_cards
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER, TZ, make_location, make_service, make_staff_member

CARD, CASH, GIFT = PaymentMethod.CARD, PaymentMethod.CASH, PaymentMethod.GIFT_CARD
DAY = date(2030, 3, 4)


@pytest.fixture
def shop(db):
    location = make_location()
    member = make_staff_member(location, 'JJ')
    return {'location': location, 'member': member, 'cut': make_service(location)}  # $82.00 + 13 %: 9266


def _sell_card(shop, amount: int) -> str:
    done = checkout.check_out(Sale(location_id=shop['location'].id, lines=[], gift_cards=[amount],
                                   settle_with=CASH), actor=OWNER, as_of=clock.local_datetime(DAY, 600, TZ))
    return done.gift_card_codes[0]


def _pay_cut(shop, code: str, amount: int, rest_by_card: int = 0):
    payments = [PaymentIn(method=GIFT, amount_cents=amount, gift_card_code=code)]
    if rest_by_card:
        payments.append(PaymentIn(method=CARD, amount_cents=rest_by_card))
    return checkout.check_out(Sale(location_id=shop['location'].id, lines=[SaleLine(
        service_id=shop['cut'].id, staff_member_id=shop['member'].id)], payments=payments), actor=OWNER,
        as_of=clock.local_datetime(DAY, 700, TZ))


def test_a_card_is_sold_as_money_owed_and_spent_as_a_payment(shop):
    code = _sell_card(shop, 5000)
    assert re.fullmatch(r'[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}', code)
    assert gift_cards.balance(shop['location'].id, code.lower().replace('-', ' '), actor=OWNER).balance_cents == 5000
    figures = day_close.summary(shop['location'].id, DAY, actor=OWNER)
    assert (figures.net_cents, figures.payments) == (0, {'cash': 5000})  # not revenue until spent
    paid = _pay_cut(shop, code, 5000, rest_by_card=4266)
    assert paid.balance_cents == 0
    card = gift_cards.balance(shop['location'].id, code, actor=OWNER)
    assert card.balance_cents == 0
    ledger = gift_cards.ledger(card.id, actor=OWNER)
    assert [(m.kind, m.amount_cents) for m in ledger] == [('sold', 5000), ('redeemed', -5000)]
    assert sum(m.amount_cents for m in ledger) == card.balance_cents
    assert day_close.summary(shop['location'].id, DAY, actor=OWNER).net_cents == 8200  # revenue when spent
    with pytest.raises(ValidationError, match=r'holds only 0\.00') as empty:
        _pay_cut(shop, code, 100, rest_by_card=9166)
    assert empty.value.field == 'payments.0'


def test_unknown_and_other_locations_cards_are_refused(shop):
    elsewhere = {'location': make_location('Elm St')}
    theirs = _sell_card(elsewhere, 5000)
    for code in (theirs, 'AAAA-AAAA-AAAA-AAAA', 'not a code', ''):
        with pytest.raises(ValidationError):
            _pay_cut(shop, code, 1000, rest_by_card=8266)
    with pytest.raises(NotFoundError):
        gift_cards.balance(shop['location'].id, theirs, actor=OWNER)
    with pytest.raises(ValidationError):
        checkout.check_out(Sale(location_id=shop['location'].id, lines=[], gift_cards=[5]), actor=OWNER)
    assert gift_cards.normalised('abcd-efgh-ijkl-mnop') == 'ABCD-EFGH-1JK1-MN0P'


def test_two_desks_spending_one_card_at_once_spend_it_once(shop, monkeypatch):
    """Two sales, each with a balance, settled at the same moment with one card (no receipt number is taken, so
    nothing but the card's own lock stands between them); each desk dawdles after reading the card, so both read it
    before either writes unless the read waits for the other's commit."""
    import time

    from app.models import GiftCardMovement

    def slow(**values):
        time.sleep(0.3)
        return GiftCardMovement(**values)

    code = _sell_card(shop, 5000)
    monkeypatch.setattr(gift_cards, 'GiftCardMovement', slow)
    owed = [checkout.check_out(Sale(location_id=shop['location'].id, lines=[SaleLine(
        service_id=shop['cut'].id, staff_member_id=shop['member'].id)]), actor=OWNER,
        as_of=clock.local_datetime(DAY, 650, TZ)).receipt_id for _ in range(2)]
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def desk(receipt_id: int) -> None:
        start.wait()
        try:
            checkout.add_payment(receipt_id, PaymentIn(method=GIFT, amount_cents=4000, gift_card_code=code),
                                 actor=OWNER, as_of=clock.local_datetime(DAY, 700, TZ))
            outcomes.append('paid')
        except ValidationError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=desk, args=(receipt_id,)) for receipt_id in owed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ['The gift card holds only 10.00.', 'paid']
    assert gift_cards.balance(shop['location'].id, code, actor=OWNER).balance_cents == 1000


def test_the_cards_row_lock_alone_keeps_two_spends_apart(shop, monkeypatch):
    """The card's spend in two transactions at once, each pausing after it read the card: the second read waits
    for the first's commit and sees what is left (on SQLite the whole write transaction waits)."""
    import time

    from app.models import GiftCardMovement
    from app.services.database import session_scope

    code = _sell_card(shop, 5000)
    owed = checkout.check_out(Sale(location_id=shop['location'].id, lines=[SaleLine(
        service_id=shop['cut'].id, staff_member_id=shop['member'].id)]), actor=OWNER,
        as_of=clock.local_datetime(DAY, 650, TZ)).receipt_id

    def slow(**values):
        time.sleep(0.3)
        return GiftCardMovement(**values)

    monkeypatch.setattr(gift_cards, 'GiftCardMovement', slow)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def desk() -> None:
        start.wait()
        try:
            with session_scope(write=True) as session:
                gift_cards.spend(session, shop['location'].id, code, 4000, receipt_id=owed, user_id=None,
                                 now=clock.now(), field='payments.0')
            outcomes.append('spent')
        except ValidationError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ['The gift card holds only 10.00.', 'spent']


def test_a_refund_goes_back_onto_the_card(shop):
    code = _sell_card(shop, 10000)
    paid = _pay_cut(shop, code, 9266)
    line = checkout.receipt_details(paid.receipt_id, actor=OWNER).lines[0].id
    with pytest.raises(ValidationError):
        checkout.refund(paid.receipt_id, {line: 1}, method=GIFT, reason='redo', actor=OWNER)  # which card?
    checkout.refund(paid.receipt_id, {line: 1}, method=GIFT, reason='redo', actor=OWNER, gift_card_code=code,
                    as_of=clock.local_datetime(DAY, 720, TZ))
    card = gift_cards.balance(shop['location'].id, code, actor=OWNER)
    assert card.balance_cents == 10000
    ledger = gift_cards.ledger(card.id, actor=OWNER)
    assert [m.kind for m in ledger] == ['sold', 'redeemed', 'refunded'] and sum(m.amount_cents for m in ledger) == 10000
