"""campaigns: a time the scheduler sends a campaign, and why its scheduled send was refused

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02 18:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('send_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_campaign_send_at'), ['send_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_send_at'))
        batch_op.drop_column('send_error')
        batch_op.drop_column('send_at')
