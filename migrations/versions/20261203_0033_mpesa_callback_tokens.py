"""M-Pesa prompts: the hash of each prompt's callback token, and the payment made when it was paid

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # prompts sent before keep an empty hash: no callback token matches it, so only a status query settles them
    with op.batch_alter_table('mobile_payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mobile_payment_payment_id_payment'), 'payment', ['payment_id'],
                                    ['id'])


def downgrade() -> None:
    with op.batch_alter_table('mobile_payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mobile_payment_payment_id_payment'), type_='foreignkey')
        batch_op.drop_column('payment_id')
        batch_op.drop_column('callback_token_hash')
