"""Live tests: the page tests' shop and fixtures (a fresh SQLite database prepared before NiceGUI runs main.py)."""

from tests.pages.conftest import room_messages, shop

__all__ = ['room_messages', 'shop']
