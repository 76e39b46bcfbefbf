"""preparation time: a service may keep its staff member for some minutes before each booking (setting up a room,
mixing a colour), as the buffer keeps them after; a booking stores from when it keeps them, and a hold (the booking
it becomes) keeps both its preparation and its buffer

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-08 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0049'
down_revision: str | None = '0048'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service') as batch:
        batch.add_column(sa.Column('prep_minutes', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('booking') as batch:
        batch.add_column(sa.Column('blocked_from', UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('slot_hold') as batch:
        batch.add_column(sa.Column('blocked_from', UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('blocked_until', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('slot_hold') as batch:
        batch.drop_column('blocked_until')
        batch.drop_column('blocked_from')
    with op.batch_alter_table('booking') as batch:
        batch.drop_column('blocked_from')
    with op.batch_alter_table('service') as batch:
        batch.drop_column('prep_minutes')
