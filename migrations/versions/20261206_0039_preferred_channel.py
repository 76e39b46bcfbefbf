"""preferred channel: the channel a customer wants booking messages by ('sms', 'email' or '' for no preference)

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0039'
down_revision: str | None = '0038'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customer') as batch:  # a server default: bulk imports insert customers without it
        batch.add_column(sa.Column('preferred_channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('customer') as batch:
        batch.drop_column('preferred_channel')
