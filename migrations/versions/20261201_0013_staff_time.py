"""staff: calendar colour, time off, extra shifts, the services each performs

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        # the default stays: bulk imports write staff members with plain INSERTs that do not name it
        batch_op.add_column(sa.Column('colour', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False,
                                      server_default=''))
    op.create_table(
        'time_off',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_member_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('ends_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('all_day', sa.Boolean(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_time_off_order')),
        sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'],
                                name=op.f('fk_time_off_staff_member_id_staff_member'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off')),
    )
    op.create_index('ix_time_off_staff_member_id_starts_at', 'time_off', ['staff_member_id', 'starts_at'])
    op.create_table(
        'extra_shift',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_member_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('start_minute', sa.Integer(), nullable=False),
        sa.Column('end_minute', sa.Integer(), nullable=False),
        sa.CheckConstraint('start_minute < end_minute', name=op.f('ck_extra_shift_order')),
        sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'],
                                name=op.f('fk_extra_shift_staff_member_id_staff_member'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_extra_shift')),
    )
    op.create_index('ix_extra_shift_staff_member_id_day', 'extra_shift', ['staff_member_id', 'day'])
    op.create_table(
        'staff_service',
        sa.Column('staff_member_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_staff_service_service_id_service'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'],
                                name=op.f('fk_staff_service_staff_member_id_staff_member'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_member_id', 'service_id', name=op.f('pk_staff_service')),
    )


def downgrade() -> None:
    op.drop_table('staff_service')
    op.drop_index('ix_extra_shift_staff_member_id_day', table_name='extra_shift')
    op.drop_table('extra_shift')
    op.drop_index('ix_time_off_staff_member_id_starts_at', table_name='time_off')
    op.drop_table('time_off')
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_column('colour')
