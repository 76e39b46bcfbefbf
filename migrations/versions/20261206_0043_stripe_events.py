"""stripe events: the webhook events already taken in (their ids), so a redelivery is not acted on twice

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0043'
down_revision: str | None = '0042'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'stripe_event',
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('received_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_stripe_event')),
    )


def downgrade() -> None:
    op.drop_table('stripe_event')
