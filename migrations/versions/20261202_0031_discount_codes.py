"""discount codes: a percent or an amount off, a limit of uses, an expiry, the campaign that offers it; each use on
a receipt, once per customer

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 14:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('discount_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('percent_off', sa.Integer(), nullable=True),
    sa.Column('amount_off_cents', sa.Integer(), nullable=True),
    sa.Column('max_redemptions', sa.Integer(), nullable=True),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('redeemed', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(percent_off IS NULL) <> (amount_off_cents IS NULL)', name=op.f('ck_discount_code_one_kind')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_discount_code_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_discount_code_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_code')),
    sa.UniqueConstraint('location_id', 'code', name=op.f('uq_discount_code_location_id_code'))
    )
    with op.batch_alter_table('discount_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discount_code_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discount_code_location_id'), ['location_id'], unique=False)

    op.create_table('code_redemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('discount_cents', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['discount_code.id'], name=op.f('fk_code_redemption_code_id_discount_code')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_code_redemption_customer_id_customer')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_code_redemption_receipt_id_receipt')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_redemption')),
    sa.UniqueConstraint('code_id', 'customer_id', name=op.f('uq_code_redemption_code_id_customer_id')),
    sa.UniqueConstraint('receipt_id', name=op.f('uq_code_redemption_receipt_id'))
    )
    with op.batch_alter_table('code_redemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_redemption_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_code_redemption_customer_id'), ['customer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('code_redemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_redemption_customer_id'))
        batch_op.drop_index(batch_op.f('ix_code_redemption_code_id'))

    op.drop_table('code_redemption')
    with op.batch_alter_table('discount_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discount_code_location_id'))
        batch_op.drop_index(batch_op.f('ix_discount_code_campaign_id'))

    op.drop_table('discount_code')
