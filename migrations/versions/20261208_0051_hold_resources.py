"""hold resources: a hold keeps the resources of the booking it becomes (a room held for a customer paying online is
not given to the desk meanwhile); the rows go with their hold

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-08 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0051'
down_revision: str | None = '0050'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'hold_resource',
        sa.Column('hold_id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.CheckConstraint('units BETWEEN 1 AND 50', name=op.f('ck_hold_resource_units')),
        sa.ForeignKeyConstraint(['hold_id'], ['slot_hold.id'], name=op.f('fk_hold_resource_hold_id_slot_hold'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_hold_resource_resource_id_resource')),
        sa.PrimaryKeyConstraint('hold_id', 'resource_id', name=op.f('pk_hold_resource')),
    )
    with op.batch_alter_table('hold_resource') as batch:
        batch.create_index(batch.f('ix_hold_resource_resource_id'), ['resource_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('hold_resource') as batch:
        batch.drop_index(batch.f('ix_hold_resource_resource_id'))
    op.drop_table('hold_resource')
