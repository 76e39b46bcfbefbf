"""checkout: receipts with totals, tips, refunds; lines with unit price, discount, total; payments; receipt counters

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), server_default='sale',
                                      nullable=False))
        batch_op.add_column(sa.Column('refund_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('total_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tip_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tip_staff_member_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paid_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_receipt_refund_of_id_receipt'), 'receipt', ['refund_of_id'],
                                    ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_receipt_tip_staff_member_id_staff_member'), 'staff_member',
                                    ['tip_staff_member_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_receipt_user_id_app_user'), 'app_user', ['user_id'], ['id'])
    with op.batch_alter_table('receipt_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_price_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('discount_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('total_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('price_reason', sqlmodel.sql.sqltypes.AutoString(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('refund_of_line_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_receipt_line_refund_of_line_id_receipt_line'), 'receipt_line',
                                    ['refund_of_line_id'], ['id'])
    op.create_table(
        'payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('tendered_cents', sa.Integer(), nullable=True),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("method IN ('cash', 'card', 'mobile_money', 'gift_card')", name=op.f('ck_payment_method')),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_payment_receipt_id_receipt')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_payment_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    )
    op.create_index(op.f('ix_payment_receipt_id'), 'payment', ['receipt_id'], unique=False)
    op.create_table(
        'receipt_counter',
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_receipt_counter_location_id_location')),
        sa.PrimaryKeyConstraint('location_id', name=op.f('pk_receipt_counter')),
    )


def downgrade() -> None:
    op.drop_table('receipt_counter')
    op.drop_index(op.f('ix_payment_receipt_id'), table_name='payment')
    op.drop_table('payment')
    with op.batch_alter_table('receipt_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_receipt_line_refund_of_line_id_receipt_line'), type_='foreignkey')
        for column in ('refund_of_line_id', 'price_reason', 'total_cents', 'discount_cents', 'unit_price_cents'):
            batch_op.drop_column(column)
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        for name in ('fk_receipt_user_id_app_user', 'fk_receipt_tip_staff_member_id_staff_member',
                     'fk_receipt_refund_of_id_receipt'):
            batch_op.drop_constraint(batch_op.f(name), type_='foreignkey')
        for column in ('user_id', 'reason', 'paid_cents', 'tip_staff_member_id', 'tip_cents', 'total_cents',
                       'refund_of_id', 'kind'):
            batch_op.drop_column(column)
