"""loyalty: points per unit of currency and what earns them, rewards, each customer's points ledger

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loyalty_points_per_unit', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('loyalty_on', text(length=10), server_default='both', nullable=False))
    op.create_table(
        'loyalty_reward',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('name', text(length=80), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('discount_cents', sa.Integer(), nullable=True),
        sa.Column('service_id', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_loyalty_reward_location_id_location')),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_loyalty_reward_service_id_service')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_reward')),
    )
    op.create_index(op.f('ix_loyalty_reward_location_id'), 'loyalty_reward', ['location_id'], unique=False)
    op.create_table(
        'loyalty_movement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('kind', text(length=10), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=True),
        sa.Column('reason', text(length=200), nullable=False),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'],
                                name=op.f('fk_loyalty_movement_customer_id_customer')),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_loyalty_movement_receipt_id_receipt')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_loyalty_movement_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_movement')),
    )
    op.create_index(op.f('ix_loyalty_movement_customer_id'), 'loyalty_movement', ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_loyalty_movement_customer_id'), table_name='loyalty_movement')
    op.drop_table('loyalty_movement')
    op.drop_index(op.f('ix_loyalty_reward_location_id'), table_name='loyalty_reward')
    op.drop_table('loyalty_reward')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('loyalty_on')
        batch_op.drop_column('loyalty_points_per_unit')
