"""A backup taken while bookings are written holds every booking acknowledged before it began, and its attachments;
restored into an empty data folder and database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from app.models import Booking
from app.services import database
from app.services.backups import archive, restore, schedule
from app.services.customers import chat
from app.services.database import session_scope
from app.services.errors import ClientPulseError
from tests.conftest import use_database
from tests.factories import at, make_booking


class _Writer(threading.Thread):
    """Books one 15-minute slot after another until stopped; ``acknowledged`` holds (booking id, when it returned)."""

    def __init__(self, location, jj, cut) -> None:
        super().__init__(daemon=True)
        self.location, self.jj, self.cut = location, jj, cut
        self.acknowledged: list[tuple[int, float]] = []
        self.stop, self.started_writing = threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        first, number = date.today() + timedelta(days=1), 0
        try:
            while not self.stop.is_set():
                day, slot = first + timedelta(days=number // 60), number % 60
                starts = at(day, '06:00') + timedelta(minutes=15 * slot)
                booking = make_booking(self.location, self.jj, self.cut, None, starts)
                self.acknowledged.append((booking.id, time.monotonic()))
                number += 1
                if number >= 5:
                    self.started_writing.set()
        except BaseException as error:  # shown by the test
            self.error = error
            self.started_writing.set()


def _backup_while_booking(shop, target: Path) -> tuple[Path, set[int]]:
    location, jj, cut, *_rest = shop
    writer = _Writer(location, jj, cut)
    writer.start()
    assert writer.started_writing.wait(60)
    began = time.monotonic()
    result = schedule.back_up(target)
    ended = time.monotonic()
    while not any(when > ended for _id, when in writer.acknowledged) and writer.error is None:
        writer.join(0.05)  # until one more booking lands after the backup: it really ran while booking
    writer.stop.set()
    writer.join(30)
    assert writer.error is None, writer.error
    before = {booking_id for booking_id, when in writer.acknowledged if when < began}
    assert len(before) >= 5
    return Path(result.path), before


def _check_restored(before: set[int], shop, attachment_bytes: bytes) -> None:
    *_rest, staff, attachment_id = shop
    with session_scope() as session:
        restored = set(session.exec(select(Booking.id)))
    assert before <= restored, f'missing after restore: {sorted(before - restored)}'
    stored = chat.staff_attachment(attachment_id, actor=staff)
    assert Path(stored.path).read_bytes() == attachment_bytes


def test_backup_while_booking_restores_every_acknowledged_booking_and_the_attachments(
        db, shop, target, tmp_path, monkeypatch, request):
    *_rest, staff, attachment_id = shop
    attachment = Path(chat.staff_attachment(attachment_id, actor=staff).path).read_bytes()
    backup, before = _backup_while_booking(shop, target)
    assert archive.FINAL_NAME.match(backup.name)
    assert [p.name for p in target.iterdir()] == [backup.name]  # nothing half-written beside it

    fresh = tmp_path / 'fresh-data'  # an empty data folder, and an empty database of the same kind
    monkeypatch.setenv('CLIENTPULSE_DATA_DIR', str(fresh))
    if db.startswith('sqlite'):
        use_database(f'sqlite:///{fresh / "clientpulse.db"}')
        result = restore.restore(backup)
        _check_restored(before, shop, attachment)
    else:
        admin = create_engine(request.getfixturevalue('postgres_server_url'), isolation_level='AUTOCOMMIT')
        name = f'clientpulse_restore_{uuid.uuid4().hex[:8]}'
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}'))
        try:
            use_database(db.rsplit('/', 1)[0] + f'/{name}')
            result = restore.restore(backup)
            _check_restored(before, shop, attachment)
        finally:
            database.reset_engines()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
            admin.dispose()
    assert result.moved_aside_to is None
    assert result.counts['booking'] >= len(before)
    assert result.files['attachments'] == 1
    assert result.revision_to == result.revision_from


def test_restore_over_data_asks_then_moves_it_aside_never_overwriting(db, shop, target):
    backup = Path(schedule.back_up(target).path)
    location, jj, cut, *_rest = shop
    later = make_booking(location, jj, cut, None, at(date.today() + timedelta(days=3), '10:00'))
    with pytest.raises(restore.RestoreNeedsConfirmation):
        restore.restore(backup)
    with session_scope() as session:
        assert session.get(Booking, later.id) is not None  # refused: nothing changed
    result = restore.restore(backup, move_aside=True)
    assert result.moved_aside_to
    with session_scope() as session:
        assert session.get(Booking, later.id) is None  # the backup's data, from before that booking
    if db.startswith('sqlite'):
        kept = Path(result.moved_aside_to)
        assert (kept / 'clientpulse.db').is_file() and any((kept / 'files' / 'attachments').iterdir())
    else:
        schema = result.moved_aside_to.split('schema ', 1)[1].split(',')[0]
        with database.get_engine().connect() as connection:
            assert connection.execute(text(f'SELECT count(*) FROM "{schema}".booking WHERE id = :id'),
                                      {'id': later.id}).scalar() == 1
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            connection.commit()


def test_sealed_backup_needs_its_passphrase_and_refuses_a_cut_off_copy(shop, target, tmp_path):
    backup = Path(schedule.back_up(target, passphrase='correct horse battery').path)
    assert backup.name.endswith('.tar.gz.sealed')
    assert b'SQLite format 3' not in backup.read_bytes()
    for passphrase, message in ((None, 'sealed'), ('wrong horse battery', 'passphrase is wrong')):
        with pytest.raises(ClientPulseError, match=message):
            restore.restore(backup, passphrase=passphrase, move_aside=True)
    cut = tmp_path / 'cut.tar.gz.sealed'
    cut.write_bytes(backup.read_bytes()[:-100])
    with pytest.raises(ClientPulseError, match=r'changed|cut off'):
        restore.restore(cut, passphrase='correct horse battery', move_aside=True)
    result = restore.restore(backup, passphrase='correct horse battery', move_aside=True)
    assert result.files['attachments'] == 1


def test_a_backup_by_a_newer_version_is_refused_and_an_older_one_upgraded(sqlite_db, data_dir, target, tmp_path,
                                                                         monkeypatch):
    with monkeypatch.context() as patched:  # only this patch ends here (undo() also undid data_dir's folder)
        patched.setattr(archive, 'app_version', lambda: '99.0.0')
        newer = Path(archive.make_backup(target).path)
    with pytest.raises(ClientPulseError, match='newer ClientPulse'):
        restore.restore(newer, move_aside=True)

    old = tmp_path / 'old.db'  # a database made by an older ClientPulse (revision 0040)
    database.migrate(f'sqlite:///{old}', '0040')
    use_database(f'sqlite:///{old}')
    older = Path(archive.make_backup(target).path)
    use_database(f'sqlite:///{tmp_path / "new.db"}')
    result = restore.restore(older)
    assert (result.revision_from, result.revision_to) == ('0040', _head())


def _head() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(database.alembic_config()).get_current_head()
