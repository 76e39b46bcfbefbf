"""sign-in links: one-time invitations and password resets (only their secrets' hashes), and each account's session
version (raised to end its open sign-ins at once)

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0041'
down_revision: str | None = '0040'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'sign_in_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('staff_member_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('sent_by', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('invite', 'reset')", name=op.f('ck_sign_in_link_kind')),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_sign_in_link_location_id_location')),
        sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'],
                                name=op.f('fk_sign_in_link_staff_member_id_staff_member')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_sign_in_link_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_link')),
    )
    op.create_index('ix_sign_in_link_user_id', 'sign_in_link', ['user_id'])
    op.create_index('ix_sign_in_link_staff_member_id', 'sign_in_link', ['staff_member_id'])


def downgrade() -> None:
    op.drop_index('ix_sign_in_link_staff_member_id', table_name='sign_in_link')
    op.drop_index('ix_sign_in_link_user_id', table_name='sign_in_link')
    op.drop_table('sign_in_link')
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('session_version')
