"""customer details: phone in E.164, birthday, alerts, tags, marketing consent, merged into, erased at

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the defaults stay: bulk imports write customers with plain INSERTs that do not name these
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_e164', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('birthday', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('alerts', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('tags', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('consent', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('merged_into', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_customer_phone_e164'), ['phone_e164'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_customer_merged_into_customer'), 'customer', ['merged_into'],
                                    ['id'])


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customer_merged_into_customer'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_customer_phone_e164'))
        for name in ('erased_at', 'merged_into', 'consent', 'tags', 'alerts', 'birthday', 'phone_e164'):
            batch_op.drop_column(name)
