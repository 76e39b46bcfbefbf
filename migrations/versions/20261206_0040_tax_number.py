"""tax number: each location's tax registration number (KRA PIN, Rwanda TIN, VAT no.), printed on its receipts

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0040'
down_revision: str | None = '0039'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('location') as batch:
        batch.add_column(sa.Column('tax_number', sa.String(length=40), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('location') as batch:
        batch.drop_column('tax_number')
