"""sms providers: each location chooses who sends its SMS (Twilio or Africa's Talking, with a sender ID); a message
records which provider took it and what its delivery reports said

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0038'
down_revision: str | None = '0037'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_provider', sa.String(length=20), server_default='twilio', nullable=False))
        batch_op.add_column(sa.Column('sms_sender_id', sa.String(length=11), server_default='', nullable=False))
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('delivery', sa.String(length=10), server_default='', nullable=False))
        batch_op.add_column(sa.Column('delivered_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_message_provider_provider_id', ['provider', 'provider_id'], unique=False)
    # every SMS sent before this went through Twilio, the only provider there was
    op.execute("UPDATE message SET provider = 'twilio' WHERE channel = 'sms' AND provider_id <> ''")


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_provider_provider_id')
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('delivery')
        batch_op.drop_column('provider')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('sms_sender_id')
        batch_op.drop_column('sms_provider')
