"""A database at an earlier revision, filled with generated rows in every table (as tests/test_upgrade_matrix.py
makes them), to look at or to upgrade by hand.

    .venv/bin/python scripts/make_upgrade_fixture.py 0020 sqlite:////tmp/at-0020.db
    CLIENTPULSE_DATABASE_URL=sqlite:////tmp/at-0020.db .venv/bin/clientpulse migrate
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from alembic import command

from app.services import database
from tests import upgrade_data


def main(revision: str, url: str) -> None:
    command.upgrade(database.alembic_config(url), revision)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        counts = upgrade_data.fill(connection)
    engine.dispose()
    print(f'{url} at {revision}: {sum(counts.values())} rows in {len(counts)} tables')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
