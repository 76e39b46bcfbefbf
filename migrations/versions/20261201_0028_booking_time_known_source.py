"""bookings keep whether their time of day is known and the export's own channel or segment text

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_known', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('source', sa.String(length=80), server_default='', nullable=False))
    # the salon import marked bookings whose export gave only a date in their notes
    op.execute("UPDATE booking SET time_known = false WHERE channel = 'import' AND ends_at = starts_at "
               "AND notes LIKE 'Time of day not recorded%'")


def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('source')
        batch_op.drop_column('time_known')
