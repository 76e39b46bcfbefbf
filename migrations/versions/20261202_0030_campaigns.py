"""campaigns: a target segment, a message, a holdout share and its seed, a cost and a budget; each sent campaign's
recipients, messaged or held out

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 14:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('target', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('holdout_permille', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('cost_per_message_cents', sa.Integer(), nullable=False),
    sa.Column('budget_cents', sa.Integer(), nullable=True),
    sa.Column('attribution_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_campaign_channel')),
    sa.CheckConstraint("status IN ('draft', 'sent')", name=op.f('ck_campaign_status')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_campaign_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_location_id'), ['location_id'], unique=False)

    op.create_table('campaign_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('holdout', sa.Boolean(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('NOT (holdout AND message_id IS NOT NULL)', name=op.f('ck_campaign_recipient_holdout_unmessaged')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_recipient_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_campaign_recipient_customer_id_customer')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_campaign_recipient_message_id_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_recipient')),
    sa.UniqueConstraint('campaign_id', 'customer_id', name=op.f('uq_campaign_recipient_campaign_id_customer_id'))
    )
    with op.batch_alter_table('campaign_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_recipient_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_recipient_customer_id'), ['customer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('campaign_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_recipient_customer_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_recipient_campaign_id'))

    op.drop_table('campaign_recipient')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_location_id'))

    op.drop_table('campaign')
