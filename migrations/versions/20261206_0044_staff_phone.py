"""staff phone: a staff member's mobile number on record (E.164), where sign-in links by SMS go

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0044'
down_revision: str | None = '0043'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_member') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_member') as batch:
        batch.drop_column('phone')
