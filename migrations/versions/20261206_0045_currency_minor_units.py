"""money in each currency's own minor units: amounts of locations whose currency is not counted in hundredths are
rescaled (issue 30)

Until now every ``*_cents`` column held hundredths of the location's currency, whatever the currency. From now on it
holds the currency's minor units as ISO 4217 counts them (Babel's CLDR data): KES, USD, EUR hundredths (nothing
changes); RWF, UGX, JPY whole units (÷ 100, rounded half up, away from zero); BHD, KWD, OMR thousandths (× 10). Every
amount column of every row belonging to such a location is listed below: directly by ``location_id``, or through its
parent (a receipt's lines and payments, a gift card's movements, a code's redemptions), and the amounts kept inside
JSON (a campaign's spend targets, a closed day's figures). Tax amounts (``receipt_line_tax.amount``, ``NUMERIC``) are
in major units already and stay. Downgrade reverses it (× 100 or ÷ 10: whole units cannot get back lost hundredths,
but amounts made in those currencies never had any).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from babel.numbers import get_currency_precision

revision: str = '0045'
down_revision: str | None = '0044'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIRECT = {
    'booking': ('price_cents',),
    'campaign': ('cost_per_message_cents', 'budget_cents'),
    'day_close': ('expected_cash_cents', 'counted_cash_cents'),
    'discount_code': ('amount_off_cents',),
    'gift_card': ('initial_cents', 'balance_cents'),
    'loyalty_reward': ('discount_cents',),
    'mobile_payment': ('amount_cents',),
    'online_deposit': ('amount_cents',),
    'product': ('price_cents', 'cost_cents'),
    'receipt': ('total_cents', 'tip_cents', 'deposit_applied_cents', 'gift_cards_cents', 'paid_cents'),
    'service': ('price_cents', 'cost_cents', 'deposit_cents'),
}
"""Tables with a ``location_id`` and their amount columns (minor units)."""

THROUGH = {
    'receipt_line': ('receipt_id', 'receipt', ('amount_cents', 'unit_price_cents', 'discount_cents', 'total_cents')),
    'payment': ('receipt_id', 'receipt', ('amount_cents', 'tendered_cents')),
    'gift_card_movement': ('gift_card_id', 'gift_card', ('amount_cents',)),
    'code_redemption': ('code_id', 'discount_code', ('discount_cents',)),
}
"""Tables reached through a parent with a ``location_id``: (the key to the parent, the parent, amount columns)."""

CAMPAIGN_TARGET = ('min_spend_cents', 'max_spend_cents')
"""Amounts inside ``campaign.target`` (JSON)."""
DAY_FIGURES = ('net_cents', 'tax_cents', 'refunds_cents', 'expected_cash_cents', 'balance_cents',
               'counted_cash_cents')
"""Amounts inside ``day_close.figures`` (JSON), beside ``tips`` and ``payments`` (name → amount) and the
``amount_cents`` of each of ``earlier_receipts`` and ``confirmed_after_close``."""


def upgrade() -> None:
    _rescale(up=True)


def downgrade() -> None:
    _rescale(up=False)


def _rescale(*, up: bool) -> None:
    """Every amount of every location whose currency has other than two digits, in its minor units (``up``) or back
    in hundredths."""
    bind = op.get_bind()
    by_shift: dict[int, list[int]] = {}
    for location_id, currency in bind.execute(sa.text('SELECT id, currency FROM location')).all():
        shift = get_currency_precision((currency or '').upper()) - 2
        if shift:
            by_shift.setdefault(shift if up else -shift, []).append(int(location_id))
    for shift, ids in by_shift.items():
        places = ', '.join(str(i) for i in ids)  # integers read from the table: nothing typed by anyone
        for table, columns in DIRECT.items():
            _update(bind, table, columns, shift, f'location_id IN ({places})')
        for table, (key, parent, columns) in THROUGH.items():
            _update(bind, table, columns, shift, f'{key} IN (SELECT id FROM {parent} WHERE location_id IN ({places}))')
        _json(bind, 'campaign', 'target', ids, shift, _target)
        _json(bind, 'day_close', 'figures', ids, shift, _figures)


def _scaled_sql(column: str, shift: int) -> str:
    """SQL for ``column`` × 10**``shift``: exact when ``shift`` > 0; rounded half up (away from zero) when < 0, with
    integer division, which SQLite and PostgreSQL both truncate towards zero."""
    if shift > 0:
        return f'{column} * {10 ** shift}'
    divisor = 10 ** -shift
    half = divisor // 2
    return (f'CASE WHEN {column} >= 0 THEN ({column} + {half}) / {divisor} '
            f'ELSE -((-{column} + {half}) / {divisor}) END')


def _update(bind, table: str, columns: tuple[str, ...], shift: int, where: str) -> None:
    assignments = ', '.join(f'{column} = {_scaled_sql(column, shift)}' for column in columns)
    bind.execute(sa.text(f'UPDATE {table} SET {assignments} WHERE {where}'))


def _scaled(value, shift: int):
    """An amount (int; None stays None) × 10**``shift``, rounded half up away from zero."""
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    if shift > 0:
        return value * 10 ** shift
    divisor = 10 ** -shift
    whole = (abs(value) + divisor // 2) // divisor
    return whole if value >= 0 else -whole


def _target(target: dict, shift: int) -> dict:
    return {key: _scaled(value, shift) if key in CAMPAIGN_TARGET else value for key, value in target.items()}


def _figures(figures: dict, shift: int) -> dict:
    out = dict(figures)
    for key in DAY_FIGURES:
        if key in out:
            out[key] = _scaled(out[key], shift)
    for key in ('tips', 'payments'):
        if isinstance(out.get(key), dict):
            out[key] = {name: _scaled(value, shift) for name, value in out[key].items()}
    for key in ('earlier_receipts', 'confirmed_after_close'):
        if isinstance(out.get(key), list):
            out[key] = [{**late, 'amount_cents': _scaled(late.get('amount_cents'), shift)}
                        if isinstance(late, dict) else late for late in out[key]]
    return out


def _json(bind, table: str, column: str, location_ids: list[int], shift: int, rescale) -> None:
    """Rescale the amounts inside each JSON ``column`` of ``table``'s rows at ``location_ids``."""
    rows = sa.table(table, sa.column('id', sa.Integer()), sa.column('location_id', sa.Integer()),
                    sa.column(column, sa.JSON()))
    for row_id, value in bind.execute(sa.select(rows.c.id, rows.c[column]).where(
            rows.c.location_id.in_(location_ids))).all():
        if isinstance(value, dict):
            bind.execute(sa.update(rows).where(rows.c.id == row_id).values({column: rescale(value, shift)}))
