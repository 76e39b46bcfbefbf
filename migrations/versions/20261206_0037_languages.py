"""languages: each location's language (its customers' pages, kiosk and messages) and each user's own choice

A location whose formats were French or Kiswahili (``fr_*``, ``sw_*``) gets that language; every other location
English, as before. Users start with none (their location's).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0037'
down_revision: str | None = '0036'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('location') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    for code in ('fr', 'sw'):
        op.execute(sa.text(f"UPDATE location SET language = '{code}' WHERE locale LIKE '{code}%'"))


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('location') as batch:
        batch.drop_column('language')
