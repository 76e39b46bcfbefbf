"""sign-in throttle per typed address (known or not), instead of per account

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 22:30:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    throttle = op.create_table(
        'sign_in_throttle',
        sa.Column('email_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_failure_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_sign_in_throttle')),
    )
    rows = op.get_bind().execute(sa.text(
        'SELECT email, failed_logins, locked_until FROM app_user WHERE failed_logins > 0 OR locked_until IS NOT NULL'))
    from datetime import UTC, datetime
    now = datetime.now(UTC)
    copied = [{'email_hash': hashlib.sha256(email.strip().lower().encode()).hexdigest(), 'failures': failures,
               'locked_until': _aware(locked), 'last_failure_at': now} for email, failures, locked in rows]
    if copied:
        op.bulk_insert(throttle, copied)
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', UTCDateTime(timezone=True), nullable=True))
    op.drop_table('sign_in_throttle')


def _aware(value):
    """A time as read back without the app's column type (SQLite returns text)."""
    from datetime import UTC, datetime
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
