"""deposits: a location's deposit percentage, a service's own deposit, deposits applied to sales or kept as fees

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deposit_percent', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deposit_cents', sa.Integer(), nullable=True))
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applied_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deposit_applied_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_receipt_applied_to_id_receipt'), 'receipt', ['applied_to_id'],
                                    ['id'])


def downgrade() -> None:
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_receipt_applied_to_id_receipt'), type_='foreignkey')
        batch_op.drop_column('deposit_applied_cents')
        batch_op.drop_column('applied_to_id')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('deposit_cents')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('deposit_percent')
