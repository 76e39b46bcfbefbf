"""Issue 31: databases made at earlier revisions, with rows in every table they had, upgrade to head and keep them.

For each revision in ``REVISIONS`` (releases' and a few older ones, plus the one before head, so a new migration is
always covered): the schema as the migrations make it at that revision, filled by ``tests/upgrade_data.py`` (a few
dozen generated rows in every table), a fingerprint (count per table, a hash per column), ``alembic upgrade head``,
the fingerprint again — every table and every column of the old database must still be there with the same rows,
except what ``CHANGES`` names — then one step down (every row stays, but for the tables and columns the last
migration adds) and back up. On SQLite and on
PostgreSQL (a fresh database per case; with ``CI=true`` a missing server fails, as in tests/conftest.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from app.services import database
from tests import upgrade_data
from tests.conftest import DEFAULT_POSTGRES_URL, IN_CI

# What migrations change on purpose, each with the migration that does it. A table or column listed here may vanish
# or change its rows; anything else that changes fails the test.
CHANGES: dict[tuple[str, str | None], str] = {
    # 0010: failed sign-ins moved to sign_in_throttle, keyed by a hash of the address; the columns are dropped
    ('app_user', 'failed_logins'): '0010',
    ('app_user', 'locked_until'): '0010',
}
# 0045 (coming) rescales the money of locations whose currency has 0 or 3 decimals: generated locations use USD and
# KES, so it must change nothing here.


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(database.alembic_config('sqlite://'))
    head = script.get_revision(script.get_current_head())
    chosen = ['0008', '0020', '0032', '0041', head.down_revision]
    return list(dict.fromkeys(chosen))  # head-1 may be one of the others


REVISIONS = _revisions()


@pytest.fixture
def old_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of the parametrised kind (a SQLite file, or a PostgreSQL database of its own)."""
    if request.param == 'sqlite':
        yield f'sqlite:///{tmp_path / "old.db"}'
        return
    admin_url = os.environ.get('CLIENTPULSE_TEST_POSTGRES_URL', DEFAULT_POSTGRES_URL)
    name = f'clientpulse_upgrade_{uuid.uuid4().hex[:10]}'
    admin = sa.create_engine(admin_url, isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE {name}'))
    except Exception as error:
        admin.dispose()
        message = f'PostgreSQL at {admin_url} is not reachable: {error}'
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield admin_url.rsplit('/', 1)[0] + f'/{name}'
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize('revision', REVISIONS)
@pytest.mark.parametrize('old_database', ['sqlite', pytest.param('postgres', marks=pytest.mark.postgres)],
                         indirect=True)
def test_an_old_database_upgrades_to_head_with_every_row(old_database, revision):
    config = database.alembic_config(old_database)
    command.upgrade(config, revision)
    engine = sa.create_engine(old_database)
    try:
        with engine.begin() as connection:
            filled = upgrade_data.fill(connection)
        assert all(filled.values()), f'a table got no rows: {filled}'
        with engine.connect() as connection:
            before = upgrade_data.fingerprint(connection)

        command.upgrade(config, 'head')
        with engine.connect() as connection:
            after = upgrade_data.fingerprint(connection)
        assert differences(before, after) == []

        command.downgrade(config, '-1')  # one step down keeps every row, but what the last migration added
        with engine.connect() as connection:
            down = upgrade_data.fingerprint(connection)
        kept = within(after, down)
        assert differences(kept, down) == []
        command.upgrade(config, 'head')  # and back up
        with engine.connect() as connection:
            again = upgrade_data.fingerprint(connection)
        assert differences(kept, again) == []
    finally:
        engine.dispose()


def differences(before: dict, after: dict) -> list[str]:
    """What of ``before`` is not in ``after`` as it was (tables, counts, columns), but for ``CHANGES``."""
    found = []
    for table, old in before.items():
        new = after.get(table)
        if new is None:
            if (table, None) not in CHANGES:
                found.append(f'table {table} is gone')
            continue
        if new['count'] != old['count'] and (table, None) not in CHANGES:
            found.append(f'{table}: {old["count"]} rows became {new["count"]}')
        for column, digest in old['columns'].items():
            if (table, column) in CHANGES or (table, None) in CHANGES:
                continue
            if column not in new['columns']:
                found.append(f'{table}.{column} is gone')
            elif new['columns'][column] != digest:
                found.append(f'{table}.{column} changed')
    return found


def within(fingerprint: dict, schema: dict) -> dict:
    """``fingerprint`` cut to the tables and columns ``schema`` (another fingerprint) has."""
    return {table: {'count': value['count'],
                    'columns': {c: h for c, h in value['columns'].items() if c in schema[table]['columns']}}
            for table, value in fingerprint.items() if table in schema}


def test_the_generated_rows_honour_the_head_schema(sqlite_template, tmp_path):
    """The generator fills every table of today's schema (a new table or CHECK it cannot fill fails here first)."""
    import shutil
    path = tmp_path / 'head.db'
    shutil.copy(sqlite_template, path)
    engine = sa.create_engine(f'sqlite:///{path}')
    with engine.begin() as connection:
        connection.exec_driver_sql('PRAGMA foreign_keys = ON')
        filled = upgrade_data.fill(connection)
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names()) - {'alembic_version'}
        assert connection.exec_driver_sql('PRAGMA foreign_key_check').all() == []
    engine.dispose()
    assert set(filled) == tables and all(filled.values())
