"""recurring bookings: a series (every N weeks, a count or an end date) and the series each occurrence belongs to

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'booking_series',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('every_weeks', sa.Integer(), nullable=False),
        sa.Column('until', sa.Date(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_booking_series_location_id_location')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_series')),
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_booking_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_booking_series_id_booking_series'), 'booking_series', ['series_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_booking_series_id_booking_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_booking_series_id'))
        batch_op.drop_column('series_id')

    op.drop_table('booking_series')
