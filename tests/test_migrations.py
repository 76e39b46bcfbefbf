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
