"""First-run tests: an empty, migrated SQLite database (no shop, no account), prepared before NiceGUI runs main.py."""

import pytest


@pytest.fixture(autouse=True)
def empty(sqlite_db):
    return sqlite_db
