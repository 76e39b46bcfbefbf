"""online deposits: a booking waiting for the deposit its customer pays on the online booking page (M-Pesa or card)

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0042'
down_revision: str | None = '0041'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        'online_deposit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', text(length=64), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('staff_member_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('holder', text(length=64), nullable=False),
        sa.Column('verification_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('name', text(length=120), nullable=False),
        sa.Column('phone', text(length=40), nullable=False),
        sa.Column('email', text(length=200), nullable=False),
        sa.Column('notes', text(length=500), nullable=False),
        sa.Column('amount_cents', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('currency', text(length=3), nullable=False),
        sa.Column('method', text(length=10), nullable=False),
        sa.Column('reference', text(length=255), nullable=True),
        sa.Column('payer', text(length=20), nullable=False),
        sa.Column('callback_token_hash', text(length=64), nullable=False),
        sa.Column('status', text(length=10), nullable=False),
        sa.Column('reason', text(length=200), nullable=False),
        sa.Column('provider_receipt', text(length=255), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.Column('receipt_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('asked_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('settled_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_online_deposit_location_id_location')),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_online_deposit_service_id_service')),
        sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'],
                                name=op.f('fk_online_deposit_staff_member_id_staff_member')),
        sa.ForeignKeyConstraint(['verification_id'], ['verification.id'],
                                name=op.f('fk_online_deposit_verification_id_verification')),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_online_deposit_customer_id_customer')),
        sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_online_deposit_booking_id_booking')),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_online_deposit_receipt_id_receipt')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_online_deposit')),
        sa.UniqueConstraint('token', name=op.f('uq_online_deposit_token')),
        sa.UniqueConstraint('reference', name=op.f('uq_online_deposit_reference')),
    )
    op.create_index('ix_online_deposit_location_id', 'online_deposit', ['location_id'])
    op.create_index('ix_online_deposit_holder', 'online_deposit', ['holder'])


def downgrade() -> None:
    op.drop_index('ix_online_deposit_holder', table_name='online_deposit')
    op.drop_index('ix_online_deposit_location_id', table_name='online_deposit')
    op.drop_table('online_deposit')
