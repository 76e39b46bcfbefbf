"""catalogue details: whether the kiosk offers a service, a product's barcode, staff members' commission rates

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kiosk', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('barcode', sqlmodel.sql.sqltypes.AutoString(length=40), server_default='',
                                      nullable=False))
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_commission_bp', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('product_commission_bp', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_column('product_commission_bp')
        batch_op.drop_column('service_commission_bp')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('barcode')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('kiosk')
