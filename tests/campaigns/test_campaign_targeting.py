"""Who a campaign targets, on a hand-built set of customers whose figures are written here, and the holdout: drawn
reproducibly from a recorded seed, never overlapping the recipients."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from pydantic import ValidationError

from app.models import Target
from app.services.analytics import metrics
from app.services.campaigns.measure import draw_holdout
from app.services.campaigns.targeting import select

AS_OF = datetime(2030, 6, 15, 12, tzinfo=UTC)
TODAY = date(2030, 6, 15)


def visits_of(customer_id: int, *days_ago: int, price: int = 5000) -> list[dict]:
    return [{'customer_id': customer_id, 'starts_at': AS_OF - timedelta(days=d), 'status': 'completed',
             'price_cents': price} for d in days_ago]


@pytest.fixture
def shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers 1–9 with hand-made histories (figures from the analytics' own customer_summary):

    1 regular, every 30 days, last 10 days ago — not at risk
    2 came every 20 days, last 60 days ago (risk 3): at risk
    3 last visit 200 days ago: churned (lapsed, not at risk)
    4 first and only visit 10 days ago: new
    5 the big spender (first visit 200 days ago, last 20): VIP
    6 never came; birthday in June, tagged " VIP-List "
    7 erased (had visits 60 days ago like 2): never targeted
    8 merged into 1: never targeted
    9 two visits, 100 and 120 days ago; birthday in July
    """
    rows = (visits_of(1, 10, 40, 70, 100, 130) + visits_of(2, 60, 80, 100, 120) + visits_of(3, 200, 260)
            + visits_of(4, 10) + visits_of(5, 20, 110, 200, price=90000) + visits_of(7, 60, 80, 100)
            + visits_of(8, 30) + visits_of(9, 100, 120))
    bookings = pd.DataFrame(rows)
    lines = bookings.rename(columns={'starts_at': 'issued_at', 'price_cents': 'amount_cents'})[
        ['customer_id', 'issued_at', 'amount_cents']]
    summary = metrics.customer_summary(bookings, lines, AS_OF)
    people = pd.DataFrame({
        'id': range(1, 10),
        'birthday': [None, None, None, None, None, date(1990, 6, 30), None, date(1985, 6, 1), date(1991, 7, 1)],
        'tags': [[], ['vip-list'], [], [], [], [' VIP-List '], ['vip-list'], [], []],
        'erased_at': [None] * 6 + [AS_OF] + [None] * 2,
        'merged_into': [None] * 7 + [1, None],
    }).set_index('id')
    return people, summary


@pytest.mark.parametrize(('target', 'expected'), [
    (Target(segment='at_risk'), [2, 9]),
    (Target(segment='lapsed', lapsed_days=90), [3, 9]),
    (Target(segment='lapsed', lapsed_days=150), [3]),
    (Target(segment='vip'), [5]),
    (Target(segment='new'), [4]),  # 8 is new too, but was merged
    (Target(segment='regular'), [1, 2]),  # 4 or more visits in 365 days (2 is regular and at risk)
    (Target(segment='occasional'), [9]),  # 7 is occasional too, but was erased
    (Target(segment='churned'), [3]),
    (Target(segment='birthday'), [6]),  # 8 has a June birthday too, but was merged
    (Target(segment='tag', tag='vip-list'), [2, 6]),  # 7 carries it, but was erased
    (Target(segment='filter', min_visits=3), [1, 2, 5]),
    (Target(segment='filter', max_visits=0), [6]),  # never came
    (Target(segment='filter', min_spend_cents=100_000), [5]),
    (Target(segment='filter', last_visit_within_days=15), [1, 4]),
    (Target(segment='filter', last_visit_over_days=50, max_visits=2), [3, 9]),
])
def test_each_segment_takes_the_customers_it_says(shop, target, expected):
    people, summary = shop
    assert select(target, people, summary, as_of=AS_OF, today=TODAY) == expected


def test_the_at_risk_segment_is_the_analytics_at_risk_list(shop):
    people, summary = shop
    listed = set(metrics.at_risk(summary).index) - {7, 8}
    assert select(Target(segment='at_risk'), people, summary, as_of=AS_OF, today=TODAY) == sorted(listed)


def test_an_incomplete_target_is_refused_naming_the_field():
    with pytest.raises(ValidationError, match='tag'):
        Target(segment='tag', tag='  ')
    with pytest.raises(ValidationError, match='filter'):
        Target(segment='filter')
    with pytest.raises(ValidationError, match='lapsed_days'):
        Target(segment='lapsed', lapsed_days=0)


def test_the_holdout_is_drawn_the_same_way_from_the_same_seed_and_is_never_a_recipient():
    ids = list(range(1, 201))
    recipients, holdout = draw_holdout(ids, Decimal('0.10'), seed=20301)
    assert len(holdout) == 20 and len(recipients) == 180
    assert set(recipients).isdisjoint(holdout) and set(recipients) | set(holdout) == set(ids)
    assert draw_holdout(reversed(ids), Decimal('0.10'), seed=20301) == (recipients, holdout)  # order given: no matter
    assert draw_holdout(ids, Decimal('0.10'), seed=20302)[1] != holdout  # another seed, another draw
    assert holdout != list(range(1, 21))  # drawn at random, not the first ids
    assert len(draw_holdout(range(1, 6), Decimal('0.10'), seed=1)[1]) == 1  # 0.5 rounds half up: one held out
    assert draw_holdout(ids, Decimal(0), seed=1) == (ids, [])
    with pytest.raises(ValueError, match='between 0 and 50 %'):
        draw_holdout(ids, Decimal('0.6'), seed=1)


def test_targets_are_described_in_the_readers_language_with_plurals():
    from app.services import i18n
    from app.services.campaigns.targeting import describe
    assert describe(Target(segment='lapsed', lapsed_days=1)) == 'Lapsed: no visit for 1 day'
    assert describe(Target(segment='lapsed', lapsed_days=90)) == 'Lapsed: no visit for 90 days'
    with i18n.speaking('fr'):
        assert describe(Target(segment='lapsed', lapsed_days=90)) == 'Inactifs : aucune visite depuis 90 jours'
        assert describe(Target(segment='filter', min_visits=3, last_visit_over_days=60)) == (
            'Filtre : visites ≥ 3, dernière visite il y a plus de 60 jours')
    with i18n.speaking('sw'):
        assert describe(Target(segment='lapsed', lapsed_days=1)) == 'Wasiofika tena: hajafika kwa siku 1'
        assert describe(Target(segment='vip')) == 'VIP'
