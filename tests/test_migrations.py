"""Alembic: upgrade head on empty SQLite and PostgreSQL databases, then autogenerate finds no difference."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401  (the whole metadata)
from app.services import database


def empty_database(kind: str, request: pytest.FixtureRequest, tmp_path) -> str:
    if kind == 'sqlite':
        return f'sqlite:///{tmp_path / "empty.db"}'
    url = request.getfixturevalue('postgres_server_url')
    engine = create_engine(url, isolation_level='AUTOCOMMIT')
    with engine.connect() as connection:  # the session database is migrated already: start from nothing
        connection.execute(text('DROP SCHEMA public CASCADE'))
        connection.execute(text('CREATE SCHEMA public'))
    engine.dispose()
    return url


@pytest.mark.parametrize('kind', ['sqlite', pytest.param('postgres', marks=pytest.mark.postgres)])
def test_upgrade_head_matches_the_models(kind, request, tmp_path):
    url = empty_database(kind, request, tmp_path)
    database.migrate(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={'compare_type': True})
        assert compare_metadata(context, SQLModel.metadata) == []
        assert set(SQLModel.metadata.tables) <= set(inspect(connection).get_table_names())
    command.downgrade(database.alembic_config(url), 'base')
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {'alembic_version'}
    database.migrate(url)  # and back up again, so later tests find the schema
    engine.dispose()


def test_0009_gives_every_booking_a_random_code_and_repairs_missing_times(tmp_path):
    """Bookings made before booking codes get distinct random ones; imports before 0009 stored a missing
    booked-at time as the text 'Na ', which every later read failed on: it becomes NULL."""
    url = f'sqlite:///{tmp_path / "old.db"}'
    command.upgrade(database.alembic_config(url), '0008')
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO location (id, name, time_zone, currency, tax_rates) "
                                "VALUES (1, 'Shop', 'UTC', 'EUR', '[]')"))
        connection.execute(text("INSERT INTO staff_member (id, location_id, name, active) VALUES (1, 1, 'Jo', 1)"))
        connection.execute(text("INSERT INTO service (id, location_id, code, name, category, price_cents, cost_cents, "
                                "active) VALUES (1, 1, 'CUT', 'Cut', '', 0, 0, 1)"))
        for number, booked in enumerate(['Na ', '2024-04-01 09:00:00.000000', 'Na '], start=1):
            connection.execute(text(
                'INSERT INTO booking (id, location_id, service_id, staff_member_id, starts_at, ends_at, notes, status, '
                "channel, price_cents, booked_at) VALUES (:id, 1, 1, 1, '2024-05-01 10:00:00.000000', "
                "'2024-05-01 10:00:00.000000', '', 'completed', 'import', 0, :booked)"),
                {'id': number, 'booked': booked})
    database.migrate(url)
    with engine.connect() as connection:
        rows = connection.execute(text('SELECT id, code, booked_at FROM booking ORDER BY id')).all()
    engine.dispose()
    assert [r.booked_at for r in rows] == [None, '2024-04-01 09:00:00.000000', None]
    codes = [r.code for r in rows]
    assert len(set(codes)) == 3 and all(len(c) == 10 for c in codes)
    assert not any(c.isdigit() and int(c) == r.id for c, r in zip(codes, rows, strict=True))
