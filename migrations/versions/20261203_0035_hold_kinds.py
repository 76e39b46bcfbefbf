"""slot holds: the kind of hold (kiosk, online, waitlist offer) and, for online ones, the visitor's network address and
browser session, which the limits on online holds count by

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0035'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('slot_hold', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='kiosk'))
        batch_op.add_column(sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('visitor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
    op.execute("UPDATE slot_hold SET kind = 'offer' WHERE holder LIKE 'waitlist-%'")


def downgrade() -> None:
    with op.batch_alter_table('slot_hold', schema=None) as batch_op:
        batch_op.drop_column('visitor')
        batch_op.drop_column('ip')
        batch_op.drop_column('kind')
