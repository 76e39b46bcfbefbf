"""stock ledger: every change of a product's stock as a movement (existing stock as its opening)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 02:20:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    movement = op.create_table(
        'stock_movement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stock_movement_product_id_product')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_stock_movement_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movement')),
    )
    op.create_index('ix_stock_movement_product_id_at', 'stock_movement', ['product_id', 'at'])
    now = datetime.now(UTC)
    stock = op.get_bind().execute(sa.text('SELECT id, stock_on_hand FROM product WHERE stock_on_hand <> 0')).all()
    if stock:
        op.bulk_insert(movement, [{'product_id': product_id, 'kind': 'opening', 'quantity': on_hand, 'reason': '',
                                   'at': now, 'user_id': None} for product_id, on_hand in stock])


def downgrade() -> None:
    op.drop_index('ix_stock_movement_product_id_at', table_name='stock_movement')
    op.drop_table('stock_movement')
