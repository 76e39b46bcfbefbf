"""messaging: the outbox of e-mails and SMS to customers, per-location templates, reminder times, quiet hours,
channels; staff calendar feed tokens

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'message_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['location_id'], ['location.id'], name=op.f('fk_message_template_location_id_location')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_template')),
        sa.UniqueConstraint(
            'location_id', 'template', 'channel', name=op.f('uq_message_template_location_id_template_channel')
        ),
    )
    op.create_table(
        'message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('marketing', sa.Boolean(), nullable=False),
        sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('context', sa.JSON(), nullable=False),
        sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('claimed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('provider_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_message_channel')),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')", name=op.f('ck_message_status')
        ),
        sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_message_booking_id_booking')),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_message_customer_id_customer')),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_message_location_id_location')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_message_dedupe_key')),
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_location_id'), ['location_id'], unique=False)
        batch_op.create_index('ix_message_status_due_at', ['status', 'due_at'], unique=False)

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_hours', sa.JSON(), server_default='[24, 2]', nullable=False))
        batch_op.add_column(sa.Column('quiet_start_minute', sa.Integer(), server_default='1260', nullable=False))
        batch_op.add_column(sa.Column('quiet_end_minute', sa.Integer(), server_default='480', nullable=False))
        batch_op.add_column(sa.Column('email_messages', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('sms_messages', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_member_calendar_token'), ['calendar_token'])


def downgrade() -> None:
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_member_calendar_token'), type_='unique')
        batch_op.drop_column('calendar_token')

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('sms_messages')
        batch_op.drop_column('email_messages')
        batch_op.drop_column('quiet_end_minute')
        batch_op.drop_column('quiet_start_minute')
        batch_op.drop_column('reminder_hours')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_status_due_at')
        batch_op.drop_index(batch_op.f('ix_message_location_id'))
        batch_op.drop_index(batch_op.f('ix_message_customer_id'))
        batch_op.drop_index(batch_op.f('ix_message_booking_id'))

    op.drop_table('message')
    op.drop_table('message_template')
