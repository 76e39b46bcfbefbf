"""day close: a location's day closed at the till with its figures and the cash counted

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'day_close',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('closed_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('expected_cash_cents', sa.Integer(), nullable=False),
        sa.Column('counted_cash_cents', sa.Integer(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_day_close_location_id_location')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_day_close_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_day_close')),
        sa.UniqueConstraint('location_id', 'day', name=op.f('uq_day_close_location_id_day')),
    )


def downgrade() -> None:
    op.drop_table('day_close')
