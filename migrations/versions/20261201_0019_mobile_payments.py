"""mobile payments: M-Pesa STK push prompts and their outcome

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        'mobile_payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('checkout_request_id', text(length=64), nullable=False),
        sa.Column('merchant_request_id', text(length=64), nullable=False),
        sa.Column('phone', text(length=20), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('status', text(length=10), nullable=False),
        sa.Column('result_code', text(length=10), nullable=False),
        sa.Column('result_desc', text(length=200), nullable=False),
        sa.Column('provider_receipt', text(length=40), nullable=False),
        sa.Column('requested_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('settled_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_mobile_payment_location_id_location')),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_mobile_payment_receipt_id_receipt')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_mobile_payment_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mobile_payment')),
        sa.UniqueConstraint('checkout_request_id', name=op.f('uq_mobile_payment_checkout_request_id')),
    )
    op.create_index(op.f('ix_mobile_payment_receipt_id'), 'mobile_payment', ['receipt_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_mobile_payment_receipt_id'), table_name='mobile_payment')
    op.drop_table('mobile_payment')
