"""A data folder of each test's own (attachments, reports, analytics columns), a shop with a chat attachment, and a
folder to back up into."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from app.config import get_settings, reset_settings
from app.models import Role
from app.services.customers import chat
from tests.factories import actor, make_customer, make_location, make_service, make_staff_member


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's data folder (the database stays where ``db`` put it)."""
    folder = tmp_path / 'data'
    folder.mkdir()
    monkeypatch.setenv('CLIENTPULSE_DATA_DIR', str(folder))
    reset_settings()
    assert get_settings().data_dir == folder
    yield folder
    monkeypatch.undo()
    reset_settings()


@pytest.fixture
def target(tmp_path: Path) -> Path:
    folder = tmp_path / 'backups'
    folder.mkdir()
    return folder


@pytest.fixture
def shop(db, data_dir):
    """A location with a staff member, a 15-minute service, a customer and a chat message carrying a PNG."""
    location = make_location()
    jj, cut = make_staff_member(location, 'JJ', start='06:00', end='22:00'), make_service(location, minutes=15)
    sam = make_customer(location, 'Sam Lee', '416-555-0102')
    staff = actor(Role.STAFF, location.id)
    conversation = chat.open_conversation(sam.id, actor=staff)
    sent = chat.send_as_staff(conversation.id, 'your colour chart', actor=staff,
                              upload=chat.Upload('chart.png', png_bytes()))
    return location, jj, cut, sam, staff, sent.attachment_id


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', (8, 8), (20, 120, 30)).save(buffer, format='PNG')
    return buffer.getvalue()
