"""money: the largest discount staff may give without a manager (per location); amounts in 64-bit columns

Every amount in minor units (and loyalty points, which a large sale earns by the thousand a unit) becomes a 64-bit
integer on PostgreSQL (``INTEGER`` held only up to 21,474,836.47, so a large tip or price failed with a raw database
error); SQLite's ``INTEGER`` holds 64 bits already, so nothing changes there. Each table is rewritten once (one
``ALTER TABLE`` with all its columns).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0036'
down_revision: str | None = '0035'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNTS = {
    'booking': ['price_cents'],
    'campaign': ['cost_per_message_cents', 'budget_cents'],
    'code_redemption': ['discount_cents'],
    'day_close': ['expected_cash_cents', 'counted_cash_cents'],
    'discount_code': ['amount_off_cents'],
    'gift_card': ['initial_cents', 'balance_cents'],
    'gift_card_movement': ['amount_cents'],
    'loyalty_movement': ['points'],  # a sale at the largest amount earns up to 10**12 points
    'loyalty_reward': ['discount_cents'],
    'mobile_payment': ['amount_cents'],
    'payment': ['amount_cents', 'tendered_cents'],
    'product': ['price_cents', 'cost_cents'],
    'receipt': ['total_cents', 'tip_cents', 'deposit_applied_cents', 'gift_cards_cents', 'paid_cents'],
    'receipt_line': ['amount_cents', 'unit_price_cents', 'discount_cents', 'total_cents'],
    'service': ['price_cents', 'cost_cents', 'deposit_cents'],
}


def upgrade() -> None:
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_discount_limit_percent', sa.Integer(), server_default='0',
                                      nullable=False))
    _retype('BIGINT')


def downgrade() -> None:
    _retype('INTEGER')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('staff_discount_limit_percent')


def _retype(kind: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, columns in AMOUNTS.items():
        op.execute(f'ALTER TABLE {table} ' + ', '.join(f'ALTER COLUMN {c} TYPE {kind}' for c in columns))
