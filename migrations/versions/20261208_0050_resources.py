"""resources: rooms, chairs, stations and equipment with a capacity, out of service at times; the units of each kind
a service needs; the units each booking uses

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-08 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = '0050'
down_revision: str | None = '0049'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'resource',
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.CheckConstraint('capacity BETWEEN 1 AND 50', name=op.f('ck_resource_capacity')),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_resource_location_id_location')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resource')),
        sa.UniqueConstraint('location_id', 'name', name=op.f('uq_resource_location_id_name')),
    )
    with op.batch_alter_table('resource') as batch:
        batch.create_index('ix_resource_location_id_kind', ['location_id', 'kind'], unique=False)
    op.create_table(
        'resource_outage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('ends_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=120), nullable=False),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_resource_outage_ends_after_start')),
        sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_outage_resource_id_resource')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_outage')),
    )
    with op.batch_alter_table('resource_outage') as batch:
        batch.create_index(batch.f('ix_resource_outage_resource_id'), ['resource_id'], unique=False)
    op.create_table(
        'service_resource',
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.CheckConstraint('units BETWEEN 1 AND 50', name=op.f('ck_service_resource_units')),
        sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_resource_service_id_service')),
        sa.PrimaryKeyConstraint('service_id', 'kind', name=op.f('pk_service_resource')),
    )
    op.create_table(
        'booking_resource',
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.CheckConstraint('units BETWEEN 1 AND 50', name=op.f('ck_booking_resource_units')),
        sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_resource_booking_id_booking')),
        sa.ForeignKeyConstraint(['resource_id'], ['resource.id'],
                                name=op.f('fk_booking_resource_resource_id_resource')),
        sa.PrimaryKeyConstraint('booking_id', 'resource_id', name=op.f('pk_booking_resource')),
    )
    with op.batch_alter_table('booking_resource') as batch:
        batch.create_index('ix_booking_resource_resource_id_booking_id', ['resource_id', 'booking_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('booking_resource') as batch:
        batch.drop_index('ix_booking_resource_resource_id_booking_id')
    op.drop_table('booking_resource')
    op.drop_table('service_resource')
    with op.batch_alter_table('resource_outage') as batch:
        batch.drop_index(batch.f('ix_resource_outage_resource_id'))
    op.drop_table('resource_outage')
    with op.batch_alter_table('resource') as batch:
        batch.drop_index('ix_resource_location_id_kind')
    op.drop_table('resource')
