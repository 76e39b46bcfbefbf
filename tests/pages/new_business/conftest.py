"""A new business from nothing: an empty, migrated SQLite database (no shop, no account), prepared before NiceGUI runs
main.py. Replaces the page tests' small shop (``tests/pages/conftest.py``)."""

import pytest


@pytest.fixture(autouse=True)
def shop(sqlite_db):
    """Nothing: the test builds the business through the pages."""
    return None
