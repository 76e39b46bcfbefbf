"""customer words: what a customer is found by as the desk types (name, code, e-mail folded; phone digits), one row
each, so the search reads a B-tree, not every customer

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.customer import WORD_LENGTH, word_rows

revision: str = '0047'
down_revision: str | None = '0046'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    words = op.create_table(
        'customer_word',
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('word', sa.String(WORD_LENGTH).with_variant(sa.String(WORD_LENGTH, collation='C'), 'postgresql'),
                  nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_word_customer_id_customer')),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_customer_word_location_id_location')),
        sa.PrimaryKeyConstraint('location_id', 'word', 'customer_id', name=op.f('pk_customer_word')),
    )
    with op.batch_alter_table('customer_word', schema=None) as batch_op:
        batch_op.create_index('ix_customer_word_customer_id_word', ['customer_id', 'word'], unique=False)
    connection = op.get_bind()
    customer = sa.table('customer', *(sa.column(name) for name in (
        'id', 'location_id', 'name', 'code', 'email', 'phone_e164', 'merged_into')))
    after = 0
    while rows := connection.execute(sa.select(customer).where(customer.c.id > after).order_by(customer.c.id)
                                     .limit(BATCH)).all():
        made = [word for row in rows for word in word_rows(row.id, row.location_id, row.name, row.code, row.email,
                                                            row.phone_e164) if row.merged_into is None]
        if made:
            connection.execute(words.insert(), made)
        after = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('customer_word', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_word_customer_id_word')
    op.drop_table('customer_word')
