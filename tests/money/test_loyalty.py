"""Loyalty on both databases: points earned at checkout on what the location counts (after discounts, before tax),
spent on a reward (an amount off, a free service), taken back by a refund; never more than the customer has."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.models import PaymentMethod
from app.services import clock
from app.services.catalogue import locations
from app.services.errors import ValidationError
from app.services.money import checkout, loyalty
from app.services.money.checkout import Sale, SaleLine
from tests.factories import (
    OWNER,
    TZ,
    make_customer,
    make_location,
    make_product,
    make_service,
    make_staff_member,
)

CARD = PaymentMethod.CARD
DAY = date(2030, 3, 4)


@pytest.fixture
def shop(db):
    location = make_location()
    location = locations.update_location(location.id, {**locations.settings_of(location).model_dump(),
                                                       'loyalty_points_per_unit': 2, 'loyalty_on': 'services'},
                                         actor=OWNER)
    return {'location': location, 'member': make_staff_member(location, 'JJ'), 'cut': make_service(location),
            'oil': make_product(location, 'OIL', 'Oil', stock=5), 'alex': make_customer(location)}


def _sell(shop, *lines, reward_id=None, discount=None):
    return checkout.check_out(Sale(location_id=shop['location'].id, customer_id=shop['alex'].id, lines=list(lines),
                                   reward_id=reward_id, discount_percent=discount,
                                   discount_reason='x' if discount else '', settle_with=CARD),
                              actor=OWNER, as_of=clock.local_datetime(DAY, 600, TZ))


def test_points_are_earned_spent_and_taken_back(shop):
    cut = SaleLine(service_id=shop['cut'].id, staff_member_id=shop['member'].id)
    # the cut 10 % off: 7380 → 73 whole dollars × 2 = 146 points; the oil earns none (services only)
    first = _sell(shop, cut, SaleLine(product_id=shop['oil']), discount=Decimal('10'))
    points, moves = loyalty.ledger(shop['alex'].id, actor=OWNER)
    assert points == 146 and [(m.kind, m.points) for m in moves] == [('earned', 146)]
    ten_off = loyalty.save_reward(None, actor=OWNER, location_id=shop['location'].id, name='$10 off', points=100,
                                  discount_cents=1000)
    free_cut = loyalty.save_reward(None, actor=OWNER, location_id=shop['location'].id, name='Free cut', points=300,
                                   service_id=shop['cut'].id)
    with pytest.raises(ValidationError, match='needs 300 points; the customer has 146') as short:
        _sell(shop, cut, reward_id=free_cut.id)
    assert short.value.field == 'reward'
    # $10 off the cut: 7200 + 13 % = 8136; earns 72 × 2 = 144; spends 100
    second = _sell(shop, cut, reward_id=ten_off.id)
    assert second.total_cents == 8136
    assert loyalty.ledger(shop['alex'].id, actor=OWNER)[0] == 146 - 100 + 144
    # the first cut brought back: 7380 → 146 points back out
    cut_line = next(x.id for x in checkout.receipt_details(first.receipt_id, actor=OWNER).lines
                    if x.description == "Women's cut")
    checkout.refund(first.receipt_id, {cut_line: 1}, method=CARD, reason='redo', actor=OWNER,
                    as_of=clock.local_datetime(DAY, 700, TZ))
    points, moves = loyalty.ledger(shop['alex'].id, actor=OWNER)
    assert points == 44 and moves[0].kind == 'adjusted' and moves[0].points == -146


def test_a_free_service_reward_takes_its_line_to_nothing(shop):
    cut = SaleLine(service_id=shop['cut'].id, staff_member_id=shop['member'].id)
    for _ in range(3):
        _sell(shop, cut)  # 3 × 164 = 492 points
    free_cut = loyalty.save_reward(None, actor=OWNER, location_id=shop['location'].id, name='Free cut', points=300,
                                   service_id=shop['cut'].id)
    with pytest.raises(ValidationError, match='add the service'):
        _sell(shop, SaleLine(product_id=shop['oil']), reward_id=free_cut.id)
    free = _sell(shop, cut, SaleLine(product_id=shop['oil']), reward_id=free_cut.id)
    assert free.total_cents == 1695  # only the oil, with tax
    assert loyalty.ledger(shop['alex'].id, actor=OWNER)[0] == 492 - 300


def test_rewards_are_checked(shop):
    for values, field in (({'name': ' ', 'points': 10, 'discount_cents': 100}, 'name'),
                          ({'name': 'x', 'points': 0, 'discount_cents': 100}, 'points'),
                          ({'name': 'x', 'points': 10}, 'discount_cents'),
                          ({'name': 'x', 'points': 10, 'discount_cents': 100, 'service_id': shop['cut'].id},
                           'discount_cents'),
                          ({'name': 'x', 'points': 10, 'service_id': make_service(make_location('Elm')).id},
                           'service_id')):
        with pytest.raises(ValidationError) as refused:
            loyalty.save_reward(None, actor=OWNER, location_id=shop['location'].id, **values)
        assert refused.value.field == field
    assert loyalty.rewards(shop['location'].id, actor=OWNER) == []


def test_points_expire_after_the_locations_months_without_a_visit(shop):
    from datetime import timedelta

    locations.update_location(shop['location'].id, {**locations.settings_of(shop['location']).model_dump(),
                                                    'loyalty_expiry_months': 12}, actor=OWNER)
    cut = SaleLine(service_id=shop['cut'].id, staff_member_id=shop['member'].id)
    _sell(shop, cut)  # 164 points on 4 March 2030
    sold_at = clock.local_datetime(DAY, 600, TZ)
    assert loyalty.expire_inactive(now=sold_at + timedelta(days=300)) == 0  # ten months: kept
    assert loyalty.expire_inactive(now=sold_at + timedelta(days=370)) == 1
    points, moves = loyalty.ledger(shop['alex'].id, actor=OWNER)
    assert points == 0 and (moves[0].kind, moves[0].points) == ('expired', -164)
    assert loyalty.expire_inactive(now=sold_at + timedelta(days=400)) == 0  # nothing left to expire


def test_two_expiry_runs_at_the_same_moment_expire_each_balance_once(shop, monkeypatch):
    """Two processes running the daily expiry at once (one whose job lock was lost, jobs.py): the first's locations stay
    locked until it commits, so the second finds nothing left; without the lock both took the 164 points on
    PostgreSQL (SQLite has one writer at a time)."""
    import threading
    from datetime import timedelta

    locations.update_location(shop['location'].id, {**locations.settings_of(shop['location']).model_dump(),
                                                    'loyalty_expiry_months': 12}, actor=OWNER)
    _sell(shop, SaleLine(service_id=shop['cut'].id, staff_member_id=shop['member'].id))
    later = clock.local_datetime(DAY, 600, TZ) + timedelta(days=370)
    both_in = threading.Barrier(2)

    def run() -> None:
        both_in.wait(timeout=10)
        loyalty.expire_inactive(now=later)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    points, moves = loyalty.ledger(shop['alex'].id, actor=OWNER)
    assert points == 0 and [m.kind for m in moves].count('expired') == 1
