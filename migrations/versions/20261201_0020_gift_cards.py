"""gift cards: cards with their balance and movements; a receipt's gift cards sold; a payment's card

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'gift_card',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('initial_cents', sa.Integer(), nullable=False),
        sa.Column('balance_cents', sa.Integer(), nullable=False),
        sa.Column('sold_receipt_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_gift_card_location_id_location')),
        sa.ForeignKeyConstraint(['sold_receipt_id'], ['receipt.id'], name=op.f('fk_gift_card_sold_receipt_id_receipt')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_card')),
        sa.UniqueConstraint('code', name=op.f('uq_gift_card_code')),
    )
    op.create_index(op.f('ix_gift_card_location_id'), 'gift_card', ['location_id'], unique=False)
    op.create_table(
        'gift_card_movement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('gift_card_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=True),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['gift_card_id'], ['gift_card.id'],
                                name=op.f('fk_gift_card_movement_gift_card_id_gift_card')),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_gift_card_movement_receipt_id_receipt')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_gift_card_movement_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_card_movement')),
    )
    op.create_index(op.f('ix_gift_card_movement_gift_card_id'), 'gift_card_movement', ['gift_card_id'], unique=False)
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gift_cards_cents', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gift_card_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payment_gift_card_id_gift_card'), 'gift_card', ['gift_card_id'],
                                    ['id'])


def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_gift_card_id_gift_card'), type_='foreignkey')
        batch_op.drop_column('gift_card_id')
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_column('gift_cards_cents')
    op.drop_index(op.f('ix_gift_card_movement_gift_card_id'), table_name='gift_card_movement')
    op.drop_table('gift_card_movement')
    op.drop_index(op.f('ix_gift_card_location_id'), table_name='gift_card')
    op.drop_table('gift_card')
