"""Who a campaign targets: a saved segment of a location's customers.

Segments come from the analytics' customer figures (:func:`app.services.analytics.metrics.customer_summary`), so
a campaign's "at risk" is the analytics page's at-risk list:

- ``at_risk``: not churned and overdue (churn-risk score above 1.5; :func:`metrics.at_risk`);
- ``lapsed``: no visit for more than ``lapsed_days`` days (customers who came at least once);
- ``vip``, ``new``, ``regular``, ``occasional``, ``churned``: the analytics segment of that name
  (:data:`metrics.SEGMENT_RULES`; the segments chart's slices);
- ``birthday``: a birthday in the month of ``as_of`` at the location (visits or not);
- ``tag``: carries ``tag`` (case and surrounding spaces ignored);
- ``filter``: every condition given holds: visits (all time) between ``min_visits`` and ``max_visits``, lifetime
  spend (cents, receipts before tax) between ``min_spend_cents`` and ``max_spend_cents``, last visit within
  ``last_visit_within_days`` days, or more than ``last_visit_over_days`` days ago (a customer who never came has
  no last visit and matches neither).

Erased and merged customers are never targeted. Consent is not checked here: the outbox leaves out whoever has not
consented on the campaign's channel when it queues (:func:`app.services.messaging.outbox.queue_marketing`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from app.models import Target
from app.services import lazy
from app.services.analytics import metrics
from app.services.i18n import N_, _, ngettext

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import pandas as pd
else:  # at first use, not at start (app.services.lazy)
    pd = lazy.module('pandas', globals())

SEGMENT_NAMES = {'at_risk': N_('At risk'), 'lapsed': N_('Lapsed'), 'vip': N_('VIP'), 'new': N_('New'),
                 'regular': N_('Regular'), 'occasional': N_('Occasional'), 'churned': N_('Churned'),
                 'birthday': N_('Birthday this month'), 'tag': N_('Tag'), 'filter': N_('Filter')}
"""Each segment's name as pages show it (English; shown translated with ``_()``)."""
ANALYTICS_SEGMENTS = {'vip': 'VIP', 'new': 'new', 'regular': 'regular', 'occasional': 'occasional',
                      'churned': 'churned'}
"""Targets that are an analytics segment: target → the segment's name in :data:`metrics.SEGMENT_RULES`."""


def describe(target: Target) -> str:
    """``target`` in words, in the current language, e.g. ``'Lapsed: no visit for 90 days'`` or ``'Filter: visits
    ≥ 3, last visit over 60 days ago'`` (lifetime spend in minor units)."""
    name = _(SEGMENT_NAMES[target.segment])
    if target.segment == 'lapsed':
        return ngettext('{name}: no visit for {n} day', '{name}: no visit for {n} days', target.lapsed_days).format(
            name=name, n=target.lapsed_days)
    if target.segment == 'tag':
        return _('{name}: {tag}').format(name=name, tag=target.tag.strip())
    if target.segment != 'filter':
        return name
    visits, spend = _('visits'), _('lifetime spend (minor units)')
    parts = [f'{what} {sign} {value}' for what, sign, value in (
        (visits, '≥', target.min_visits), (visits, '≤', target.max_visits),
        (spend, '≥', target.min_spend_cents), (spend, '≤', target.max_spend_cents)) if value is not None]
    if target.last_visit_within_days is not None:
        parts.append(ngettext('last visit within {n} day', 'last visit within {n} days',
                              target.last_visit_within_days).format(n=target.last_visit_within_days))
    if target.last_visit_over_days is not None:
        parts.append(ngettext('last visit over {n} day ago', 'last visit over {n} days ago',
                              target.last_visit_over_days).format(n=target.last_visit_over_days))
    return _('{name}: {conditions}').format(name=name, conditions=', '.join(parts))


def select(target: Target, people: pd.DataFrame, summary: pd.DataFrame, *, as_of: datetime, today: date
           ) -> list[int]:
    """The ids of the customers ``target`` takes, ascending.

    :param people: one row per customer of the location, index ``id``, columns ``birthday`` (date or None), ``tags``
        (list of str), ``erased_at`` and ``merged_into`` (None when neither)
    :param summary: :func:`metrics.customer_summary` at ``as_of`` (customers with a visit), index customer id
    :param today: the location's local date at ``as_of`` (for birthdays)
    """
    live = people.loc[people['erased_at'].isna() & people['merged_into'].isna()]
    figures = summary.reindex(live.index)  # customers who never came: no figures (NaN)
    visits = figures['visits'].fillna(0)
    spend = figures['lifetime_value_cents'].fillna(0)
    since = figures['days_since_last_visit']  # NaN: never came
    segment = target.segment
    if segment == 'at_risk':
        chosen = live.index.intersection(metrics.at_risk(summary).index)
    elif segment == 'lapsed':
        chosen = live.index[(since > target.lapsed_days).to_numpy()]
    elif segment in ANALYTICS_SEGMENTS:
        chosen = live.index[(figures['segment'] == ANALYTICS_SEGMENTS[segment]).to_numpy()]
    elif segment == 'birthday':
        chosen = live.index[[isinstance(b, date) and b.month == today.month for b in live['birthday']]]
    elif segment == 'tag':
        wanted = target.tag.strip().casefold()
        chosen = live.index[[any(str(t).strip().casefold() == wanted for t in (tags or [])) for tags in live['tags']]]
    else:
        keep = pd.Series(True, index=live.index)
        if target.min_visits is not None:
            keep &= visits >= target.min_visits
        if target.max_visits is not None:
            keep &= visits <= target.max_visits
        if target.min_spend_cents is not None:
            keep &= spend >= target.min_spend_cents
        if target.max_spend_cents is not None:
            keep &= spend <= target.max_spend_cents
        if target.last_visit_within_days is not None:
            keep &= since <= target.last_visit_within_days
        if target.last_visit_over_days is not None:
            keep &= since > target.last_visit_over_days
        chosen = live.index[keep.to_numpy()]
    return sorted(int(i) for i in chosen)
