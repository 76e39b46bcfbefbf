"""kiosk identity: random booking codes, kiosk conversations without a customer; missing times as NULL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 21:30:00
"""

import base64
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'  # as app.models.booking.CODE_ALPHABET (migrations do not import app code)
BATCH = 10_000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        # imports before this revision stored a missing booked-at time as the text 'Na ' (not NULL),
        # which every later read of that row failed on
        op.execute("UPDATE booking SET booked_at = NULL WHERE booked_at IN ('Na ', 'NaT')")
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
    ids = [row[0] for row in bind.execute(sa.text('SELECT id FROM booking ORDER BY id'))]
    codes: set[str] = set()
    spelled = str.maketrans('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', ALPHABET)
    while len(codes) < len(ids):
        codes.add(base64.b32encode(secrets.token_bytes(7))[:10].decode().translate(spelled))
    pairs = [{'id': booking_id, 'code': code} for booking_id, code in zip(ids, codes, strict=True)]
    for first in range(0, len(pairs), BATCH):
        bind.execute(sa.text('UPDATE booking SET code = :code WHERE id = :id'), pairs[first:first + BATCH])
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_booking_code'), ['code'])

    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visitor_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('visitor_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default=''))
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.alter_column('visitor_name', server_default=None)
        batch_op.alter_column('visitor_phone', server_default=None)


def downgrade() -> None:
    op.execute('DELETE FROM chat_message WHERE conversation_id IN '
               '(SELECT id FROM conversation WHERE customer_id IS NULL)')
    op.execute('DELETE FROM chat_attachment WHERE conversation_id IN '
               '(SELECT id FROM conversation WHERE customer_id IS NULL)')
    op.execute('DELETE FROM conversation WHERE customer_id IS NULL')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('visitor_phone')
        batch_op.drop_column('visitor_name')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_booking_code'), type_='unique')
        batch_op.drop_column('code')
