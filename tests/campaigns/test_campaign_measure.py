"""A campaign's performance on a worked example written out here: booking rates, the lift with Newcombe's interval
(computed below from its formula, apart from statsmodels), the attributed and the incremental ROI."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from app.services.campaigns.measure import Outcome, performance


def wilson(booked: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval for one proportion (Newcombe 1998 builds on it)."""
    p = booked / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_the_worked_example():
    # 1,000 customers at risk; 10 % held out. Within 30 days of the send:
    #   900 recipients: 90 booked (10 %), paying 450,000 cents (50.00 each); each used the 5.00 code (45,000 off)
    #   100 held out:     5 booked (5 %), paying  25,000 cents
    #   900 e-mails at 5 cents: the campaign cost 4,500 cents
    outcome = Outcome(recipients=900, recipients_booked=90, recipients_revenue_cents=450_000, holdout=100,
                      holdout_booked=5, holdout_revenue_cents=25_000, discounts_cents=45_000, messages_sent=900,
                      cost_per_message_cents=5)
    result = performance(outcome)
    assert result.recipients_rate == pytest.approx(0.10) and result.holdout_rate == pytest.approx(0.05)
    assert result.lift == pytest.approx(0.05)  # five points
    # Newcombe's hybrid score interval: d − √((p1−l1)² + (u2−p2)²), d + √((u1−p1)² + (p2−l2)²)
    (l1, u1), (l2, u2) = wilson(90, 900), wilson(5, 100)
    low = 0.05 - math.sqrt((0.10 - l1) ** 2 + (u2 - 0.05) ** 2)
    high = 0.05 + math.sqrt((u1 - 0.10) ** 2 + (0.05 - l2) ** 2)
    assert (result.lift_low, result.lift_high) == (pytest.approx(low), pytest.approx(high))
    assert result.lift_low < 0 < result.lift_high  # 100 held out cannot show five points apart from chance
    assert result.cost_cents == 4_500
    assert result.roi == Decimal(450_000 - 45_000 - 4_500) / 4_500 == 89  # what peers would report
    # the holdout spent 250 cents a head; the recipients 500: the campaign brought 250 × 900 = 225,000
    assert result.incremental_revenue_cents == 225_000
    assert result.incremental_roi == Decimal(225_000 - 45_000 - 4_500) / 4_500 == 39


def test_without_a_holdout_or_a_cost_the_figures_that_need_them_are_not_given():
    free = performance(Outcome(recipients=10, recipients_booked=2, recipients_revenue_cents=1000, holdout=0,
                               holdout_booked=0, holdout_revenue_cents=0, discounts_cents=0, messages_sent=10,
                               cost_per_message_cents=0))
    assert free.recipients_rate == pytest.approx(0.2) and free.holdout_rate is None
    assert free.lift is None and free.lift_low is None and free.incremental_revenue_cents is None
    assert free.roi is None and free.incremental_roi is None and free.cost_cents == 0
