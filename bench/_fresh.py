"""A fresh, migrated SQLite database in a temporary folder for a benchmark (``with fresh_database('x') as folder``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def fresh_database(name: str) -> Iterator[Path]:
    """Point ClientPulse at ``<temporary folder>/<name>.db`` (its data folder the same, the scheduler off), migrate
    it, and yield the folder; removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        os.environ['CLIENTPULSE_DATA_DIR'] = folder
        os.environ['CLIENTPULSE_DATABASE_URL'] = f'sqlite:///{Path(folder) / f"{name}.db"}'
        os.environ['CLIENTPULSE_SCHEDULER'] = 'false'
        from app.config import reset_settings
        from app.services import database

        reset_settings()
        database.migrate()
        yield Path(folder)
