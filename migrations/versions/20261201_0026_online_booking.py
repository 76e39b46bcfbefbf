"""online booking: one-time codes sent before a booking is made online; a location switches online booking on

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'verification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('destination', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_verification_location_id_location')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_verification')),
        sa.UniqueConstraint('token', name=op.f('uq_verification_token')),
    )
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index('ix_verification_destination_created_at', ['destination', 'created_at'], unique=False)
        batch_op.create_index('ix_verification_ip_created_at', ['ip', 'created_at'], unique=False)

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_booking', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('online_booking')

    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index('ix_verification_ip_created_at')
        batch_op.drop_index('ix_verification_destination_created_at')

    op.drop_table('verification')
