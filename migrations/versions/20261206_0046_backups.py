"""backups: the install's backup schedule and its last run (one row)

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0046'
down_revision: str | None = '0045'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'backup_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('time_of_day', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column('folder', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('keep', sa.Integer(), nullable=False),
        sa.Column('passphrase_sealed', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column('enabled_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_started_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_finished_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_ok', sa.Boolean(), nullable=True),
        sa.Column('last_file', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('last_size_bytes', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('last_message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('last_success_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('alerted_at', UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_backup_settings')),
    )


def downgrade() -> None:
    op.drop_table('backup_settings')
