"""A campaign's holdout and its measured effect.

**Holdout.** A share of the target (default 10 %), drawn at random with a recorded seed, receives nothing; the
same ids, share and seed always draw the same holdout (:func:`draw_holdout`), so a campaign's split can be checked
afterwards.

**Performance** (:func:`performance`; definitions also in ``docs/metrics.md``), over the attribution window after
the send:

- booking rate = customers with at least one booking made in the window ÷ customers, for the recipients and for
  the holdout apart;
- **lift** = recipients' booking rate − holdout's, with a 95 % confidence interval for that difference of two
  independent proportions by Newcombe's hybrid score method (R. G. Newcombe, "Interval estimation for the
  difference between independent proportions", Statistics in Medicine 17, 1998, method 10), as computed by
  statsmodels' ``confint_proportions_2indep(method='newcomb')``;
- **ROI** = (attributed revenue − discounts − cost) ÷ cost, where attributed revenue is what the recipients' sales in
  the window came to before the campaign's codes (receipt lines before tax, plus what the codes took off), discounts
  what the codes took off, and cost = messages sent × cost per message; undefined (None) when the campaign cost
  nothing;
- **incremental revenue** = (recipients' revenue per recipient − holdout's revenue per holdout customer) ×
  recipients: what the campaign brought beyond what the same customers would have spent anyway, and the ROI on it.
  Attributed revenue counts every recipient's spending, including what they would have spent without a message:
  the incremental figures are the honest ones, the attributed ones what peers report.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_HOLDOUT = Decimal('0.10')


def draw_holdout(customer_ids: Iterable[int], share: Decimal, seed: int) -> tuple[list[int], list[int]]:
    """Split ``customer_ids`` into ``(recipients, holdout)``, both ascending: the ids are sorted, shuffled by
    :class:`random.Random` seeded with ``seed``, and the first round-half-up(``share`` × count) of them are the holdout.

    :raises ValueError: ``share`` outside [0, 0.5]
    """
    if not Decimal(0) <= share <= Decimal('0.5'):
        raise ValueError('the holdout share must be between 0 and 50 %')
    ids = sorted(set(int(i) for i in customer_ids))
    order = list(ids)
    random.Random(seed).shuffle(order)
    size = int((share * len(ids)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return sorted(order[size:]), sorted(order[:size])


@dataclass(frozen=True)
class Outcome:
    """What happened in the attribution window: counts of customers and money in minor units."""

    recipients: int
    recipients_booked: int
    recipients_revenue_cents: int
    holdout: int
    holdout_booked: int
    holdout_revenue_cents: int
    discounts_cents: int
    messages_sent: int
    cost_per_message_cents: int


@dataclass(frozen=True)
class Performance:
    """:func:`performance`'s figures: rates and lift as fractions (0.05 = 5 points), money in minor units, ROI as
    ``Decimal`` ratios (None when undefined)."""

    recipients_rate: float | None
    holdout_rate: float | None
    lift: float | None
    lift_low: float | None
    lift_high: float | None
    cost_cents: int
    attributed_revenue_cents: int
    roi: Decimal | None
    incremental_revenue_cents: int | None
    incremental_roi: Decimal | None


def performance(outcome: Outcome) -> Performance:
    """The campaign's figures from ``outcome`` (definitions in the module docstring). Without recipients or without a
    holdout there is no lift (None) and no incremental revenue."""
    o = outcome
    cost = o.messages_sent * o.cost_per_message_cents
    rate = (o.recipients_booked / o.recipients) if o.recipients else None
    held = (o.holdout_booked / o.holdout) if o.holdout else None
    lift = low = high = incremental = None
    if rate is not None and held is not None:
        lift = rate - held
        # statsmodels (and the SciPy under it) imported here, when a campaign is measured: at the top of the module
        # it was a quarter of every start of the app (1.1 s of 4.5 s on the 2-core test machine)
        from statsmodels.stats.proportion import confint_proportions_2indep

        low, high = (float(x) for x in confint_proportions_2indep(
            o.recipients_booked, o.recipients, o.holdout_booked, o.holdout, method='newcomb', compare='diff',
            alpha=0.05))
        per_recipient = Decimal(o.recipients_revenue_cents) / o.recipients
        per_held = Decimal(o.holdout_revenue_cents) / o.holdout
        incremental = int(((per_recipient - per_held) * o.recipients).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    roi = Decimal(o.recipients_revenue_cents - o.discounts_cents - cost) / cost if cost else None
    incremental_roi = (Decimal(incremental - o.discounts_cents - cost) / cost
                       if cost and incremental is not None else None)
    return Performance(recipients_rate=rate, holdout_rate=held, lift=lift, lift_low=low, lift_high=high,
                       cost_cents=cost, attributed_revenue_cents=o.recipients_revenue_cents, roi=roi,
                       incremental_revenue_cents=incremental, incremental_roi=incremental_roi)
