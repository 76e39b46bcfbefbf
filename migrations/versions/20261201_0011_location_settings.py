"""location settings: address, phone, country, locale, tax inclusion, opening hours, closures, booking policy

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    ('address', sqlmodel.sql.sqltypes.AutoString(length=300), "''"),
    ('phone', sqlmodel.sql.sqltypes.AutoString(length=40), "''"),
    ('country', sqlmodel.sql.sqltypes.AutoString(length=2), "''"),
    ('locale', sqlmodel.sql.sqltypes.AutoString(length=20), "'en_CA'"),
    ('prices_include_tax', sa.Boolean(), 'false'),
    ('opening_hours', sa.JSON(), "'[]'"),
    ('closures', sa.JSON(), "'[]'"),
    ('slot_minutes', sa.Integer(), '15'),
    ('min_notice_minutes', sa.Integer(), '0'),
    ('horizon_days', sa.Integer(), '90'),
    ('buffer_minutes', sa.Integer(), '0'),
    ('cancellation_hours', sa.Integer(), '24'),
    ('archived', sa.Boolean(), 'false'),
]


def upgrade() -> None:
    with op.batch_alter_table('location', schema=None) as batch_op:
        for name, kind, default in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=sa.text(default)))
    with op.batch_alter_table('location', schema=None) as batch_op:
        for name, _, _ in COLUMNS:
            batch_op.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('location', schema=None) as batch_op:
        for name, _, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
